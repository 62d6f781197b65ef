import { gifBundle, jpegBundle, pngBundle, textBundle, valueTextBundle } from "./basic-bundles";
import { formatWithRegistry } from "./formatters";
import { sniffImageFormat } from "./image-bytes";
import { guardOutputSize } from "./output-guard";
import { bundleFromProtocol, jupyterDisplayBundle } from "./protocol";
import { isTableLike, tableBundle } from "./table";
import { textPreview } from "./text-preview";
import { isTensorLike, tensorBundle } from "./tensor-like";
import type { MimeBundle } from "./types";

function withTextFallback(bundle: MimeBundle, value: unknown): MimeBundle {
  if ("text/plain" in bundle) return bundle;
  const name = (value as { constructor?: { name?: string } })?.constructor?.name ?? typeof value;
  return { ...bundle, "text/plain": `<${name}>` };
}

function imageBytesBundle(value: unknown): MimeBundle | undefined {
  if (!(value instanceof Uint8Array)) return undefined;
  const format = sniffImageFormat(value);
  if (format === "png") return pngBundle(value);
  if (format === "jpeg") return jpegBundle(value);
  if (format === "gif") return gifBundle(value);
  return undefined;
}

function isObjectLike(value: unknown): value is object {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}

/** What only an object can have: the mimeBundle protocol, tensor data, image bytes, table rows. */
function objectBundle(value: object): MimeBundle | undefined {
  return (
    bundleFromProtocol(value) ??
    (isTensorLike(value) ? tensorBundle(value) : undefined) ??
    imageBytesBundle(value) ??
    (isTableLike(value) ? tableBundle(value) : undefined)
  );
}

/**
 * The richest representation of a value, in this order: registered formatters, the
 * mimeBundle protocol, tensors, encoded image bytes, tables of plain objects, plain text.
 * `asResult` is for a cell's last expression: strings are quoted the way Node's REPL shows them.
 */
export function richestBundle(value: unknown, asResult: boolean): MimeBundle {
  const bundle = formatWithRegistry(value) ?? (isObjectLike(value) ? objectBundle(value) : undefined);
  if (bundle) return withTextFallback(bundle, value);
  if (typeof value === "string") return asResult ? textBundle(textPreview(value)) : textBundle(value);
  return valueTextBundle(value);
}

/** What a cell's final expression shows; undefined shows nothing. The output guard applies. */
export function toBundle(value: unknown): MimeBundle | undefined {
  if (value === undefined) return undefined;
  return guardOutputSize(richestBundle(value, true));
}

/**
 * toBundle for a cell's final value, which is shown after the cell ends and so can wait: when the
 * value's Deno-style [Symbol.for("Jupyter.display")]() is async (and no registered formatter takes
 * the value first), the promise of its bundle.
 */
export function toBundleAwaiting(value: unknown): MimeBundle | undefined | Promise<MimeBundle> {
  if (isObjectLike(value) && formatWithRegistry(value) === undefined) {
    const deno = jupyterDisplayBundle(value);
    if (deno instanceof Promise) return deno.then((bundle) => guardOutputSize(withTextFallback(bundle, value)));
    if (deno) return guardOutputSize(withTextFallback(deno, value));
  }
  return toBundle(value);
}
