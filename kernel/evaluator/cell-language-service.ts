import * as fs from "node:fs";
import * as path from "node:path";
import type * as ts from "typescript";
import { declarationsToCarry, namesDeclaredBy, Prelude, type CarriedDeclaration } from "./carried-declarations";
import { globalsDeclarations, isTfNamespaceFile, needsTfDeclarations } from "./globals-declarations";
import { tsfineRoot } from "./tsfine-root";
import { cellCompilerDefaults, notebookConfig, type NotebookConfig } from "./typescript-config";
import { isBareSpecifier, pathAliasTarget } from "./path-aliases";
import type { TS } from "./typescript-loader";

/** A diagnostic inside the cell, with offsets counted in the cell's own text. */
export interface CellDiagnostic {
  start: number;
  length: number;
  code: number;
  message: string;
  isError: boolean;
}

/** Installed packages and TypeScript's libs never change under a running kernel; the user's own files may. */
function isInstalled(file: string): boolean {
  return file.includes(`${path.sep}node_modules${path.sep}`) || file.startsWith(tsfineRoot());
}

function modifiedTime(file: string): string {
  try {
    return String(fs.statSync(file).mtimeMs);
  } catch {
    return "missing";
  }
}

const CANNOT_FIND_MODULE = 2307;

/** Type errors that a notebook user should not be stopped by. */
const IGNORED_CODES = new Set([
  7016, // package has no type declarations: it is `any`, as in plain JavaScript
]);

/**
 * One incremental TypeScript LanguageService over a single virtual file per check:
 * [declarations carried from earlier cells] + "\n" + [cell] + "\nexport {};" (a module, so
 * top-level await type-checks). Lib and package .d.ts files are parsed once and reused.
 */
export class CellLanguageService {
  readonly prelude = new Prelude();
  private readonly cellFile: string;
  private readonly service: ts.LanguageService;
  private readonly snapshots = new Map<string, ts.IScriptSnapshot | undefined>();
  /** The user's own files in the program (the only ones on disk that may change): their versions are their mtimes. */
  private readonly userFiles = new Set<string>();
  private readonly installedFiles = new Set<string>();
  /** The preloaded globals' declaration files (absolute name → text). */
  private globals: Map<string, string>;
  private resolutionCache: ts.ModuleResolutionCache;
  private text = "";
  /** The user's files' modification times when the text was set: answers for the same text change with them. */
  private userFilesStamp = "";
  /** The answers for this text may change although the text did not (a missing module may be installed since). */
  private stale = false;
  private version = 0;
  private globalsVersion = 0;
  private cellStart = 0;
  private cellLength = 0;
  /**
   * Until a check has needed the whole program, a cell that cannot see tf's declarations (see
   * needsTfDeclarations) may be checked without them: the first cell after start-up then waits for ~190
   * declaration files instead of ~840.
   */
  private leanAllowed = true;
  /** The current program leaves out tf's and tl's declarations. */
  private lean = false;
  /** Answers for the current text: running the same cell again (or `1+1` twice) skips the checker. */
  private memo: { version: number; diagnostics?: CellDiagnostic[]; declarations?: CarriedDeclaration[] } = { version: -1 };
  /** The notebook's tsconfig.json as it applies to cells (typescript-config.ts). */
  readonly config: NotebookConfig;

  constructor(
    private readonly ts: TS,
    private readonly cwd: string,
  ) {
    this.cellFile = path.join(cwd, "__tsfine_cell__.ts");
    this.config = notebookConfig(ts, cwd, cellCompilerDefaults(ts));
    this.globals = readGlobals();
    this.resolutionCache = ts.createModuleResolutionCache(cwd, (file) => file, undefined);
    this.service = ts.createLanguageService(this.host(), ts.createDocumentRegistry());
  }

  /** Offset in the virtual file where the current cell begins. */
  get offset(): number {
    return this.cellStart;
  }

  get languageService(): ts.LanguageService {
    return this.service;
  }

  get fileName(): string {
    return this.cellFile;
  }

  get typescript(): TS {
    return this.ts;
  }

  /** The names the last few cells declare: completing, inspecting and running one cell parse it once. */
  private readonly declaredNames = new Map<string, Set<string>>();

  private namesDeclaredBy(code: string): Set<string> {
    let names = this.declaredNames.get(code);
    if (!names) {
      names = namesDeclaredBy(this.ts, code);
      this.declaredNames.set(code, names);
      if (this.declaredNames.size > 16) this.declaredNames.delete(this.declaredNames.keys().next().value as string);
    }
    return names;
  }

