/**
 * Execution history for history_request: tail, range and search (IPython's semantics:
 * sessions numbered from 1, session 0 or negative numbers are relative to the current one,
 * ranges are [start, stop), search patterns are globs matched against the whole input).
 * Kept in memory; optionally persisted so earlier sessions stay searchable.
 *
 * The file is JSON Lines, one record per line: an input ({session, line, input}) or the output of one
 * recorded before ({session, line, output}). A save appends what is new, so it costs what changed since
 * the last one, not the whole history; kernels sharing the file append side by side (O_APPEND writes of a
 * few KB land whole). Once the file holds twice MAX_PERSISTED_ENTRIES records, one save rewrites it with
 * the newest MAX_PERSISTED_ENTRIES entries.
 */
import { existsSync, promises as fs, readFileSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";

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

interface ParsedFile {
  entries: HistoryEntry[];
  /** Lines in the file: what decides when it is rewritten. */
  records: number;
  /** Written as one JSON array (tsfine's format until November 2026): the next save rewrites it as JSON Lines. */
  legacy: boolean;
}

/** Entries of a history file's text. Lines that are not a record (one cut short by a crash) are skipped. */
function parseHistoryFile(text: string): ParsedFile {
  if (text.trimStart().startsWith("[")) return { entries: legacyEntries(text), records: 0, legacy: true };
  const entries: HistoryEntry[] = [];
  const latest = new Map<string, HistoryEntry>();
  let records = 0;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    records++;
    let record: { session?: unknown; line?: unknown; input?: unknown; output?: unknown };
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof record?.session !== "number" || typeof record.line !== "number") continue;
    const key = `${record.session}:${record.line}`;
    if (typeof record.input === "string") {
      const entry: HistoryEntry = { session: record.session, line: record.line, input: record.input };
      if (typeof record.output === "string") entry.output = record.output;
      entries.push(entry);
      latest.set(key, entry);
    } else if (typeof record.output === "string") {
      const entry = latest.get(key);
      if (entry) entry.output = record.output;
    }
  }
  return { entries, records, legacy: false };
}

function legacyEntries(text: string): HistoryEntry[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((e) => typeof e?.session === "number" && typeof e?.line === "number" && typeof e?.input === "string") : [];
  } catch {
    return [];
  }
}

/**
 * The history file in tsfine's data folder. Versions before JSON Lines kept it in history.json: that file
 * becomes this one (History reads its old format, and the first save rewrites it).
 */
export function historyFileIn(folder: string): string {
  const file = join(folder, "history.jsonl");
  if (!existsSync(file)) {
    try {
      renameSync(join(folder, "history.json"), file);
    } catch {
      // nothing to carry over
    }
  }
  return file;
}

function entryLine(entry: HistoryEntry): string {
  return JSON.stringify(entry) + "\n";
}

export class History {
  private loaded: { session: number; entries: HistoryEntry[] } | undefined;
  /** Records made since the last save, as the lines the next save appends. */
  private unsaved: string[] = [];
  /** Lines in the file as far as this kernel knows (its own appends included). */
  private recordsInFile = 0;
  /** The file must be rewritten before anything is appended (it is in the old format). */
  private rewriteFirst = false;
  private saveTimer: NodeJS.Timeout | undefined;
  /** The write in progress (saves never overlap: two appends could land out of order). */
  private writing: Promise<void> = Promise.resolve();
  /** A save waiting for the current write to end; later calls join it. */
  private queued: Promise<void> | undefined;
  private temporaryCounter = 0;

