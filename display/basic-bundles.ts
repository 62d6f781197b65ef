import { htmlToPlainText } from "./html";
import { describeImage, toBase64 } from "./image-bytes";
import { textPreview } from "./text-preview";
import type { MimeBundle } from "./types";

/** Bundles for content the caller already has in a given format. Each keeps a text/plain fallback. */

export function htmlBundle(html: string): MimeBundle {
  return { "text/html": html, "text/plain": htmlToPlainText(html) || "<HTML output>" };
}

export function markdownBundle(markdown: string): MimeBundle {
  return { "text/markdown": markdown, "text/plain": markdown };
}

export function latexBundle(latex: string): MimeBundle {
  return { "text/latex": latex, "text/plain": latex };
}

export function svgBundle(svg: string): MimeBundle {
  return { "image/svg+xml": svg, "text/plain": "<SVG image>" };
}

export function pngBundle(bytes: Uint8Array | string): MimeBundle {
  const fallback = typeof bytes === "string" ? "<PNG image>" : describeImage(bytes, "PNG");
  return { "image/png": toBase64(bytes), "text/plain": fallback };
}

export function jpegBundle(bytes: Uint8Array | string): MimeBundle {
  const fallback = typeof bytes === "string" ? "<JPEG image>" : describeImage(bytes, "JPEG");
  return { "image/jpeg": toBase64(bytes), "text/plain": fallback };
}

export function gifBundle(bytes: Uint8Array | string): MimeBundle {
  const fallback = typeof bytes === "string" ? "<GIF image>" : describeImage(bytes, "GIF");
  return { "image/gif": toBase64(bytes), "text/plain": fallback };
}

export function pdfBundle(bytes: Uint8Array | string): MimeBundle {
  const size = typeof bytes === "string" ? "" : `, ${bytes.length} bytes`;
  return { "application/pdf": toBase64(bytes), "text/plain": `<PDF document${size}>` };
}

export function javascriptBundle(code: string): MimeBundle {
  return { "application/javascript": code, "text/plain": "<JavaScript output>" };
}

/** JSON values are copied through JSON so the bundle holds exactly what will go on the wire. */
export function jsonBundle(value: unknown): MimeBundle {
  const wireValue = JSON.parse(JSON.stringify(value ?? null)) as unknown;
  return { "application/json": wireValue, "text/plain": JSON.stringify(value, null, 2) ?? "null" };
}

export function textBundle(text: string): MimeBundle {
  return { "text/plain": text };
}

export function valueTextBundle(value: unknown): MimeBundle {
  return { "text/plain": textPreview(value) };
}
