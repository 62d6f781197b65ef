/**
 * `tsfine run`: executes a notebook's code cells in order through a kernel it launches over
 * ZeroMQ, and writes an nbformat 4.5 notebook with outputs and execution counts. Stops at the
 * first failing cell (still writing the notebook) and reports that cell.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { constants as osConstants } from "node:os";
import { basename, dirname, extname, join, resolve } from "node:path";
import { ClientTimeoutError, KernelClient, LaunchOptions } from "./client";
import { dataSearchPath } from "./jupyter-paths";
import { findKernelspec } from "./kernelspec";
import { NotebookOutput, NotebookOutputs } from "./notebook-outputs";
import { injectParameters, NotebookCell } from "./parameters";
import { WidgetStateRecorder } from "./widget-state";

export interface RunOptions {
  input: string;
  /** Default: NAME.out.ipynb next to the input. */
  output?: string;
  parameters?: Record<string, unknown>;
  /** Per-cell limit in seconds; a cell over it is interrupted and counts as failed. */
  timeoutSec?: number;
  /** An installed kernelspec to run instead of this package's own kernel. */
  kernelName?: string;
  /** How to start the kernel (default: this package's kernel, in the notebook's folder). */
  launch?: LaunchOptions;
}

export interface CellFailure {
  /** Index of the cell in the output notebook. */
  index: number;
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface RunResult {
  outputPath: string;
  executedCells: number;
  failure?: CellFailure;
}

interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- notebook metadata is JSON written by any front end
  metadata: Record<string, any>;
  cells: NotebookCell[];
}

export function defaultOutputPath(input: string): string {
  const ext = extname(input);
  return join(dirname(input), `${basename(input, ext)}.out${ext || ".ipynb"}`);
}

function newCellId(): string {
  return randomBytes(4).toString("hex");
}

async function readNotebook(path: string): Promise<Notebook> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON.parse's result, checked just below
  let raw: any;
  try {
    raw = JSON.parse(await fs.readFile(path, "utf8"));
  } catch (error) {
    throw new Error(`Cannot read ${path} as a notebook: ${error instanceof Error ? error.message : error}`, { cause: error });
  }
  if (raw?.nbformat !== 4 || !Array.isArray(raw.cells)) throw new Error(`${path} is not an nbformat 4 notebook.`);
  return raw as Notebook;
}

function sourceText(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : String(cell.source ?? "");
}

/** nbformat 4.5: every cell has an id; code cells start without outputs. */
function prepareCells(cells: NotebookCell[]): NotebookCell[] {
  const seen = new Set<string>();
  return cells.map((cell) => {
    const copy: NotebookCell = { ...cell, metadata: cell.metadata ?? {} };
    if (typeof copy.id !== "string" || !/^[a-zA-Z0-9-_]{1,64}$/.test(copy.id) || seen.has(copy.id)) copy.id = newCellId();
    seen.add(copy.id);
    if (copy.cell_type === "code") {
      copy.outputs = [];
      copy.execution_count = null;
    }
    return copy;
  });
}

async function kernelLaunch(kernelName: string | undefined): Promise<LaunchOptions> {
  if (!kernelName) return {};
  const spec = await findKernelspec(kernelName);
  if (!spec) throw new Error(`No kernelspec named "${kernelName}" (looked in ${dataSearchPath().join(", ")}); install it or leave out --kernel.`);
  return { argv: spec.argv, env: { ...process.env, ...spec.env } };
}

