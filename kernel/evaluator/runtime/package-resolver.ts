import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Finds the file Node's ESM loader would load for `specifier` imported from `fromDir`. Used for
 * packages that require() cannot resolve because their `exports` offer only an "import" entry.
 */
export function resolveAsEsm(specifier: string, fromDir: string): string | undefined {
  if (specifier.startsWith(".") || path.isAbsolute(specifier)) return resolveFile(path.resolve(fromDir, specifier));
  const { name, subpath } = splitPackageSpecifier(specifier);
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const packageDir = path.join(dir, "node_modules", name);
    const manifest = readManifest(packageDir);
    if (manifest) return resolveInPackage(packageDir, manifest, subpath);
    if (path.dirname(dir) === dir) return undefined;
  }
}

interface Manifest {
  exports?: unknown;
  module?: string;
  main?: string;
}

const CONDITIONS = ["node", "import", "module", "default"];

function resolveInPackage(packageDir: string, manifest: Manifest, subpath: string): string | undefined {
  if (manifest.exports !== undefined) {
    const target = exportTarget(manifest.exports, subpath);
    return target ? path.join(packageDir, target) : undefined;
  }
  if (subpath !== ".") return resolveFile(path.join(packageDir, subpath));
  return resolveFile(path.join(packageDir, manifest.module ?? manifest.main ?? "index.js"));
}

function exportTarget(exportsField: unknown, subpath: string): string | undefined {
  const isSubpathMap =
    typeof exportsField === "object" && exportsField !== null && !Array.isArray(exportsField) && Object.keys(exportsField).some((key) => key.startsWith("."));
  if (!isSubpathMap) return subpath === "." ? conditionalTarget(exportsField) : undefined;
  const map = exportsField as Record<string, unknown>;
  if (subpath in map) return conditionalTarget(map[subpath]);
  for (const [key, value] of Object.entries(map)) {
    const star = key.indexOf("*");
    if (star < 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      const match = subpath.slice(prefix.length, subpath.length - suffix.length);
      return conditionalTarget(value)?.replace(/\*/g, match);
    }
  }
  return undefined;
}

function conditionalTarget(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    for (const item of value) {
      const target = conditionalTarget(item);
      if (target) return target;
    }
    return undefined;
  }
  if (typeof value === "object" && value !== null) {
    for (const [condition, nested] of Object.entries(value)) {
      if (CONDITIONS.includes(condition)) {
        const target = conditionalTarget(nested);
        if (target) return target;
      }
    }
  }
  return undefined;
}

function splitPackageSpecifier(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split("/");
  const nameParts = specifier.startsWith("@") ? 2 : 1;
  const rest = parts.slice(nameParts).join("/");
  return { name: parts.slice(0, nameParts).join("/"), subpath: rest ? `./${rest}` : "." };
}

function readManifest(packageDir: string): Manifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")) as Manifest;
  } catch {
    return undefined;
  }
}

function resolveFile(candidate: string): string | undefined {
  for (const suffix of ["", ".js", ".mjs", ".cjs", "/index.js", "/index.mjs"]) {
    const file = candidate + suffix;
    if (fs.existsSync(file) && fs.statSync(file).isFile()) return file;
  }
  return undefined;
}

/** True when Node would load `file` as an ES module (.mjs, or .js under a package.json with "type": "module"). */
export function isEsmFile(file: string): boolean {
  if (file.endsWith(".mjs")) return true;
  if (!file.endsWith(".js")) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifestPath = path.join(dir, "package.json");
    if (fs.existsSync(manifestPath)) {
      try {
        return JSON.parse(fs.readFileSync(manifestPath, "utf8")).type === "module";
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}
