import * as fs from "node:fs";
import type * as ts from "typescript";

let registered = false;

/**
 * Lets require() load the user's own .ts files (next to the notebook), compiled to CommonJS on load. Their
 * imports of the notebook's tsconfig `paths` aliases load the files the aliases map to, as the type checker
 * resolved them (Node knows nothing of `paths`).
 */
export function registerTypeScriptFiles(cwd: string): void {
  if (registered) return;
  registered = true;
  let aliases: { options: ts.CompilerOptions; cache: ts.ModuleResolutionCache } | undefined;
  const extensions = require.extensions as NodeJS.RequireExtensions;
  const compile = (module: NodeJS.Module, filename: string) => {
    // Loaded with the first .ts file, not with the runtime: most notebooks import none.
    const typescript = require("typescript") as typeof import("typescript");
    const { aliasedRequires, pathAliasTarget } = require("../path-aliases") as typeof import("../path-aliases");
    const { cellCompilerDefaults, notebookConfig } = require("../typescript-config") as typeof import("../typescript-config");
    // Read once, as the language worker reads it for the cells.
    if (!aliases) {
      const { options } = notebookConfig(typescript, cwd, cellCompilerDefaults(typescript));
      aliases = { options, cache: typescript.createModuleResolutionCache(cwd, (file) => file, options) };
    }
    const { options, cache } = aliases;
    const source = fs.readFileSync(filename, "utf8");
    const output = typescript.transpileModule(source, {
      fileName: filename,
      compilerOptions: userFileCompilerOptions(typescript),
      transformers: { after: [aliasedRequires(typescript, (specifier) => pathAliasTarget(typescript, specifier, filename, options, cache))] },
    });
    (module as unknown as { _compile(code: string, filename: string): void })._compile(output.outputText, filename);
  };
  for (const extension of [".ts", ".cts", ".tsx"]) extensions[extension] ??= compile;
}

/**
 * How a user's .ts file compiles on require(). The debugger compiles a file the same way to put breakpoints on it
 * before it is imported (the `paths` transformer above only rewrites specifiers: lines stay where they are).
 */
export function userFileCompilerOptions(typescript: typeof import("typescript")): ts.CompilerOptions {
  return {
    module: typescript.ModuleKind.CommonJS,
    target: typescript.ScriptTarget.ES2022,
    esModuleInterop: true,
    inlineSourceMap: true,
    inlineSources: true,
  };
}
