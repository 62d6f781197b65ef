/**
 * Runs a notebook through the real kernel as a user does (`tsfine run` over ZeroMQ, the build in
 * dist/): the cells are written to `dir/NAME.ipynb`, run with the Jupyter and history paths kept
 * inside `dir`, and the executed notebook's outputs come back with the run's exit status and stderr.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { notebook, repoRoot } from "./jupyter-env";

const cli = path.join(repoRoot, "bin", "tsfine.js");

export interface CellOutput {
  output_type: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}

export interface NotebookRun {
  status: number | null;
  stderr: string;
  /** The executed notebook's outputs, one list per cell. */
  outputs: CellOutput[][];
}

export interface RunNotebookOptions {
  /** The notebook's name without .ipynb (default "notebook"). */
  name?: string;
  /** Where `tsfine run` is started from (default `dir`); the kernel itself starts in the notebook's folder. */
  cwd?: string;
  /** `tsfine run --timeout` for each cell, in seconds (default 240). */
  timeoutS?: number;
}

/** A multiline output field (nbformat stores text as a string or a list of lines) as one string. */
export function joined(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join("") : (text ?? "");
}

/** What a terminal shows of a cell's outputs: streams, text/plain, and errors as "ename: evalue". */
export function plainText(outputs: CellOutput[]): string {
  return outputs.map((o) => joined(o.text ?? o.data?.["text/plain"] ?? (o.ename ? `${o.ename}: ${o.evalue}` : ""))).join("\n");
}

export function runNotebook(dir: string, cells: string[], options: RunNotebookOptions = {}): NotebookRun {
  const timeoutS = options.timeoutS ?? 240;
  const input = path.join(dir, `${options.name ?? "notebook"}.ipynb`);
  const output = path.join(dir, "out.ipynb");
  fs.writeFileSync(input, JSON.stringify(notebook(cells)));
  const env = {
    ...process.env,
    JUPYTER_DATA_DIR: path.join(dir, "data"),
    JUPYTER_RUNTIME_DIR: path.join(dir, "runtime"),
    TSFINE_HISTORY_FILE: path.join(dir, "history.jsonl"),
  };
  const run = spawnSync(process.execPath, [cli, "run", input, "-o", output, "--timeout", String(timeoutS)], {
    encoding: "utf8",
    env,
    cwd: options.cwd ?? dir,
    timeout: (timeoutS + 60) * 1000,
  });
  if (!fs.existsSync(output)) throw new Error(`tsfine run wrote no ${output} (exit ${run.status}): ${run.stderr}`);
  const executed = JSON.parse(fs.readFileSync(output, "utf8")) as { cells: { outputs?: CellOutput[] }[] };
  return { status: run.status, stderr: run.stderr, outputs: executed.cells.map((c) => c.outputs ?? []) };
}
