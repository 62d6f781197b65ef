import * as fs from "node:fs";
import Module from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";
import type { TS } from "./typescript-loader";

export interface LoadedTypeScript {
  ts: TS;
  /** Whether V8 took the saved bytecode. */
  fromCache: boolean;
  /** Saves V8's code cache for the next kernel, once the worker has compiled what a cell needs (call when idle). */
  saveCodeCache(): void;
}

/**
 * `require("typescript")` for the language worker, with V8's code cache kept between kernels.
 *
 * Loading TypeScript's 9 MB of JavaScript took 400–600 ms of a fresh kernel's first cell on the build
 * machine, and building the first program compiles much of it again lazily. With the bytecode of the
 * previous kernel (written after its first type check, so the parser, binder and checker are in it)
 * the load takes ~200 ms and the first check less CPU. V8 refuses a cache made by another V8 or from
 * other source text (cachedDataRejected), and then a new one is written. Node 22's
 * module.enableCompileCache() does this for every module; Node 20 has only vm.Script's cachedData.
 * Anything that fails falls back to a plain require.
 */
export function loadTypeScript(): LoadedTypeScript {
  const file = require.resolve("typescript");
  const cacheFile = codeCacheFile(file);
  try {
    if (!cacheFile) throw new Error("no cache folder");
    // Read as bytes, then decoded: Node 20 builds a file read "utf8" in a C++ string that doubles as it
    // grows (24 MB of malloc for TypeScript's 9 MB), and freeing its 16 MB block raises glibc's mmap and
    // trim thresholds for the whole process, after which each thread's malloc arena keeps up to 32 MB of
    // free memory resident (measured: ~25 MB more RSS in an idle kernel).
    const source = fs.readFileSync(file).toString("utf8");
    let cachedData: Buffer | undefined;
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      // first kernel with this TypeScript
    }
    const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
    const loaded = new Module(file, module);
    loaded.filename = file;
    loaded.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
    // Registered first, as require does, so any require("typescript") in this thread gets this instance.
    require.cache[file] = loaded;
    try {
      (script.runInThisContext() as (...args: unknown[]) => void).call(
        loaded.exports,
        loaded.exports,
        Module.createRequire(file),
        loaded,
        file,
        path.dirname(file),
      );
    } catch (error) {
      delete require.cache[file];
      throw error;
    }
    loaded.loaded = true;
    const stale = cachedData === undefined || script.cachedDataRejected === true;
    let saved = !stale;
    return {
      ts: loaded.exports as TS,
      fromCache: !stale,
      saveCodeCache() {
        if (saved) return;
        saved = true;
        writeAtomically(cacheFile, script.createCachedData());
      },
    };
  } catch {
    return { ts: require("typescript") as TS, fromCache: false, saveCodeCache() {} };
  }
}

/** Per user, per TypeScript file and version, per V8: $XDG_CACHE_HOME/tsfine or ~/.cache/tsfine. */
function codeCacheFile(typescriptFile: string): string | undefined {
  try {
    const version = JSON.parse(fs.readFileSync(path.join(path.dirname(typescriptFile), "..", "package.json"), "utf8")).version as string;
    const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
    const key = `${version}-${process.versions.v8}-${process.arch}-${Buffer.from(typescriptFile).toString("base64url").slice(-40)}`;
    return path.join(base, "tsfine", `typescript-${key}.v8cache`);
  } catch {
    return undefined;
  }
}

/** Writes a cache file whole or not at all (temporary file, then rename); a read-only cache folder is skipped, and the caller goes without its cache. */
export function writeAtomically(file: string, data: string | Buffer): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
    fs.writeFileSync(temporary, data, { mode: 0o600 });
    fs.renameSync(temporary, file);
  } catch {
    // read-only: every kernel loads TypeScript the plain way, or checks its cells anew
  }
}
