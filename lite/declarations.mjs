/**
 * The declaration files the browser kernel's checker needs, found by asking the Node kernel's own
 * checker (dist/kernel/evaluator/cell-language-service.js) to check a cell that uses every preloaded
 * global, and recording each file TypeScript reads. Paths are renamed onto the virtual root (/tsfine)
 * that the worker's file shims serve.
 */
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";

const VIRTUAL_ROOT = "/tsfine";
/**
 * The worker's notebook folder (/tsfine) has this tsconfig.json: cells run in a Web Worker, so they see
 * the worker's globals (console, setTimeout, fetch, OffscreenCanvas) rather than Node's.
 */
const WORKER_TSCONFIG = JSON.stringify({ compilerOptions: { lib: ["es2023", "webworker"], types: [] } });
/** What the browser kernel does not provide: declaring it would type-check cells that cannot run. */
const LEFT_OUT = [`${sep}node_modules${sep}@types${sep}node${sep}`];

export function collectDeclarations(repoRoot) {
  const require = createRequire(join(repoRoot, "package.json"));
  const ts = require("typescript");
  const { CellLanguageService } = require(join(repoRoot, "dist", "kernel", "evaluator", "cell-language-service.js"));
  const read = new Set();
  const readFile = ts.sys.readFile;
  ts.sys.readFile = (file, encoding) => {
    const text = readFile(file, encoding);
    if (text !== undefined) read.add(file);
    return text;
  };
  // A folder of its own, so that no tsconfig.json above it changes the options.
  const cwd = mkdtempSync(join(tmpdir(), "tsfine-lite-declarations-"));
  writeFileSync(join(cwd, "tsconfig.json"), WORKER_TSCONFIG);
  try {
    const service = new CellLanguageService(ts, cwd);
    service.setCell("tf; tl; display; plot; widgets; tsfine; __magics;");
    service.diagnostics();
    for (const file of service.programFiles()) read.add(file);
  } finally {
    ts.sys.readFile = readFile;
    rmSync(cwd, { recursive: true, force: true });
  }
  const roots = [
    [resolve(repoRoot, "node_modules"), `${VIRTUAL_ROOT}/node_modules`],
    [realpathSync(resolve(repoRoot, "node_modules")), `${VIRTUAL_ROOT}/node_modules`],
    [resolve(repoRoot), VIRTUAL_ROOT],
  ];
  const files = {
    [`${VIRTUAL_ROOT}/package.json`]: JSON.stringify({ name: "tsfine", version: require(join(repoRoot, "package.json")).version }),
    [`${VIRTUAL_ROOT}/tsconfig.json`]: WORKER_TSCONFIG,
  };
  for (const file of [...read].sort()) {
    if (LEFT_OUT.some((part) => file.includes(part))) continue;
    const root = roots.find(([prefix]) => file.startsWith(prefix + sep));
    if (!root) continue;
    files[root[1] + file.slice(root[0].length).split(sep).join("/")] = readFileSync(file, "utf8");
  }
  return files;
}
