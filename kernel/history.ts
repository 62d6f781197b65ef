/**
 * Execution history for history_request: tail, range and search (IPython's semantics:
 * sessions numbered from 1, session 0 or negative numbers are relative to the current one,
 * ranges are [start, stop), search patterns are globs matched against the whole input).
 * Kept in memory; optionally persisted as JSON so earlier sessions stay searchable.
 */
import { promises as fs, readFileSync, statSync, type Stats } from "node:fs";
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

/** Identifies one version of the file: every save writes a new file and renames it into place. */
type FileVersion = string;

function versionOf(stats: Stats): FileVersion {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}

export class History {
  private loaded: { session: number; entries: HistoryEntry[] } | undefined;
  /**
   * The other sessions' entries as the file held them when this kernel last read or wrote it, so a
   * save re-reads and re-parses the file (up to 10 000 entries) only when another kernel wrote it since.
   */
  private others: { version: FileVersion; entries: HistoryEntry[]; json?: string } | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  /** The write in progress (saves never overlap: two writers would race on the file). */
  private writing: Promise<void> = Promise.resolve();
  /** A save waiting for the current write to end; later calls join it. */
  private queued: Promise<void> | undefined;
  private temporaryCounter = 0;

  /**
   * file: JSON file holding earlier sessions; undefined keeps history in memory only. The file is read
   * on first use, not here: the kernel creates its history before its first kernel_info reply.
   */
  constructor(private readonly file?: string) {}

  get session(): number {
    return this.state().session;
  }

  private get entries(): HistoryEntry[] {
    return this.state().entries;
  }

  private state(): { session: number; entries: HistoryEntry[] } {
    if (!this.loaded) {
      const entries = this.file ? this.load(this.file) : [];
      this.loaded = { entries, session: entries.reduce((max, entry) => Math.max(max, entry.session), 0) + 1 };
    }
    return this.loaded;
  }

  private load(file: string): HistoryEntry[] {
    try {
      const version = versionOf(statSync(file));
      const entries = History.parse(readFileSync(file, "utf8"));
      this.others = { version, entries: [...entries] };
      return entries;
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
      const session = this.session;
      // Other kernels may have saved their sessions since we last read or wrote: keep theirs, replace ours.
      let others = this.others;
      const current = await fs.stat(file).then(versionOf, () => undefined);
      if (current === undefined) others = undefined;
      else if (others?.version !== current) {
        try {
          others = { version: current, entries: History.parse(await fs.readFile(file, "utf8")).filter((e) => e.session !== session) };
        } catch {
          others = undefined; // unreadable: ours alone
        }
      }
      const ours = this.entries.filter((e) => e.session === session);
      const theirs = others?.entries ?? [];
      let text: string;
      if (theirs.length + ours.length <= MAX_PERSISTED_ENTRIES && others) {
        others.json ??= JSON.stringify(theirs).slice(1, -1);
        const mine = JSON.stringify(ours).slice(1, -1);
        text = `[${others.json}${others.json && mine ? "," : ""}${mine}]`;
      } else {
        text = JSON.stringify([...theirs, ...ours].slice(-MAX_PERSISTED_ENTRIES));
      }
      const temporary = `${file}.${process.pid}.${++this.temporaryCounter}.tmp`;
      await fs.writeFile(temporary, text, { mode: 0o600 });
      // renaming keeps the file's inode, size and mtime: what the next save compares with
      const written = versionOf(await fs.stat(temporary));
      await fs.rename(temporary, file);
      this.others = { version: written, entries: theirs, json: others?.json };
    } catch (error) {
      process.stderr.write(`[tsfine] could not save history to ${file}: ${error}\n`);
    }
  }
}
