import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { CarriedDeclaration } from "./carried-declarations";
import { globalsDeclarations } from "./globals-declarations";
import type { CheckMode, CompileResult } from "./language-messages";
import type { BindingKind } from "./repl-bindings";
import { withoutScriptName, withScriptName } from "./script-name";
import { tsfineRoot } from "./tsfine-root";
import { typescriptVersion } from "./typescript-loader";
import { writeAtomically } from "./typescript-code-cache";

/**
 * Compile results kept between kernels, so that a notebook opened and run at once does not wait for the type
 * checker's first program (1–3 s of parsing declarations with TypeScript's code still cold) for cells it has
 * checked before.
 *
 * A result is a pure function of the cell's text, the committed state before it (carried declarations and
 * binding kinds), the check mode, and the files the program read: TypeScript's and tsfine's declarations,
 * the tsconfig.json that applies, and tsfine's evaluator itself. The main thread asks for a result by a key
 * over the first three (`resultKey`); a result is answered only while every file of the program it was checked
 * with has the size and modification time it had then, and the environment (TypeScript's version, tsfine's
 * evaluator build, the preloaded globals' declarations, the tsconfig.json files from the notebook folder up)
 * is the same. Only results the worker marks reusable are kept (no file of the user's, no module missing), and
 * only for texts without imports: a package installed since into the notebook's node_modules would resolve
 * differently without any file of the old program changing.
 *
 * The language worker writes; the main thread reads the file once, at the first compile, and validates a
 * program's files the first time one of its results is asked for. TSFINE_CELL_CACHE=off turns it off.
 */
const FORMAT = 1;
/** Results kept per notebook folder (the most recently used). */
const LIMIT = 256;
/** Files kept, one per notebook folder and environment (the most recently written). */
const FOLDER_LIMIT = 64;
/** The file is written at most this often: a notebook of many new cells must not rewrite it per cell. */
const WRITE_INTERVAL_MS = 2000;
/** A text that may resolve modules: its result could change with no file of its program changing. */
const RESOLVES_MODULES = /(?<![\w$])(?:import|require|reference)(?![\w$])/;

type FileStamp = [file: string, mtimeMs: number, size: number];

interface StoredEntry {
  program: string;
  result: CompileResult;
  used: number;
}

interface StoredCache {
  format: number;
  environment: string;
  programs: Record<string, FileStamp[]>;
  entries: Record<string, StoredEntry>;
}

export function cellCacheEnabled(): boolean {
  return process.env.TSFINE_CELL_CACHE !== "off";
}

/** The committed state a cell is checked against, as one string (see resultKey). */
export function stateFingerprint(declarations: CarriedDeclaration[], kinds: Iterable<[string, BindingKind]>): string | undefined {
  if (declarations.some((declaration) => RESOLVES_MODULES.test(declaration.text))) return undefined;
  return hash(JSON.stringify([declarations, [...kinds]]));
}

/** The key of a cell's result, or undefined when the result must not be kept between kernels. */
export function resultKey(mode: CheckMode, code: string, state: string | undefined): string | undefined {
  if (state === undefined || RESOLVES_MODULES.test(code)) return undefined;
  return hash(JSON.stringify([mode, code, state]));
}

/** The main thread's side: results of earlier kernels, by key. */
export class StoredResults {
  private cache: StoredCache | null | undefined;
  private readonly validPrograms = new Map<string, boolean>();
  /** The folder where results are kept (the worker writes there: it is told, as its process environment may differ). */
  readonly folder: string | undefined;

  constructor(private readonly cwd: string) {
    this.folder = cacheFolder();
  }

  /**
   * Reads the file and checks the files of the programs its most recent results used, ahead of the first
   * compile (the kernel calls this while it waits for the client's connection).
   */
  preload(): void {
    if (this.cache === undefined) this.cache = readCache(this.cwd, this.folder);
    const recent = Object.values(this.cache?.entries ?? {}).sort((a, b) => b.used - a.used)[0];
    if (recent) this.programValid(recent.program);
  }

  /** The stored result for `key`, named `scriptName` (a name of this kernel's), if its files are unchanged. */
  find(key: string, scriptName: string): CompileResult | undefined {
    this.preload();
    const entry = this.cache?.entries[key];
    if (!entry || !this.programValid(entry.program)) return undefined;
    const result = entry.result;
    return result.kind === "compiled" ? { ...result, scriptName, js: withScriptName(withoutScriptName(result.js), scriptName) } : result;
  }

  private programValid(program: string): boolean {
    let valid = this.validPrograms.get(program);
    if (valid === undefined) {
      const files = this.cache?.programs[program];
      valid = files !== undefined && files.every(([file, mtimeMs, size]) => sameStamp(stamp(file), [file, mtimeMs, size]));
      this.validPrograms.set(program, valid);
    }
    return valid;
  }
}

/** The language worker's side: results to keep, written when the worker is idle. */
export class ResultWriter {
  private readonly programs = new Map<string, FileStamp[]>();
  private readonly fresh = new Map<string, StoredEntry>();

  constructor(
    private readonly cwd: string,
    private readonly folder: string,
  ) {}