  /**
   * Makes `code` the current cell (with the prelude minus the names it redeclares). `lean`: the program may
   * leave out tf's declarations if the cell cannot see them (callers recheck a lean cell that has errors).
   */
  setCell(code: string, options: { lean?: boolean } = {}): void {
    const prelude = this.prelude.text(this.namesDeclaredBy(code));
    const text = `${prelude}\n${code}\nexport {};\n`;
    this.cellStart = prelude.length + 1;
    this.cellLength = code.length;
    const lean = (options.lean ?? false) && this.leanAllowed && !needsTfDeclarations(text);
    // Once the whole program is parsed, a lean one saves nothing and would cost a rebuild per switch.
    if (!lean) this.leanAllowed = false;
    const userFilesStamp = this.userFilesVersion();
    if (text === this.text && lean === this.lean && userFilesStamp === this.userFilesStamp && !this.stale) return;
    this.stale = false;
    this.lean = lean;
    this.text = text;
    this.userFilesStamp = userFilesStamp;
    this.version++;
  }

  diagnostics(): CellDiagnostic[] {
    if (this.memo.version === this.version && this.memo.diagnostics) return this.memo.diagnostics;
    const diagnostics = this.computeDiagnostics();
    this.memo = this.memo.version === this.version ? { ...this.memo, diagnostics } : { version: this.version, diagnostics };
    return diagnostics;
  }

  /** Whether the current program leaves out tf's declarations. */
  get isLean(): boolean {
    return this.lean;
  }

  /** Whether the whole program has not been built yet (the first cells may be checked without tf). */
  get awaitsWholeProgram(): boolean {
    return this.leanAllowed;
  }

  private computeDiagnostics(): CellDiagnostic[] {
    const all = [...this.service.getSyntacticDiagnostics(this.cellFile), ...this.service.getSemanticDiagnostics(this.cellFile)];
    // A module that was not found may be installed before the next cell: forget cached failures.
    if (all.some((d) => d.code === CANNOT_FIND_MODULE)) {
      this.resolutionCache.clear();
      this.stale = true;
    }
    const end = this.cellStart + this.cellLength;
    return all
      .filter((d) => d.start !== undefined && d.start >= this.cellStart && d.start <= end && !IGNORED_CODES.has(d.code))
      .map((d) => ({
        start: d.start! - this.cellStart,
        length: d.length ?? 0,
        code: d.code,
        message: this.ts.flattenDiagnosticMessageText(d.messageText, "\n"),
        isError: d.category === this.ts.DiagnosticCategory.Error,
      }));
  }

  /** What the current cell would hand on to later cells if it runs. */
  declarations(): CarriedDeclaration[] {
    if (this.memo.version === this.version && this.memo.declarations) return this.memo.declarations;
    const program = this.service.getProgram();
    const source = program?.getSourceFile(this.cellFile);
    if (!program || !source) return [];
    const declarations = declarationsToCarry(this.ts, program.getTypeChecker(), source, this.cellStart);
    this.memo = this.memo.version === this.version ? { ...this.memo, declarations } : { version: this.version, declarations };
    return declarations;
  }

  /**
   * Whether the answers for the current text depend on nothing but the text: no file of the user's in the
   * program (it may be edited), no module that was not found (it may be installed).
   */
  get answersDependOnTextOnly(): boolean {
    return !this.stale && this.userFiles.size === 0;
  }

  /**
   * Where a bare import specifier goes by the tsconfig's `paths` (or `baseUrl`): the source file
   * it maps to in the user's project, or undefined when there is no such mapping (a package from
   * node_modules, a relative path, or declarations only). Node knows nothing of `paths`, so the
   * runtime imports that file instead of the alias.
   */
  pathAliasTarget(specifier: string): string | undefined {
    return pathAliasTarget(this.ts, specifier, this.cellFile, this.config.options, this.resolutionCache);
  }

  /** The files on disk the current program read (the tsconfig.json and what it extends included). */
  programFiles(): string[] {
    const files = this.service.getProgram()?.getSourceFiles() ?? [];
    const onDisk = files.map((file) => file.fileName).filter((file) => file !== this.cellFile && !this.globals.has(file));
    return [...onDisk, ...this.config.files];
  }

  /** Re-reads the preloaded globals' types (after tl/ or display/ were rebuilt). */
  refreshGlobals(): void {
    this.globals = readGlobals();
    this.globalsVersion++;
  }

  /**
   * A lean program has the tf and tl namespace files empty rather than left out: the same root files let
   * the whole program that follows reuse the lean one's structure (its files' module resolutions).
   */
  private globalText(file: string): string | undefined {
    return this.lean && isTfNamespaceFile(file) ? "" : this.globals.get(file);
  }

