import { builtinModules, createRequire } from "node:module";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { tsfineRoot } from "../tsfine-root";
import { isEsmFile, resolveAsEsm } from "./package-resolver";
import { registerTypeScriptFiles } from "./typescript-require-hook";

/**
 * What a cell's rewritten `import` statements call. Modules resolve from the notebook's folder:
 * CommonJS through require, ES modules through import(), the user's own .ts files compiled on load.
 */
export interface ModuleImporter {
  importModule(specifier: string): Promise<unknown>;
  /** A cell's `require(x)`: CommonJS and built-ins at once; an ES-module-only package gets a sentence saying to import it. */
  requireModule(specifier: string): unknown;
  /** The value `import x from` binds, following esModuleInterop. */
  defaultOf(module: unknown): unknown;
  /** The value `import * as x from` binds. */
  namespaceOf(module: unknown): unknown;
}

export function createModuleImporter(cwd: string): ModuleImporter {
  registerTypeScriptFiles(cwd);
  const requireFromCwd = createRequire(path.join(cwd, "__tsfine_notebook__.js"));
  const requireFromTsfine = createRequire(path.join(tsfineRoot(), "package.json"));
  const esmNamespaces = new WeakSet<object>();
  const aliases: Record<string, string> = { tslab: path.join(tsfineRoot(), "dist", "display", "tslab.js") };

  async function importEsm(file: string): Promise<unknown> {
    const namespace = (await importNative(pathToFileURL(file).href)) as object;
    esmNamespaces.add(namespace);
    return namespace;
  }

  /** Where `specifier` resolves from the notebook's folder (or tsfine's own packages); `esm` when only import() can load it. */
  function locate(specifier: string): { builtin: string } | { file: string; esm: boolean } {
    if (aliases[specifier]) return { file: aliases[specifier], esm: false };
    if (specifier.startsWith("node:") || builtinModules.includes(specifier)) return { builtin: specifier };
    try {
      const file = requireFromCwd.resolve(specifier);
      return { file, esm: isEsmFile(file) };
    } catch (error) {
      const esmFile = resolveAsEsm(specifier, cwd);
      if (esmFile) return { file: esmFile, esm: true };
      // Packages tsfine ships (@tensorflow/tfjs, …) work in notebooks whose folder lacks them.
      const shipped = isBare(specifier) ? resolveFrom(requireFromTsfine, specifier) : undefined;
      if (!shipped) throw cannotFind(specifier, cwd, error);
      return { file: shipped, esm: isEsmFile(shipped) };
    }
  }

  async function importModule(specifier: string): Promise<unknown> {
    const found = locate(specifier);
    if ("builtin" in found) return require(found.builtin);
    if (found.esm) return importEsm(found.file);
    try {
      return requireFromCwd(found.file);
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_REQUIRE_ESM") return importEsm(found.file);
      throw error;
    }
  }

  function requireModule(specifier: string): unknown {
    if (typeof specifier !== "string") throw new TypeError(`require() takes a module name as a string, not ${typeof specifier}.`);
    const found = locate(specifier);
    if ("builtin" in found) return require(found.builtin);
    const esmOnly = () =>
      new Error(`'${specifier}' is an ES module, which require() cannot load; write import … from "${specifier}" (or await import("${specifier}")) instead.`);
    if (found.esm) throw esmOnly();
    try {
      return requireFromCwd(found.file);
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_REQUIRE_ESM") throw esmOnly();
      throw error;
    }
  }

  return {
    importModule,
    requireModule,
    defaultOf(module) {
      if (module !== null && typeof module === "object" && (esmNamespaces.has(module) || (module as { __esModule?: boolean }).__esModule)) {
        return (module as { default?: unknown }).default;
      }
      return module;
    },
    namespaceOf(module) {
      if (module === null || (typeof module !== "object" && typeof module !== "function")) return { default: module };
      if (esmNamespaces.has(module as object) || (module as { __esModule?: boolean }).__esModule) return module;
      return Object.assign(Object.create(null), module, { default: module });
    },
  };
}

function isBare(specifier: string): boolean {
  return !specifier.startsWith(".") && !path.isAbsolute(specifier);
}

function resolveFrom(resolver: NodeRequire, specifier: string): string | undefined {
  try {
    return resolver.resolve(specifier);
  } catch {
    return undefined;
  }
}

// tsc turns import() into require() when it emits CommonJS; ES modules need the real import().
const importNative = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<unknown>;

function cannotFind(specifier: string, cwd: string, cause: unknown): Error {
  const code = (cause as { code?: string }).code;
  if (code !== "MODULE_NOT_FOUND") return cause as Error;
  const relative = specifier.startsWith(".") || path.isAbsolute(specifier);
  const hint = relative ? `no file ${specifier} next to the notebook (${cwd})` : `install it next to the notebook: npm install ${specifier}`;
  const error = new Error(`Cannot find module '${specifier}': ${hint}.`);
  error.name = "ModuleNotFoundError";
  return error;
}
