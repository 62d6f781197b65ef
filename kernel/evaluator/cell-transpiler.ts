import type { RawSourceMap } from "source-map-js";
import { rewriteModuleSyntax } from "./module-syntax-rewriter";
import type { TS } from "./typescript-loader";

export interface TranspiledCell {
  js: string;
  map: RawSourceMap;
  /** Syntax errors (offset in the cell, message); the cell must not run when there are any. */
  syntaxErrors: Array<{ start: number; message: string }>;
}

/** The JavaScript the runtime worker evaluates for a cell, named `scriptName` in stack traces. */
export function transpileCell(ts: TS, code: string, scriptName: string): TranspiledCell {
  const output = ts.transpileModule(rewriteModuleSyntax(ts, code), {
    fileName: `${scriptName}.ts`,
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      sourceMap: true,
      esModuleInterop: true,
    },
  });
  const js = output.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n").replace(/^export \{\};\s*$/m, "");
  return {
    js: `${js}//# sourceURL=${scriptName}`,
    map: JSON.parse(output.sourceMapText ?? '{"version":3,"sources":[],"names":[],"mappings":""}') as RawSourceMap,
    syntaxErrors: (output.diagnostics ?? []).map((d) => ({ start: d.start ?? 0, message: ts.flattenDiagnosticMessageText(d.messageText, "\n") })),
  };
}
