import { CellLanguageService } from "./cell-language-service";
import { runsAsPlainScript } from "./plain-script";
import { replaceImportSpecifiers, transpileCell, type TranspiledCell } from "./cell-transpiler";
import type { CellBindings, CheckMode, CompileResult } from "./language-messages";
import { ReplBindings } from "./repl-bindings";
import { shiftGeneratedColumns } from "./source-map-shift";
import type { TS } from "./typescript-loader";

/**
 * A cell's way from TypeScript to the JavaScript the runtime evaluates: type check against what
 * earlier cells declared, transpile, adapt to the REPL's bindings. Lives in the language worker,
 * together with the state that makes this incremental.
 */
export class CellCompiler {
  readonly service: CellLanguageService;
  private readonly bindings = new ReplBindings();

  constructor(
    private readonly ts: TS,
    cwd: string,
  ) {
    this.service = new CellLanguageService(ts, cwd);
  }

  compile(code: string, scriptName: string, mode: CheckMode): CompileResult {
    this.service.setCell(code, { lean: true });
    let errors = mode === "off" ? [] : this.errors();
    // Errors found without tf's declarations are the whole program's to judge.
    if (errors.length > 0 && this.service.isLean) {
      this.service.setCell(code);
      errors = this.errors();
    }
    if (errors.length > 0 && mode === "on") return { kind: "typeErrors", diagnostics: errors, reusable: this.service.answersDependOnTextOnly };
    const declarations = this.service.declarations();
    const transpiled = this.transpile(code, scriptName);
    const adapted = transpiled.syntaxErrors.length > 0 ? { js: transpiled.js, bindings: [], insertions: [] } : this.bindings.adapt(this.ts, transpiled.js);
    const map = shiftGeneratedColumns(transpiled.map, adapted.insertions);
    return {
      kind: "compiled",
      warnings: errors,
      js: adapted.js,
      scriptName,
      map,
      syntaxErrors: transpiled.syntaxErrors,
      binds: { declarations, bindings: adapted.bindings },
      plainScript: transpiled.syntaxErrors.length === 0 && adapted.bindings.length === 0 && runsAsPlainScript(this.ts, adapted.js),
      reusable: this.service.answersDependOnTextOnly,
    };
  }

  /** The cell's JavaScript, its imports of tsconfig `paths` aliases pointing at the files they map to. */
  transpile(code: string, scriptName: string): TranspiledCell {
    const transpiled = transpileCell(this.ts, code, scriptName);
    return { ...transpiled, js: replaceImportSpecifiers(transpiled.js, (specifier) => this.service.pathAliasTarget(specifier)) };
  }

  private errors() {
    return this.service.diagnostics().filter((diagnostic) => diagnostic.isError);
  }

  commit(cell: CellBindings): void {
    this.service.prelude.carry(cell.declarations);
    this.bindings.commit(cell.bindings);
  }

  clear(): void {
    this.service.prelude.clear();
    this.bindings.clear();
  }

  /**
   * Parses lib and package declarations and builds a first checker, before any cell needs them: first
   * without tf's declarations (a first cell that does not use them waits only for that), then all.
   */
  warmUp(step: "lean" | "whole"): void {
    if (step === "lean") this.service.setCell("1 + 1", { lean: true });
    else this.service.setCell("tf; tsfine; process;");
    this.service.diagnostics();
  }

  /** Whether warmUp("whole") still has work to do. */
  get awaitsWholeProgram(): boolean {
    return this.service.awaitsWholeProgram;
  }
}
