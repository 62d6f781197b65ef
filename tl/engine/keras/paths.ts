/** Where the keras engine's Python environments and its Python package live. */
import { existsSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export type Framework = "tensorflow" | "jax" | "torch";
export const FRAMEWORKS: Framework[] = ["tensorflow", "jax", "torch"];

/** $XDG_CACHE_HOME/tsfine (or ~/.cache/tsfine): read at each call, so tests can point it elsewhere. */
export function tsfineCache(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "tsfine");
}

/** The virtual environment `tsfine backend install keras --with <framework>` makes. */
export function environmentDir(framework: Framework): string {
  return path.join(tsfineCache(), `keras-${framework}`);
}

/** Written last into a finished environment: what it holds. Its presence marks a complete install. */
export const MARKER = "tsfine-keras.json";

export interface EnvironmentMarker {
  framework: Framework;
  packages: string[];
  versions: Record<string, string>;
}

export function readMarker(dir: string): EnvironmentMarker | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, MARKER), "utf8")) as EnvironmentMarker;
  } catch {
    return undefined;
  }
}

export function environmentPython(dir: string): string {
  return path.join(dir, "bin", "python");
}

let root: string | undefined;

/** The tsfine package folder (works from tl/*.ts under ts-jest and from dist/tl/*.js). */
function packageRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "tsfine") return (root = dir);
    if (path.dirname(dir) === dir) throw new Error(`Cannot find the tsfine package above ${__dirname}.`);
  }
}

/** Folder to put on PYTHONPATH: it holds the tsfine_keras package. */
export function pythonPackageDir(): string {
  return path.join(packageRoot(), "python");
}