  private globalVersion(file: string): string {
    return this.lean && isTfNamespaceFile(file) ? "lean" : String(this.globalsVersion);
  }

  private userFilesVersion(): string {
    return [...this.userFiles].map(modifiedTime).join(":");
  }

  private diskVersion(file: string): string {
    if (this.installedFiles.has(file)) return "0";
    if (this.userFiles.has(file)) return modifiedTime(file);
    if (isInstalled(file)) {
      this.installedFiles.add(file);
      return "0";
    }
    this.userFiles.add(file);
    return modifiedTime(file);
  }

  private host(): ts.LanguageServiceHost & { getModuleResolutionCache(): ts.ModuleResolutionCache } {
    const ts = this.ts;
    const options = this.config.options;
    const isVirtual = (file: string) => file === this.cellFile || this.globals.has(file);
    const moduleHost: ts.ModuleResolutionHost = {
      fileExists: (file) => isVirtual(file) || ts.sys.fileExists(file),
      readFile: (file) => ts.sys.readFile(file),
      directoryExists: (dir) => ts.sys.directoryExists(dir),
      realpath: (file) => ts.sys.realpath?.(file) ?? file,
      getCurrentDirectory: () => this.cwd,
    };
    return {
      // One resolution cache for the whole session: without it every cell re-reads the
      // package.json of every .d.ts in the program (tens of ms per cell).
      getModuleResolutionCache: () => this.resolutionCache,
      resolveModuleNameLiterals: (literals, containingFile, redirectedReference, compilerOptions, containingSourceFile) =>
        literals.map((literal) => {
          const mode = ts.getModeForUsageLocation(containingSourceFile, literal, compilerOptions);
          const resolve = (name: string, from: string) =>
            ts.resolveModuleName(name, from, compilerOptions, moduleHost, this.resolutionCache, redirectedReference, mode);
          if (literal.text === "tslab") return resolve(path.join(tsfineRoot(), "dist", "display", "tslab"), containingFile);
          const resolved = resolve(literal.text, containingFile);
          // Packages tsfine ships (@tensorflow/tfjs, …) work in notebooks whose folder lacks them, as at run time.
          if (resolved.resolvedModule || !isBareSpecifier(literal.text)) return resolved;
          const fallback = resolve(literal.text, path.join(tsfineRoot(), "package.json"));
          return fallback.resolvedModule ? fallback : resolved;
        }),
      getCompilationSettings: () => options,
      getScriptFileNames: () => [...this.globals.keys(), this.cellFile],
      // Unchanged project version: the service skips asking for each of the ~800 files' versions (completion
      // details and quick info sync once per call).
      getProjectVersion: () => `${this.version}:${this.globalsVersion}:${this.userFilesVersion()}`,
      getScriptVersion: (file) => (file === this.cellFile ? String(this.version) : this.globals.has(file) ? this.globalVersion(file) : this.diskVersion(file)),
      getScriptSnapshot: (file) => {
        if (file === this.cellFile) return ts.ScriptSnapshot.fromString(this.text);
        const virtual = this.globalText(file);
        if (virtual !== undefined) return ts.ScriptSnapshot.fromString(virtual);
        const version = this.diskVersion(file);
        const key = version === "0" ? file : `${version}:${file}`;
        if (!this.snapshots.has(key)) {
          const content = ts.sys.readFile(file);
          this.snapshots.set(key, content === undefined ? undefined : ts.ScriptSnapshot.fromString(content));
        }
        return this.snapshots.get(key);
      },
      getCurrentDirectory: () => this.cwd,
      getDefaultLibFileName: (settings) => ts.getDefaultLibFilePath(settings),
      fileExists: (file) => isVirtual(file) || ts.sys.fileExists(file),
      readFile: (file) => (file === this.cellFile ? this.text : (this.globalText(file) ?? ts.sys.readFile(file))),
      directoryExists: (dir) => ts.sys.directoryExists(dir),
      getDirectories: (dir) => ts.sys.getDirectories(dir),
      readDirectory: (...args) => ts.sys.readDirectory(...args),
      realpath: (file) => (isVirtual(file) ? file : (ts.sys.realpath?.(file) ?? file)),
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
    };
  }
}

/** How tsfine checks a cell when no tsconfig.json says otherwise. */
function readGlobals(): Map<string, string> {
  return new Map(globalsDeclarations().map((file) => [path.join(tsfineRoot(), file.name), file.text]));
}
