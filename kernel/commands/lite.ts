/**
 * `tsfine lite build [NOTEBOOKS…] -o SITE`: a static JupyterLite site whose default kernel is tsfine's
 * browser kernel (lite/), with the given notebooks (files or folders; when none are given, the example
 * notebooks that run in the browser end to end). Built offline from what is
 * installed: JupyterLite's app comes inside the `jupyterlite-core` Python package (lite-jupyter.ts
 * finds it, or installs it once with pip into tsfine's cache folder; `tsfine lite install` does only
 * that, for a machine that builds sites offline later), the kernel from lite/labextension
 * (shipped prebuilt in the npm package; in a checkout, built by lite/build.mjs on first use).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { packageRoot } from "../package-root";
import { UsageError, parsingArgs } from "./args";
import { installLiteEnvironment, liteJupyter, type LiteJupyter } from "./lite-jupyter";

/** The example notebooks the browser kernel runs end to end (the others need a shell, local folders or data too large for a page). */
const BROWSER_EXAMPLES = ["quickstart.ipynb", "less-data.ipynb", "freeze-and-unfreeze.ipynb"];

const USAGE = "usage: tsfine lite build [NOTEBOOKS…] -o SITE | tsfine lite install";

export async function run(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === "install" && rest.length === 0) {
    await installLiteEnvironment((line) => process.stdout.write(`${line}\n`));
    return 0;
  }
  if (action !== "build") throw new UsageError(USAGE);
  const { values, positionals } = parsingArgs(() => parseArgs({ args: rest, allowPositionals: true, options: { output: { type: "string", short: "o" } } }));
  if (!values.output) throw new UsageError("say where the site goes: tsfine lite build [NOTEBOOKS…] -o SITE");
  const started = Date.now();
  const notebooks = positionals.length > 0 ? positionals : BROWSER_EXAMPLES.map((name) => path.join(packageRoot(), "examples", name));
  for (const notebook of notebooks) {
    if (!fs.existsSync(notebook)) throw new UsageError(`${notebook} does not exist; give notebooks or folders of notebooks.`);
  }
  const extension = builtExtension();
  const jupyter = await liteJupyter((line) => process.stdout.write(`${line}\n`));
  const site = buildSite(jupyter, extension, notebooks, path.resolve(values.output));
  process.stdout.write(
    `Wrote the site to ${site} in ${((Date.now() - started) / 1000).toFixed(1)} s. Serve the folder from any static host ` +
      `(for example: python3 -m http.server -d ${shownFolder(site)}) and open it in a browser.\n`,
  );
  return 0;
}

/** A folder as a person would type it here: relative when it is under the working folder, else absolute. */
function shownFolder(folder: string): string {
  const relative = path.relative(process.cwd(), folder);
  if (relative === "") return ".";
  return relative.startsWith("..") || path.isAbsolute(relative) ? folder : relative;
}

export function buildSite(jupyter: LiteJupyter, extension: string, notebooks: string[], output: string): string {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-lite-"));
  try {
    const contents = path.join(stage, "contents");
    fs.mkdirSync(contents);
    for (const notebook of notebooks) {
      fs.cpSync(notebook, path.join(contents, path.basename(path.resolve(notebook))), { recursive: true });
    }
    fs.writeFileSync(path.join(stage, "jupyter-lite.json"), JSON.stringify({ "jupyter-config-data": { defaultKernelName: "tsfine" } }));
    fs.rmSync(output, { recursive: true, force: true });
    const result = spawnSync(
      jupyter.lite[0],
      [
        ...jupyter.lite.slice(1),
        "build",
        "--lite-dir",
        stage,
        "--contents",
        contents,
        "--output-dir",
        output,
        // Only tsfine's kernel: not the extensions of whatever Python environment runs the build.
        "--ignore-sys-prefix",
        "--no-sourcemaps",
        ...[extension, ...widgetExtensions(jupyter)].map((folder) => `--LiteBuildConfig.federated_extensions=${folder}`),
      ],
      { cwd: stage, encoding: "utf8", env: { ...process.env, PATH: `${jupyter.bin}${path.delimiter}${process.env.PATH ?? ""}` } },
    );
    if (result.status !== 0) throw new Error(`jupyter lite build failed:\n${lastLines(`${result.stdout}\n${result.stderr}`, 40)}`);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
  return output;
}

function lastLines(text: string, count: number): string {
  return text.trim().split("\n").slice(-count).join("\n");
}

/** The front end's widget extensions (ipywidgets' manager, anywidget) where `jupyter`'s environment has them: without them widgets show as text. */
const WIDGET_EXTENSIONS = [path.join("@jupyter-widgets", "jupyterlab-manager"), "anywidget"];

function widgetExtensions(jupyter: LiteJupyter): string[] {
  const paths = spawnSync(jupyter.jupyter[0], [...jupyter.jupyter.slice(1), "--paths", "--json"], { encoding: "utf8" });
  const dataDirs: string[] = paths.status === 0 ? (JSON.parse(paths.stdout) as { data: string[] }).data : [];
  const found: string[] = [];
  for (const name of WIDGET_EXTENSIONS) {
    const folder = dataDirs.map((dir) => path.join(dir, "labextensions", name)).find((candidate) => fs.existsSync(path.join(candidate, "package.json")));
    if (folder) found.push(folder);
    else
      process.stderr.write(
        `tsfine lite build: ${name} is not installed where ${jupyter.jupyter.join(" ")} looks (pip install jupyterlab_widgets anywidget): widgets will show as text.\n`,
      );
  }
  return found;
}

/** lite/labextension, built now if lite/'s packages are installed but the extension is not built yet. */
function builtExtension(): string {
  const lite = path.join(packageRoot(), "lite");
  const extension = path.join(lite, "labextension");
  if (fs.existsSync(path.join(extension, "static", "tsfine-worker.js"))) return extension;
  if (!fs.existsSync(path.join(lite, "node_modules", "esbuild")))
    throw new UsageError(`tsfine's browser kernel is not built: run npm ci --prefix ${lite} && npm run build --prefix ${lite}`);
  execFileSync(process.execPath, [path.join(lite, "build.mjs")], { stdio: "inherit" });
  return extension;
}
