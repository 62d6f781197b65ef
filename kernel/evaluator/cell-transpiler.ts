import type { RawSourceMap } from "source-map-js";
import { rewriteModuleSyntax } from "./module-syntax-rewriter";
import { withScriptName } from "./script-name";
import type { TS } from "./typescript-loader";

export interface TranspiledCell {
  js: string;
  map: RawSourceMap;
  /** Syntax errors (offset in the cell, message); the cell must not run when there are any. */
  syntaxErrors: Array<{ start: number; message: string }>;
}

type Emitted = Omit<TranspiledCell, "js"> & { body: string };

/** transpileModule builds a small program per call (milliseconds); cells are often run again unchanged. */
const recent = new Map<string, Emitted>();
const RECENT_LIMIT = 64;

/** The JavaScript the runtime worker evaluates for a cell, named `scriptName` in stack traces. */
export function transpileCell(ts: TS, code: string, scriptName: string): TranspiledCell {
  let emitted = recent.get(code);
  if (!emitted) {
    emitted = emit(ts, code);
    recent.set(code, emitted);
    if (recent.size > RECENT_LIMIT) recent.delete(recent.keys().next().value as string);
  }
  return { js: withScriptName(emitted.body, scriptName), map: emitted.map, syntaxErrors: emitted.syntaxErrors };
}

function emit(ts: TS, code: string): Emitted {
  const output = ts.transpileModule(rewriteModuleSyntax(ts, code), {
    fileName: "cell.ts",
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      sourceMap: true,
      esModuleInterop: true,
    },
  });
  let body = output.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n").replace(/^export \{\};\s*$/m, "");
  // Only a final expression is the cell's value (as in IPython): after `f(); const x = 2` the
  // REPL's completion value would still be f()'s result.
  if (!endsWithExpression(ts, code)) body += "void 0;\n";
  return {
    body,
    map: JSON.parse(output.sourceMapText ?? '{"version":3,"sources":[],"names":[],"mappings":""}') as RawSourceMap,
    syntaxErrors: (output.diagnostics ?? []).map((d) => ({ start: d.start ?? 0, message: ts.flattenDiagnosticMessageText(d.messageText, "\n") })),
  };
}

function endsWithExpression(ts: TS, code: string): boolean {
  const statements = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS).statements;
  const last = statements[statements.length - 1];
  return last !== undefined && (ts.isExpressionStatement(last) || (ts.isExportAssignment(last) && !last.isExportEquals));
}

/** The runtime's import calls that rewriteModuleSyntax writes, with their specifier as a string literal. */
const IMPORT_CALL = /\b(__tsfine_(?:dynamic_)?import)\((["'])([^"'\\\n]+)\2\)/g;

/** Replaces the specifier of each import call in `js` by `target(specifier)` where that gives one. */
export function replaceImportSpecifiers(js: string, target: (specifier: string) => string | undefined): string {
  return js.replace(IMPORT_CALL, (call: string, callee: string, _quote: string, specifier: string) => {
    const replacement = target(specifier);
    return replacement === undefined ? call : `${callee}(${JSON.stringify(replacement)})`;
  });
}