  /** Keeps `result` (checked with a program of `files`) under `key`. */
  remember(key: string, result: CompileResult, files: readonly string[]): void {
    const program = hash(files.join("\n"));
    if (!this.programs.has(program)) {
      const stamps = files.map(stamp);
      if (stamps.some((entry) => entry === undefined)) return;
      this.programs.set(program, stamps as FileStamp[]);
    }
    this.fresh.set(key, { program, result, used: Date.now() });
  }

  private lastWrite = 0;
  private writeTimer: NodeJS.Timeout | undefined;

  /** Writes now if the last write is long enough ago (a kernel's first cell at once), else a little later. */
  flushWhenDue(): void {
    if (this.fresh.size === 0 || this.writeTimer) return;
    const wait = this.lastWrite + WRITE_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.lastWrite = Date.now();
      this.flush();
      return;
    }
    this.writeTimer = setTimeout(() => {
      this.writeTimer = undefined;
      this.flushWhenDue();
    }, wait);
    this.writeTimer.unref();
  }

  /** Merges what this kernel learned with what other kernels wrote, and writes it (atomically). */
  flush(): void {
    if (this.fresh.size === 0) return;
    const environment = environmentOf(this.cwd);
    const file = cacheFile(this.folder, this.cwd, environment);
    const onDisk = readCacheFile(file);
    const stored: StoredCache = onDisk?.environment === environment ? onDisk : { format: FORMAT, environment, programs: {}, entries: {} };
    for (const [program, stamps] of this.programs) stored.programs[program] = stamps;
    for (const [key, entry] of this.fresh) stored.entries[key] = entry;
    this.fresh.clear();
    const kept = Object.entries(stored.entries)
      .sort(([, a], [, b]) => b.used - a.used)
      .slice(0, LIMIT);
    const used = new Set(kept.map(([, entry]) => entry.program));
    const cache: StoredCache = {
      format: FORMAT,
      environment,
      programs: Object.fromEntries(Object.entries(stored.programs).filter(([program]) => used.has(program))),
      entries: Object.fromEntries(kept),
    };
    writeAtomically(file, JSON.stringify(cache));
    if (!onDisk) forgetOldestFolders(path.dirname(file));
  }
}

/** A new file was written: the files written longest ago go (temporary folders come and go, tsfine is rebuilt). */
function forgetOldestFolders(dir: string): void {
  try {
    const files = fs
      .readdirSync(dir)
      .filter((name) => name.endsWith(".json"))
      .map((name) => ({ file: path.join(dir, name), mtimeMs: fs.statSync(path.join(dir, name)).mtimeMs }))
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const { file } of files.slice(FOLDER_LIMIT)) fs.rmSync(file, { force: true });
  } catch {
    // another kernel removed one first
  }
}

function readCache(cwd: string, folder: string | undefined): StoredCache | null {
  if (!folder) return null;
  const environment = environmentOf(cwd);
  const cache = readCacheFile(cacheFile(folder, cwd, environment));
  return cache?.environment === environment ? cache : null;
}

function readCacheFile(file: string): StoredCache | undefined {
  try {
    const cache = JSON.parse(fs.readFileSync(file, "utf8")) as StoredCache;
    return cache.format === FORMAT ? cache : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What every result depends on besides its program's files: TypeScript's version, tsfine's evaluator build
 * (its compiled files' times), the preloaded globals' declaration text, and each tsconfig.json from the
 * notebook folder up (present or not: a new one changes the options).
 */
function environmentOf(cwd: string): string {
  const evaluator = path.join(tsfineRoot(), "dist", "kernel", "evaluator");
  let build: Array<FileStamp | undefined> = [];
  try {
    build = fs
      .readdirSync(evaluator)
      .filter((name) => name.endsWith(".js"))
      .sort()
      .map((name) => stamp(path.join(evaluator, name)));
  } catch {
    // no build: nothing will match
  }
  const configs: Array<FileStamp | string> = [];
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const config = path.join(dir, "tsconfig.json");
    configs.push(stamp(config) ?? config);
    if (path.dirname(dir) === dir) break;
  }
  const globals = globalsDeclarations().map((file) => [file.name, hash(file.text)]);
  return hash(JSON.stringify([FORMAT, typescriptVersion(), build, globals, configs]));
}

/** $XDG_CACHE_HOME/tsfine/cells (or ~/.cache/tsfine/cells). */
function cacheFolder(): string | undefined {
  try {
    return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "tsfine", "cells");
  } catch {
    return undefined;
  }
}

/** One file per notebook folder and environment: two tsfine builds used in one folder do not overwrite each other's. */
function cacheFile(folder: string, cwd: string, environment: string): string {
  return path.join(folder, `${hash(`${path.resolve(cwd)}\0${environment}`).slice(0, 32)}.json`);
}

function stamp(file: string): FileStamp | undefined {
  try {
    const stats = fs.statSync(file);
    return [file, stats.mtimeMs, stats.size];
  } catch {
    return undefined;
  }
}

function sameStamp(a: FileStamp | undefined, b: FileStamp): boolean {
  return a !== undefined && a[1] === b[1] && a[2] === b[2];
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
