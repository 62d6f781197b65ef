/** Locates this package on disk (works from kernel/*.ts under ts-jest and from dist/kernel/*.js). */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, "utf8")).name === "tsfine") return (cached = dir);
      } catch {
        // not ours; keep climbing
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the tsfine package above ${__dirname}.`);
    dir = parent;
  }
}

/** bin/tsfine.js: the script a kernelspec or our own client launches. */
export function cliScript(): string {
  return join(packageRoot(), "bin", "tsfine.js");
}
