import { escapeHtml } from "./html";
import { encodeImage, imageTag } from "./image";
import type { PixelSource } from "./pixels";
import type { MimeBundle } from "./types";

/** One tile of a grid: the image plus what is known about it. */
export interface GridItem {
  image: PixelSource;
  caption?: string;
  truth?: string | number;
  prediction?: string | number;
  /** 0..1 */
  confidence?: number;
  /** Needed only for a flat typed array that is not a square gray image. */
  shape?: number[];
  /** Mark the tile as a mistake; by default it is one when truth and prediction differ. */
  wrong?: boolean;
}

export interface ImageGridOptions {
  columns?: number;
  /** Tile width in CSS pixels. */
  tileWidth?: number;
  title?: string;
}

const WRONG_COLOR = "#d62728";
const MAX_TEXT_LINES = 50;

function isGridItem(value: unknown): value is GridItem {
  return typeof value === "object" && value !== null && "image" in value;
}

function isWrong(item: GridItem): boolean {
  if (item.wrong !== undefined) return item.wrong;
  return item.truth !== undefined && item.prediction !== undefined && String(item.truth) !== String(item.prediction);
}

function describe(item: GridItem): string {
  const parts: string[] = [];
  if (item.caption) parts.push(item.caption);
  if (item.truth !== undefined) parts.push(`truth ${item.truth}`);
  if (item.prediction !== undefined) {
    const confidence = item.confidence !== undefined ? ` ${(item.confidence * 100).toFixed(0)}%` : "";
    parts.push(`predicted ${item.prediction}${confidence}`);
  }
  return parts.join(", ");
}

function tileHtml(item: GridItem, tileWidth: number): string {
  const image = encodeImage(item.image, item.shape);
  const wrong = isWrong(item);
  const border = wrong ? `border:3px solid ${WRONG_COLOR};` : "border:3px solid transparent;";
  const lines: string[] = [];
  if (item.caption)
    lines.push(wrong && item.prediction === undefined ? `<span style="color:${WRONG_COLOR}">${escapeHtml(item.caption)}</span>` : escapeHtml(item.caption));
  if (item.truth !== undefined) lines.push(`truth: ${escapeHtml(String(item.truth))}`);
  if (item.prediction !== undefined) {
    const confidence = item.confidence !== undefined ? ` (${(item.confidence * 100).toFixed(0)}%)` : "";
    const style = wrong ? ` style="color:${WRONG_COLOR};font-weight:bold"` : "";
    lines.push(`<span${style}>pred: ${escapeHtml(String(item.prediction))}${confidence}</span>`);
  }
  const wrongClass = wrong ? " tsfine-wrong" : "";
  return (
    `<figure class="tsfine-tile${wrongClass}" style="margin:0;text-align:center;font-size:11px;line-height:1.3">` +
    `${imageTag(image, tileWidth, `${border}box-sizing:border-box;max-width:100%`)}` +
    `<figcaption>${lines.join("<br>")}</figcaption></figure>`
  );
}

/** Many images with captions (truth, prediction, confidence; wrong predictions in red) as ONE output. */
export function imageGridBundle(entries: Array<GridItem | PixelSource>, options: ImageGridOptions = {}): MimeBundle {
  const items = entries.map((entry) => (isGridItem(entry) ? entry : { image: entry }));
  const columns = Math.max(1, Math.min(options.columns ?? 8, items.length || 1));
  const tileWidth = options.tileWidth ?? 96;
  const wrongCount = items.filter(isWrong).length;
  // Once any tile is marked by hand, unmarked tiles count as right.
  const judged = items.some((item) => item.wrong !== undefined)
    ? items.length
    : items.filter((item) => item.truth !== undefined && item.prediction !== undefined).length;
  const title = options.title ? `<div style="font-weight:bold;margin-bottom:4px">${escapeHtml(options.title)}</div>` : "";
  const html =
    `<div class="tsfine-image-grid">${title}` +
    `<div style="display:grid;grid-template-columns:repeat(${columns}, ${tileWidth + 8}px);gap:6px">` +
    items.map((item) => tileHtml(item, tileWidth)).join("") +
    `</div></div>`;

  const summary = [
    `${options.title ? `${options.title}: ` : ""}image grid, ${items.length} image${items.length === 1 ? "" : "s"}` +
      (judged ? `, ${wrongCount} of ${judged} wrong` : ""),
  ];
  items.slice(0, MAX_TEXT_LINES).forEach((item, index) => {
    const text = describe(item);
    if (text) summary.push(`${index + 1}. ${text}${isWrong(item) ? "  ✗ wrong" : ""}`);
  });
  if (items.length > MAX_TEXT_LINES) summary.push(`… ${items.length - MAX_TEXT_LINES} more`);
  return { "text/html": html, "text/plain": summary.join("\n") };
}
