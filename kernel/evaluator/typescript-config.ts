import * as path from "node:path";
import type * as ts from "typescript";
import { tsfineRoot } from "./tsfine-root";
import type { TS } from "./typescript-loader";

/**
 * compilerOptions a notebook honours from its tsconfig.json: they change how cells (and the user's files they
 * import) are checked, and nothing about how the kernel emits and runs them. Everything else a tsconfig sets is
 * about building a project (outDir, module, composite, declaration, …) and is named once as not applying.
 */
const APPLICABLE = new Set([
  // the strict family and the other checks
  "strict",
  "noImplicitAny",
  "strictNullChecks",
  "strictFunctionTypes",
  "strictBindCallApply",
  "strictPropertyInitialization",
  "strictBuiltinIteratorReturn",
  "noImplicitThis",
  "useUnknownInCatchVariables",
  "alwaysStrict",
  "exactOptionalPropertyTypes",
  "noUncheckedIndexedAccess",
  "noPropertyAccessFromIndexSignature",
  "noImplicitOverride",
  "noImplicitReturns",
  "noFallthroughCasesInSwitch",
  "noUnusedParameters",
  "allowUnreachableCode",
  "allowUnusedLabels",
  "noErrorTruncation",
  // what the checker sees
  "target",
  "lib",
  "paths",
  "baseUrl",
  "jsx",
  "jsxFactory",
  "jsxFragmentFactory",
  "jsxImportSource",
  "experimentalDecorators",
  "emitDecoratorMetadata",
  "useDefineForClassFields",
  "esModuleInterop",
  "allowSyntheticDefaultImports",
  "resolveJsonModule",
  "allowArbitraryExtensions",
  "allowJs",
  "checkJs",
  "skipLibCheck",
  "skipDefaultLibCheck",
  "forceConsistentCasingInFileNames",
  "customConditions",
]);

/** tsfine's options for a cell (and the user's files it imports), before a tsconfig.json overrides them. */
export function cellCompilerDefaults(typescript: TS): ts.CompilerOptions {
  return {
    target: typescript.ScriptTarget.ES2022,
    module: typescript.ModuleKind.ESNext,
    moduleResolution: typescript.ModuleResolutionKind.Bundler,
    lib: ["lib.es2023.d.ts"],
    strict: true,
    esModuleInterop: true,
    allowSyntheticDefaultImports: true,
    // tf and tl are UMD namespaces (globals-declarations.ts) that cells, being modules, use freely.
    allowUmdGlobalAccess: true,
    resolveJsonModule: true,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
    types: ["node"],
    typeRoots: [path.join(tsfineRoot(), "node_modules", "@types")],
  };
}

/** What parseJsonConfigFileContent adds to the options by itself. */
const BOOKKEEPING = new Set(["configFilePath", "pathsBasePath", "configFile"]);

/** Errors that say nothing about a notebook: it has no input files. */
const NO_INPUTS = 18003;

export interface NotebookConfig {
  /** The options cells are checked with: tsfine's, overridden by what the tsconfig sets that applies. */
  options: ts.CompilerOptions;
  /** The tsconfig.json found (and the files it extends): when they change, results checked with them are stale. */
  files: string[];
  /** One sentence for the user (options that do not apply, or a tsconfig that could not be read), if any. */
  notice?: string;
}

/**
 * The notebook folder's tsconfig.json, found as tsc finds it (the folder, then each folder above), read
 * and parsed by TypeScript itself, `extends` included. `defaults` are tsfine's options for a cell.
 */
export function notebookConfig(typescript: TS, cwd: string, defaults: ts.CompilerOptions): NotebookConfig {
  const file = typescript.findConfigFile(cwd, typescript.sys.fileExists);
  if (!file) return { options: defaults, files: [] };
  const name = path.relative(cwd, file) || file;
  const source = typescript.readJsonConfigFile(file, typescript.sys.readFile);
  // A notebook has no input files: the include patterns are not expanded (a tsconfig in $HOME would walk it).
  const host: ts.ParseConfigHost = {
    useCaseSensitiveFileNames: typescript.sys.useCaseSensitiveFileNames,
    readDirectory: () => [],
    fileExists: typescript.sys.fileExists,
    readFile: typescript.sys.readFile,
  };
  const parsed = typescript.parseJsonSourceFileConfigFileContent(source, host, path.dirname(file), undefined, file);
  const files = [file, ...(source.extendedSourceFiles ?? [])];
  // As tsc does, an option it cannot read is reported and the others still apply.
  const errors = parsed.errors
    .filter((diagnostic) => diagnostic.code !== NO_INPUTS)
    .map((diagnostic) => typescript.flattenDiagnosticMessageText(diagnostic.messageText, " ").replace(/\.$/, ""));
  const options: ts.CompilerOptions = { ...defaults };
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(parsed.options)) {
    if (BOOKKEEPING.has(key)) continue;
    if (APPLICABLE.has(key)) options[key] = value;
    else ignored.push(key);
  }
  if (parsed.options.pathsBasePath !== undefined) options.pathsBasePath = parsed.options.pathsBasePath;
  // As tsc does: a target without lib brings that target's default libs.
  if (parsed.options.target !== undefined && parsed.options.lib === undefined) delete options.lib;
  const problems = [...errors];
  if (ignored.length > 0)
    problems.push(
      `${ignored.join(", ")} ${ignored.length === 1 ? "does" : "do"} not apply in a notebook (cells run as modules in the kernel and emit no files) and ${ignored.length === 1 ? "is" : "are"} ignored`,
    );
  const notice = problems.length === 0 ? undefined : `${name}: ${problems.join("; ")}; its other compilerOptions are used.`;
  return { options, files, notice };
}