export async function runNotebook(options: RunOptions): Promise<RunResult> {
  const input = resolve(options.input);
  const outputPath = resolve(options.output ?? defaultOutputPath(input));
  const notebook = await readNotebook(input);
  notebook.cells = injectParameters(prepareCells(notebook.cells), options.parameters ?? {}, newCellId);
  notebook.nbformat = 4;
  notebook.nbformat_minor = 5;
  notebook.metadata = notebook.metadata ?? {};

  const client = await KernelClient.launch({ cwd: dirname(input), ...(await kernelLaunch(options.kernelName)), ...options.launch });
  const stopKernelWithThisProcess = stopKernelOnSignals(client);
  const outputs = new NotebookOutputs();
  const widgets = new WidgetStateRecorder();
  let executedCells = 0;
  let failure: CellFailure | undefined;
  try {
    const info = await client.kernelInfo();
    const languageInfo = info.content.language_info ?? {};
    notebook.metadata.kernelspec = options.kernelName
      ? { name: options.kernelName, display_name: options.kernelName, language: languageInfo.name }
      : { name: "tsfine", display_name: "TypeScript (tsfine)", language: "typescript" };
    notebook.metadata.language_info = info.content.language_info;
    for (const [index, cell] of notebook.cells.entries()) {
      if (cell.cell_type !== "code" || sourceText(cell).trim() === "") continue;
      const cellOutputs = cell.outputs as NotebookOutput[];
      let result;
      try {
        result = await client.execute(sourceText(cell), { timeoutMs: options.timeoutSec ? options.timeoutSec * 1000 : undefined });
      } catch (error) {
        const timedOut = error instanceof ClientTimeoutError;
        const ename = timedOut ? "CellTimeoutError" : "KernelDiedError";
        const evalue = timedOut
          ? `The cell did not finish within --timeout ${options.timeoutSec} s and was interrupted.`
          : `The kernel stopped while running this cell: ${error instanceof Error ? error.message : error}`;
        failure = { index, ename, evalue, traceback: [] };
        cellOutputs.push({ output_type: "error", ename, evalue, traceback: [] });
        break;
      }
      executedCells += 1;
      outputs.apply(cellOutputs, result.outputs);
      widgets.record(result.iopub);
      cell.execution_count = typeof result.reply.content.execution_count === "number" ? result.reply.content.execution_count : null;
      const reply = result.reply.content;
      if (reply.status === "error") {
        failure = {
          index,
          ename: String(reply.ename),
          evalue: String(reply.evalue),
          traceback: Array.isArray(reply.traceback) ? reply.traceback.map(String) : [],
        };
        break;
      }
    }
    const versions = await kernelVersions(client);
    if (versions) notebook.metadata.tsfine = { ...notebook.metadata.tsfine, versions };
  } finally {
    const widgetState = widgets.metadata();
    if (widgetState) notebook.metadata.widgets = widgetState;
    await fs.writeFile(outputPath, JSON.stringify(notebook, null, 1) + "\n");
    await client.shutdown().catch(() => undefined);
    await client.close();
    stopKernelWithThisProcess();
  }
  return { outputPath, executedCells, failure };
}

const STOPPING_SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;

/**
 * While a notebook runs, a signal that stops this process (a CI timeout's SIGTERM, Ctrl-C, a closed
 * terminal) stops its kernel too, rather than leaving it to notice its launcher is gone. Returns
 * the function that removes the handlers.
 */
function stopKernelOnSignals(client: KernelClient): () => void {
  const handler = (signal: NodeJS.Signals) => {
    client.process?.kill("SIGTERM");
    process.exit(128 + (osConstants.signals[signal] ?? 15));
  };
  for (const signal of STOPPING_SIGNALS) process.on(signal, handler);
  return () => {
    for (const signal of STOPPING_SIGNALS) process.off(signal, handler);
  };
}

/**
 * What the notebook ran on, as `%versions` shows it (tsfine, TypeScript, tfjs, backend, Node,
 * platform), for the executed notebook's metadata; undefined from a kernel that is not tsfine's
 * or that stopped.
 */
async function kernelVersions(client: KernelClient): Promise<Record<string, unknown> | undefined> {
  try {
    const result = await client.execute("", { silent: true, storeHistory: false, userExpressions: { versions: "__magics.versions(tf)" }, timeoutMs: 60_000 });
    const value = result.reply.content.user_expressions?.versions;
    const json = value?.status === "ok" ? value.data?.["application/json"] : undefined;
    return json && typeof json === "object" ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
