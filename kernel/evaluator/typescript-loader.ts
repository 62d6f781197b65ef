import * as fs from "node:fs";
import * as path from "node:path";

export type TS = typeof import("typescript");

let loading: Promise<TS> | undefined;

/**
 * Loads the `typescript` package off the start-up path: requiring it takes a noticeable moment, so
 * the kernel answers kernel_info first and a cell that arrives earlier simply waits for it.
 */
export function loadTypeScript(): Promise<TS> {
  loading ??= new Promise<TS>((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(require("typescript") as TS);
      } catch (error) {
        reject(error);
      }
    }),
  );
  return loading;
}

let loadedVersion: string | undefined;

/**
 * The version of the `typescript` package that will be loaded, read without loading it. Read once: every
 * kernel_info_reply carries it, and resolving and reading the manifest cost ~0.5 ms of each reply.
 */
export function typescriptVersion(): string {
  if (loadedVersion === undefined) {
    try {
      const manifest = path.join(path.dirname(require.resolve("typescript")), "..", "package.json");
      loadedVersion = String(JSON.parse(fs.readFileSync(manifest, "utf8")).version);
    } catch {
      loadedVersion = "unknown";
    }
  }
  return loadedVersion;
}
