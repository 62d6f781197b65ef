import * as fs from "node:fs";
import * as path from "node:path";

let cached: string | undefined;

/** The folder holding tsfine's package.json, found from this file whether it runs from dist/ or from source. */
export function tsfineRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && readName(manifest) === "tsfine") return (cached = dir);
    const parent = path.dirname(dir);
    if (parent === dir) return (cached = path.resolve(__dirname, "..", ".."));
    dir = parent;
  }
}

function readName(manifest: string): string | undefined {
  try {
    return JSON.parse(fs.readFileSync(manifest, "utf8")).name;
  } catch {
    return undefined;
  }
}
