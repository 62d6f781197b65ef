/**
 * A notebook as one standalone HTML page, for `tsfine start` on machines without nbconvert.
 * Each output shows its richest representation; scripts in text/html outputs (plotly figures)
 * run when the page opens, so charts are drawn offline. nbconvert's own export is preferred
 * when Jupyter is installed; this is the fallback.
 */
import * as fs from "node:fs";
import { marked } from "marked";
import { escapeHtml } from "../display/html";

interface NotebookOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[] | object>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  execution_count?: number | null;
}

interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  execution_count?: number | null;
  outputs?: NotebookOutput[];
}

const joined = (text: string | string[] | undefined): string => (Array.isArray(text) ? text.join("") : (text ?? ""));

// eslint-disable-next-line no-control-regex -- terminal colour codes start with ESC, a control character
const ANSI_ESCAPES = /\u001b\[[0-9;]*m/g;

function renderData(data: Record<string, string | string[] | object>): string {
  if (data["text/html"] !== undefined) return joined(data["text/html"] as string | string[]);
  if (data["image/svg+xml"] !== undefined) return joined(data["image/svg+xml"] as string | string[]);
  if (data["image/png"] !== undefined) return `<img src="data:image/png;base64,${escapeHtml(joined(data["image/png"] as string))}">`;
  if (data["image/jpeg"] !== undefined) return `<img src="data:image/jpeg;base64,${escapeHtml(joined(data["image/jpeg"] as string))}">`;
  if (data["text/markdown"] !== undefined) return marked.parse(joined(data["text/markdown"] as string)) as string;
  if (data["text/latex"] !== undefined) return `<pre>${escapeHtml(joined(data["text/latex"] as string))}</pre>`;
  if (data["application/json"] !== undefined) return `<pre>${escapeHtml(JSON.stringify(data["application/json"], null, 2))}</pre>`;
  return `<pre>${escapeHtml(joined(data["text/plain"] as string | string[]))}</pre>`;
}

function renderOutput(output: NotebookOutput): string {
  switch (output.output_type) {
    case "stream":
      return `<pre class="stream ${escapeHtml(output.name ?? "")}">${escapeHtml(joined(output.text))}</pre>`;
    case "error":
      return `<pre class="error">${escapeHtml((output.traceback ?? [`${output.ename}: ${output.evalue}`]).join("\n").replace(ANSI_ESCAPES, ""))}</pre>`;
    case "display_data":
    case "execute_result":
      return `<div class="rich">${renderData(output.data ?? {})}</div>`;
    default:
      return "";
  }
}

function renderCell(cell: NotebookCell): string {
  const source = joined(cell.source);
  if (cell.cell_type === "markdown") return `<section class="markdown">${marked.parse(source)}</section>`;
  if (cell.cell_type !== "code") return `<pre class="raw">${escapeHtml(source)}</pre>`;
  const prompt = cell.execution_count ? `[${cell.execution_count}]` : "[ ]";
  return [
    `<section class="code"><div class="input"><span class="prompt">${prompt}</span><pre>${escapeHtml(source)}</pre></div>`,
    ...(cell.outputs ?? []).map(renderOutput),
    "</section>",
  ].join("\n");
}

const STYLE = `
body { font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; color: #222; }
section { margin: 1em 0; }
.input { display: flex; gap: .5em; background: #f5f5f5; border-left: 3px solid #4a7; padding: .3em .6em; }
.prompt { color: #4a7; font-family: monospace; }
pre { margin: .2em 0; white-space: pre-wrap; }
.stream.stderr { background: #fdd; }
.error { background: #fdd; color: #800; }
.rich { overflow-x: auto; }
`;

export function notebookToHtml(notebook: { cells: NotebookCell[] }, title: string): string {
  return [
    "<!DOCTYPE html>",
    `<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>`,
    ...notebook.cells.map(renderCell),
    "</body></html>",
  ].join("\n");
}

export function exportNotebookToHtml(notebookPath: string, htmlPath: string): void {
  const notebook = JSON.parse(fs.readFileSync(notebookPath, "utf8"));
  const title = notebookPath.split("/").pop() ?? "notebook";
  fs.writeFileSync(htmlPath, notebookToHtml(notebook, title));
}
