/**
 * Type-checks, then builds tsfine's JupyterLite kernel into lite/labextension/ (a prebuilt federated extension that
 * `jupyter lite build` installs into a site):
 *   1. the extension's plugin (src/extension) → lib/index.js, then `jupyter labextension build`;
 *   2. the kernel's worker (src/worker, with the repository's kernel/evaluator and display/ sources)
 *      → labextension/static/tsfine-worker.js, Node's modules replaced by the shims in src/shims;
 *   3. the declaration files the worker's type checker reads → labextension/static/tsfine-declarations.json.
 * Needs the repository built (npm run build: the declarations come from dist/) and `jupyter` with
 * jupyterlab (the repository's .venv, or on PATH).
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { collectDeclarations } from "./declarations.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");
const staticDir = join(here, "labextension", "static");
const requireFromRepo = createRequire(join(repoRoot, "package.json"));

const define = {
  TSFINE_VERSION: JSON.stringify(JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).version),
  TYPESCRIPT_VERSION: JSON.stringify(requireFromRepo("typescript/package.json").version),
};

function jupyter() {
  const candidates = [process.env.JUPYTER, join(repoRoot, ".venv", "bin", "jupyter")].filter(Boolean);
  return candidates.find((file) => existsSync(file)) ?? "jupyter";
}

/** Node built-ins the bundled code names but never calls in a worker (TypeScript's Node system, tfjs's Node paths). */
const UNUSED_BUILTINS = [
  "os",
  "inspector",
  "perf_hooks",
  "worker_threads",
  "child_process",
  "module",
  "url",
  "vm",
  "http",
  "https",
  "stream",
  "string_decoder",
  "events",
  "assert",
];

const shims = {
  "node:fs": "fs",
  fs: "fs",
  "node:crypto": "crypto",
  crypto: "crypto",
  "node:zlib": "zlib",
  "node:util": "util",
};

/** Node's modules in the shared sources → the worker's shims (src/shims) or an empty module. */
const nodeSeams = {
  name: "node-seams",
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_]+$/ }, (args) => {
      if (args.path in shims && !args.importer.includes(`${join(here, "src", "shims")}`)) return { path: join(here, "src", "shims", `${shims[args.path]}.ts`) };
      if (args.path === "node:path" || args.path === "path") return { path: requireFromHere.resolve("path-browserify") };
      const bare = args.path.replace(/^node:/, "");
      if (UNUSED_BUILTINS.includes(bare)) return { path: bare, namespace: "empty" };
      return undefined;
    });
    build.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "export default {};", loader: "js" }));
  },
};
const requireFromHere = createRequire(join(here, "package.json"));

async function buildExtension() {
  await esbuild.build({
    entryPoints: [join(here, "src", "extension", "index.ts")],
    outfile: join(here, "lib", "index.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    external: ["@jupyterlite/*", "@jupyterlab/*", "@lumino/*"],
    define,
    logLevel: "warning",
  });
  const command = jupyter();
  // jupyter labextension runs jupyter-builder from the same folder.
  const path = command.includes("/") ? `${dirname(command)}:${process.env.PATH}` : process.env.PATH;
  execFileSync(command, ["labextension", "build", here], { stdio: "inherit", env: { ...process.env, PATH: path } });
}

async function buildWorker() {
  await esbuild.build({
    entryPoints: [join(here, "src", "worker", "kernel-worker.ts")],
    outfile: join(staticDir, "tsfine-worker.js"),
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: false,
    inject: [join(here, "src", "shims", "globals.ts")],
    define: { ...define, __dirname: JSON.stringify("/tsfine/dist/kernel/evaluator"), "require.resolve": "__tsfine_require_resolve", global: "globalThis" },
    plugins: [nodeSeams],
    logLevel: "warning",
    logOverride: { "direct-eval": "silent" },
  });
}

function writeDeclarations() {
  const files = collectDeclarations(repoRoot);
  writeFileSync(join(staticDir, "tsfine-declarations.json"), JSON.stringify(files));
  return Object.keys(files).length;
}

/** esbuild strips types without checking them: tsc checks the kernel's sources (and the shared ones they import) first. */
function typecheck() {
  execFileSync(process.execPath, [requireFromRepo.resolve("typescript/bin/tsc"), "-p", join(here, "tsconfig.json")], { stdio: "inherit" });
}

const started = Date.now();
typecheck();
await buildExtension();
mkdirSync(staticDir, { recursive: true });
await buildWorker();
const count = writeDeclarations();
for (const size of ["32x32", "64x64"]) copyFileSync(join(repoRoot, "kernel", "logos", `logo-${size}.png`), join(staticDir, `logo-${size}.png`));
console.log(`tsfine-lite: built labextension/ (${count} declaration files) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
