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
  /** The write in progress (saves never overlap: two writers would race on the file). */
  private writing: Promise<void> = Promise.resolve();
  /** A save waiting for the current write to end; later calls join it. */
  private queued: Promise<void> | undefined;
  private temporaryCounter = 0;

  /** file: JSON file holding earlier sessions; undefined keeps history in memory only. */
  constructor(private readonly file?: string) {
    this.entries = file ? History.load(file) : [];
    this.session = this.entries.reduce((max, entry) => Math.max(max, entry.session), 0) + 1;
  }

  private static load(file: string): HistoryEntry[] {
    try {
      return History.parse(readFileSync(file, "utf8"));
    } catch {
      return [];
    }
  }

  /** Entries of a history file's text; throws if it is not JSON. */
  private static parse(text: string): HistoryEntry[] {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed)
      ? parsed.filter((e) => typeof e?.session === "number" && typeof e?.line === "number" && typeof e?.input === "string")
      : [];
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

  /**
   * Writes the file (also called at shutdown); readable by the user only. Saves run one after
   * another, and calls made while one is writing share the next write.
   */
  save(): Promise<void> {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.file) return Promise.resolve();
    if (this.queued) return this.queued;
    const next = this.writing.then(() => {
      this.queued = undefined;
      return this.write(this.file!);
    });
    this.queued = next;
    this.writing = next;
    return next;
  }

  private async write(file: string): Promise<void> {
    try {
      await fs.mkdir(dirname(file), { recursive: true, mode: 0o700 });
      // Other kernels may have saved their sessions since we loaded: keep theirs, replace ours.
      let others: HistoryEntry[] = [];
      try {
        others = History.parse(await fs.readFile(file, "utf8")).filter((e) => e.session !== this.session);
      } catch {
        // no file yet, or unreadable: ours alone
      }
      const ours = this.entries.filter((e) => e.session === this.session);
      const temporary = `${file}.${process.pid}.${++this.temporaryCounter}.tmp`;
      await fs.writeFile(temporary, JSON.stringify([...others, ...ours].slice(-MAX_PERSISTED_ENTRIES)), { mode: 0o600 });
      await fs.rename(temporary, file);
    } catch (error) {
      process.stderr.write(`[tsfine] could not save history to ${file}: ${error}\n`);
    }
  }
}
