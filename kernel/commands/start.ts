/**
 * `tsfine start [NOTEBOOK]`: the quick start. Runs examples/quickstart.ipynb (or NOTEBOOK)
 * offline through the kernel, writes the executed notebook and an HTML export under out/,
 * and says where they are. Uses nbconvert for the HTML when Jupyter is on PATH, otherwise
 * tsfine's own exporter, so it needs nothing beyond `npm install`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { exportNotebookToHtml } from "../html-export";
import { packageRoot } from "../package-root";
import { runNotebook } from "../runner";

function exportHtml(notebookPath: string, htmlPath: string): string {
  const nbconvert = spawnSync("jupyter", ["nbconvert", "--to", "html", "--output", path.basename(htmlPath), notebookPath], {
    encoding: "utf8",
    stdio: "pipe",
  });
  if (nbconvert.status === 0 && fs.existsSync(htmlPath)) return "nbconvert";
  exportNotebookToHtml(notebookPath, htmlPath);
  return "tsfine's exporter";
}

export async function run(args: string[]): Promise<number> {
  const input = path.resolve(args[0] ?? path.join(packageRoot(), "examples", "quickstart.ipynb"));
  const outDir = path.resolve("out");
  fs.mkdirSync(outDir, { recursive: true });
  const name = path.basename(input, ".ipynb");
  const output = path.join(outDir, `${name}.ipynb`);

  process.stdout.write(`Running ${path.relative(process.cwd(), input)} (offline, on the best backend found)…\n`);
  const started = Date.now();
  const result = await runNotebook({ input, output });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.failure) {
    const { index, ename, evalue } = result.failure;
    process.stderr.write(`Cell ${index + 1} failed after ${seconds} s: ${ename}: ${evalue}\nPartial notebook: ${output}\n`);
    return 1;
  }
  const html = path.join(outDir, `${name}.html`);
  const exporter = exportHtml(output, html);
  process.stdout.write(
    `Executed ${result.executedCells} cells in ${seconds} s.\n` + `  notebook: ${output}\n` + `  HTML:     ${html} (by ${exporter}; open it in a browser)\n`,
  );
  return 0;
}