  /**
   * file: where history persists (see the module comment); undefined keeps it in memory only. The file is
   * read on first use, not here: the kernel creates its history before its first kernel_info reply.
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
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return [];
    }
    const parsed = parseHistoryFile(text);
    this.recordsInFile = parsed.records;
    this.rewriteFirst = parsed.legacy;
    return parsed.entries;
  }

  record(line: number, input: string): void {
    const entry: HistoryEntry = { session: this.session, line, input };
    this.entries.push(entry);
    this.remember(entryLine(entry));
  }

  recordOutput(line: number, output: string): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i];
      if (entry.session !== this.session || entry.line !== line) continue;
      entry.output = output;
      this.remember(JSON.stringify({ session: entry.session, line, output }) + "\n");
      return;
    }
  }

  tail(n: number, withOutput: boolean): HistoryTuple[] {
    return this.entries.slice(Math.max(0, this.entries.length - n)).map((e) => this.toTuple(e, withOutput));
  }

  range(session: number, start: number, stop: number | undefined, withOutput: boolean): HistoryTuple[] {
    const target = session <= 0 ? this.session + session : session;
    return this.entries.filter((e) => e.session === target && e.line >= start && (stop === undefined || e.line < stop)).map((e) => this.toTuple(e, withOutput));
  }

  /** The last n matches (all when n is undefined), oldest first; unique keeps the latest of equal inputs. */
  search(pattern: string, n: number | undefined, unique: boolean, withOutput: boolean): HistoryTuple[] {
    const regexp = globToRegExp(pattern);
    let matches = this.entries.filter((e) => regexp.test(e.input));
    if (unique) {
      const seen = new Set<string>();
      matches = matches
        .reverse()
        .filter((e) => !seen.has(e.input) && seen.add(e.input))
        .reverse();
    }
    if (n !== undefined && n >= 0) matches = matches.slice(Math.max(0, matches.length - n));
    return matches.map((e) => this.toTuple(e, withOutput));
  }

  private toTuple(entry: HistoryEntry, withOutput: boolean): HistoryTuple {
    return withOutput ? [entry.session, entry.line, [entry.input, entry.output ?? null]] : [entry.session, entry.line, entry.input];
  }

  private remember(line: string): void {
    if (!this.file) return;
    this.unsaved.push(line);
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => void this.save(), 500);
    this.saveTimer.unref();
  }

  /**
   * Writes what is new (also called at shutdown); the file is readable by the user only. Saves run one
   * after another, and calls made while one is writing share the next write.
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
    const lines = this.unsaved;
    if (lines.length === 0) return; // nothing recorded since the last save (a shutdown right after one)
    this.unsaved = [];
    try {
      await fs.mkdir(dirname(file), { recursive: true, mode: 0o700 });
      if (this.rewriteFirst || this.recordsInFile + lines.length > 2 * MAX_PERSISTED_ENTRIES) {
        await this.rewrite(file, lines);
      } else {
        await fs.appendFile(file, lines.join(""), { mode: 0o600 });
        this.recordsInFile += lines.length;
      }
    } catch (error) {
      this.unsaved = [...lines, ...this.unsaved]; // the next save tries them again
      process.stderr.write(`[tsfine] could not save history to ${file}: ${error}\n`);
    }
  }

  /**
   * The file's newest MAX_PERSISTED_ENTRIES entries (this save's included), written anew and renamed into
   * place. A record another kernel appends between the read and the rename is lost: this happens once
   * per 10 000 records or so, and costs at most that kernel's last half second of history.
   */
  private async rewrite(file: string, lines: string[]): Promise<void> {
    const onDisk = await fs.readFile(file, "utf8").catch(() => "");
    const earlier = parseHistoryFile(onDisk);
    // An output line may belong to an input already appended, so new lines are read after the file's own.
    const entries = earlier.legacy ? [...earlier.entries, ...parseHistoryFile(lines.join("")).entries] : parseHistoryFile(onDisk + lines.join("")).entries;
    const kept = entries.slice(-MAX_PERSISTED_ENTRIES);
    const temporary = `${file}.${process.pid}.${++this.temporaryCounter}.tmp`;
    await fs.writeFile(temporary, kept.map(entryLine).join(""), { mode: 0o600 });
    await fs.rename(temporary, file);
    this.recordsInFile = kept.length;
    this.rewriteFirst = false;
  }
}
