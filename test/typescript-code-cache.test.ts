/**
 * The language worker loads TypeScript with V8's code cache from the previous kernel
 * (kernel/evaluator/typescript-code-cache.ts). Each load runs in its own Node process, as each
 * kernel does, against dist/ (`npx tsc -p tsconfig.json` first).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const loader = path.join(__dirname, "..", "dist", "kernel", "evaluator", "typescript-code-cache.js");
const script = `
  require("node:v8").setFlagsFromString("--expose-gc");
  const { loadTypeScript } = require(${JSON.stringify(loader)});
  const loaded = loadTypeScript();
  const out = loaded.ts.transpileModule("const x: number = 1", { compilerOptions: { target: loaded.ts.ScriptTarget.ES2022 } }).outputText.trim();
  loaded.saveCodeCache();
  process.stdout.write(JSON.stringify({ fromCache: loaded.fromCache, out }));
`;

function load(cacheHome: string): { fromCache: boolean; out: string } {
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { env: { ...process.env, XDG_CACHE_HOME: cacheHome }, encoding: "utf8" }));
}

test("a second kernel takes TypeScript's bytecode from the first; a damaged cache is replaced, never fatal", () => {
  const cacheHome = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-code-cache-"));
  try {
    expect(load(cacheHome)).toEqual({ fromCache: false, out: "const x = 1;" });
    const [file] = fs.readdirSync(path.join(cacheHome, "tsfine"));
    expect(file).toMatch(/^typescript-.*\.v8cache$/);
    expect(load(cacheHome)).toEqual({ fromCache: true, out: "const x = 1;" });

    fs.writeFileSync(path.join(cacheHome, "tsfine", file), "not bytecode");
    expect(load(cacheHome)).toEqual({ fromCache: false, out: "const x = 1;" });
    expect(load(cacheHome).fromCache).toBe(true);
  } finally {
    fs.rmSync(cacheHome, { recursive: true, force: true });
  }
}, 60_000);
