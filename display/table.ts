import { inspect } from "node:util";
import { escapeHtml } from "./html";
import type { MimeBundle } from "./types";

export interface TableOptions {
  /** Rows shown before the table is cut with a note (default 50). */
  maxRows?: number;
  /** Column order; default: every key in order of first appearance. */
  columns?: string[];
}

export const DEFAULT_MAX_ROWS = 50;
const MAX_TEXT_CELL = 40;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** An array worth showing as a table: non-empty and every element a plain object. */
export function isTableLike(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.length > 0 && value.every(isPlainObject);
}

function formatCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") {
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
    return String(Number(value.toPrecision(4)));
  }
  if (typeof value === "string") return value;
  return inspect(value, { depth: 1, breakLength: Infinity, maxArrayLength: 10, colors: false });
}

function columnsOf(rows: Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

function truncationNote(shown: number, total: number): string {
  return `showing first ${shown} of ${total} rows`;
}

function textTable(columns: string[], cells: string[][], numeric: boolean[]): string {
  const clip = (s: string) => (s.length > MAX_TEXT_CELL ? `${s.slice(0, MAX_TEXT_CELL - 1)}…` : s).replace(/\n/g, " ");
  const clipped = cells.map((row) => row.map(clip));
  const widths = columns.map((c, i) => Math.max(c.length, ...clipped.map((row) => row[i].length)));
  const pad = (s: string, i: number) => (numeric[i] ? s.padStart(widths[i]) : s.padEnd(widths[i]));
  const lines = [columns.map(pad).join("  ").trimEnd(), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const row of clipped) lines.push(row.map(pad).join("  ").trimEnd());
  return lines.join("\n");
}

export function tableBundle(rows: Record<string, unknown>[], options: TableOptions = {}): MimeBundle {
  const maxRows = Math.max(1, options.maxRows ?? DEFAULT_MAX_ROWS);
  const shownRows = rows.slice(0, maxRows);
  const columns = options.columns ?? columnsOf(shownRows);
  const numeric = columns.map((c) => shownRows.every((row) => row[c] === undefined || typeof row[c] === "number"));
  const cells = shownRows.map((row) => columns.map((c) => formatCell(row[c])));
  const truncated = rows.length > shownRows.length;
  const note = truncated ? truncationNote(shownRows.length, rows.length) : "";

  const th = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = cells
    .map((row) => `<tr>${row.map((cell, i) => `<td${numeric[i] ? ' style="text-align:right"' : ""}>${escapeHtml(cell)}</td>`).join("")}</tr>`)
    .join("");
  const html =
    `<table class="tsfine-table"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>` +
    (note ? `<div class="tsfine-table-note" style="color:#666;font-size:12px">${note}</div>` : "");

  const text = textTable(columns, cells, numeric) + (note ? `\n(${note})` : "");
  return { "text/html": html, "text/plain": text };
}
