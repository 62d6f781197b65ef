import * as fs from "node:fs";

let registered = false;

/** Lets require() load the user's own .ts files (next to the notebook), compiled to CommonJS on load. */
export function registerTypeScriptFiles(): void {
  if (registered) return;
  registered = true;
  const extensions = require.extensions as NodeJS.RequireExtensions;
  const compile = (module: NodeJS.Module, filename: string) => {
    const ts = require("typescript") as typeof import("typescript");
    const source = fs.readFileSync(filename, "utf8");
    const output = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        inlineSourceMap: true,
        inlineSources: true,
      },
    });
    (module as unknown as { _compile(code: string, filename: string): void })._compile(output.outputText, filename);
  };
  for (const extension of [".ts", ".cts", ".tsx"]) extensions[extension] ??= compile;
}
