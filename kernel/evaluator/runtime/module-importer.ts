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
  /** The value `import x from` binds, following esModuleInterop. */
  defaultOf(module: unknown): unknown;
  /** The value `import * as x from` binds. */
  namespaceOf(module: unknown): unknown;
}

export function createModuleImporter(cwd: string): ModuleImporter {
  registerTypeScriptFiles();
  const requireFromCwd = createRequire(path.join(cwd, "__tsfine_notebook__.js"));
  const requireFromTsfine = createRequire(path.join(tsfineRoot(), "package.json"));
  const esmNamespaces = new WeakSet<object>();
  const aliases: Record<string, string> = { tslab: path.join(tsfineRoot(), "dist", "display", "tslab.js") };

  async function importEsm(file: string): Promise<unknown> {
    const namespace = (await importNative(pathToFileURL(file).href)) as object;
    esmNamespaces.add(namespace);
    return namespace;
  }

  async function importModule(specifier: string): Promise<unknown> {
    if (aliases[specifier]) return require(aliases[specifier]);
    if (specifier.startsWith("node:") || builtinModules.includes(specifier)) return require(specifier);
    let resolved: string;
    try {
      resolved = requireFromCwd.resolve(specifier);
    } catch (error) {
      const esmFile = resolveAsEsm(specifier, cwd);
      if (esmFile) return importEsm(esmFile);
      // Packages tsfine ships (@tensorflow/tfjs, …) work in notebooks whose folder lacks them.
      const shipped = isBare(specifier) ? resolveFrom(requireFromTsfine, specifier) : undefined;
      if (!shipped) throw cannotFind(specifier, cwd, error);
      resolved = shipped;
    }
    if (isEsmFile(resolved)) return importEsm(resolved);
    try {
      return requireFromCwd(resolved);
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_REQUIRE_ESM") return importEsm(resolved);
      throw error;
    }
  }

  return {
    importModule,
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
