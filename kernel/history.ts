/**
 * Execution history for history_request: tail, range and search (IPython's semantics:
 * sessions numbered from 1, session 0 or negative numbers are relative to the current one,
 * ranges are [start, stop), search patterns are globs matched against the whole input).
 * Kept in memory; optionally persisted as JSON so earlier sessions stay searchable.
 */
import { promises as fs, readFileSync } from "node:fs";
import { dirname } from "node:path";

export interface HistoryEntry {
  session: number;
  line: number;
  input: string;
  output?: string;
}

/** What history_reply carries: [session, line, input] or [session, line, [input, output]]. */
export type HistoryTuple = [number, number, string] | [number, number, [string, string | null]];

const MAX_PERSISTED_ENTRIES = 10000;

function globToRegExp(glob: string): RegExp {
  let source = "";
  for (const char of glob) {
    if (char === "*") source += "[\\s\\S]*";
    else if (char === "?") source += "[\\s\\S]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

export class History {
  readonly session: number;
  private readonly entries: HistoryEntry[];
  private saveTimer: NodeJS.Timeout | undefined;

  /** file: JSON file holding earlier sessions; undefined keeps history in memory only. */
  constructor(private readonly file?: string) {
    this.entries = file ? History.load(file) : [];
    this.session = this.entries.reduce((max, entry) => Math.max(max, entry.session), 0) + 1;
  }

  private static load(file: string): HistoryEntry[] {
    try {
      const parsed = JSON.parse(readFileSync(file, "utf8"));
      return Array.isArray(parsed)
        ? parsed.filter((e) => typeof e?.session === "number" && typeof e?.line === "number" && typeof e?.input === "string")
        : [];
    } catch {
      return [];
    }
  }

  record(line: number, input: string): void {
    this.entries.push({ session: this.session, line, input });
    this.scheduleSave();
  }

  recordOutput(line: number, output: string): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i];
      if (entry.session !== this.session || entry.line !== line) continue;
      entry.output = output;
      this.scheduleSave();
      return;
    }
  }

  tail(n: number, withOutput: boolean): HistoryTuple[] {
    return this.entries.slice(Math.max(0, this.entries.length - n)).map((e) => this.toTuple(e, withOutput));
  }

  range(session: number, start: number, stop: number | undefined, withOutput: boolean): HistoryTuple[] {
    const target = session <= 0 ? this.session + session : session;
    return this.entries
      .filter((e) => e.session === target && e.line >= start && (stop === undefined || e.line < stop))
      .map((e) => this.toTuple(e, withOutput));
  }

  /** The last n matches (all when n is undefined), oldest first; unique keeps the latest of equal inputs. */
  search(pattern: string, n: number | undefined, unique: boolean, withOutput: boolean): HistoryTuple[] {
    const regexp = globToRegExp(pattern);
    let matches = this.entries.filter((e) => regexp.test(e.input));
    if (unique) {
      const seen = new Set<string>();
      matches = matches.reverse().filter((e) => !seen.has(e.input) && seen.add(e.input)).reverse();
    }
    if (n !== undefined && n >= 0) matches = matches.slice(Math.max(0, matches.length - n));
    return matches.map((e) => this.toTuple(e, withOutput));
  }

  private toTuple(entry: HistoryEntry, withOutput: boolean): HistoryTuple {
    return withOutput ? [entry.session, entry.line, [entry.input, entry.output ?? null]] : [entry.session, entry.line, entry.input];
  }

  private scheduleSave(): void {
    if (!this.file || this.saveTimer) return;
    this.saveTimer = setTimeout(() => void this.save(), 500);
    this.saveTimer.unref();
  }

  /** Writes the file now (also called at shutdown); readable by the user only. */
  async save(): Promise<void> {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.file) return;
    try {
      await fs.mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
      // Other kernels may have saved their sessions since we loaded: keep theirs, replace ours.
      const others = History.load(this.file).filter((e) => e.session !== this.session);
      const ours = this.entries.filter((e) => e.session === this.session);
      const temporary = `${this.file}.${process.pid}.tmp`;
      await fs.writeFile(temporary, JSON.stringify([...others, ...ours].slice(-MAX_PERSISTED_ENTRIES)), { mode: 0o600 });
      await fs.rename(temporary, this.file);
    } catch (error) {
      process.stderr.write(`[tsfine] could not save history to ${this.file}: ${error}\n`);
    }
  }
}
