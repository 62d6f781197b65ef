import { escapeHtml } from "./html";
import type { MimeBundle } from "./types";

/**
 * Recognises TensorFlow.js tensors by shape, never by import: display/ must not load tfjs.
 * tl/ can register a richer formatter; this one is the default.
 */
export interface TensorLike {
  shape: number[];
  dtype: string;
  dataSync(): ArrayLike<number | string>;
  isDisposed?: boolean;
}

export function isTensorLike(value: unknown): value is TensorLike {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<TensorLike>;
  return Array.isArray(candidate.shape) && typeof candidate.dtype === "string" && typeof candidate.dataSync === "function";
}

const PREVIEW_VALUES = 6;

function formatNumber(value: number | string): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Number.isInteger(value)) return String(value);
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e5 || Math.abs(value) < 1e-4 ? value.toExponential(3) : String(Number(value.toPrecision(5)));
}

/** Nested preview like [[1, 2, …, 9], …]: at most PREVIEW_VALUES per axis, ends elided. */
function nestedPreview(values: ArrayLike<number | string>, shape: number[], offset = 0): string {
  if (shape.length === 0) return formatNumber(values[offset]);
  const [length, ...rest] = shape;
  const stride = rest.reduce((a, b) => a * b, 1);
  const indexes = length <= PREVIEW_VALUES ? [...Array(length).keys()] : [0, 1, 2, -1, length - 3, length - 2, length - 1];
  const parts = indexes.map((i) => (i < 0 ? "…" : nestedPreview(values, rest, offset + i * stride)));
  return `[${parts.join(", ")}]`;
}

function summaryStats(values: ArrayLike<number | string>, dtype: string): string {
  if (values.length < 2 || dtype === "bool" || dtype === "string") return "";
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return `min ${formatNumber(min)}, max ${formatNumber(max)}, mean ${formatNumber(sum / values.length)}`;
}

export function tensorBundle(tensor: TensorLike): MimeBundle {
  const header = `Tensor ${tensor.dtype} [${tensor.shape.join(", ")}]`;
  if (tensor.isDisposed) return { "text/plain": `${header} (disposed)` };
  let values: ArrayLike<number | string>;
  try {
    values = tensor.dataSync();
  } catch (error) {
    return { "text/plain": `${header} (values unavailable: ${(error as Error).message})` };
  }
  const stats = summaryStats(values, tensor.dtype);
  const preview = nestedPreview(values, tensor.shape);
  const text = `${header}${stats ? `  ${stats}` : ""}\n${preview}`;
  const html =
    `<div class="tsfine-tensor"><b>Tensor</b> <code>${escapeHtml(tensor.dtype)}</code> ` +
    `<code>[${tensor.shape.join(", ")}]</code>${stats ? ` <span style="color:#666">${escapeHtml(stats)}</span>` : ""}` +
    `<pre style="margin:4px 0">${escapeHtml(preview)}</pre></div>`;
  return { "text/plain": text, "text/html": html };
}
