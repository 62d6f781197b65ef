import { inspect } from "node:util";
import type { MimeBundle } from "../../interpreter";
import { valueFormatter } from "./display-parts";

type Formatter = (value: unknown) => MimeBundle | undefined;

/**
 * The MIME bundle for a cell's final value: display/'s formatter (rich output for tensors, models,
 * images…), util.inspect text when it has none. `undefined` has no bundle.
 */
export function valueBundle(value: unknown): MimeBundle | undefined {
  if (value === undefined) return undefined;
  try {
    const bundle = displayFormatter()(value);
    if (bundle && Object.keys(bundle).length > 0) return bundle;
  } catch {
    // a formatter that fails must not hide the value: fall back to text
  }
  return { "text/plain": inspect(value, { depth: 4, colors: false, maxArrayLength: 100 }) };
}

/** display.toBundle (display/'s formatters: tensors, models, images…). */
function displayFormatter(): Formatter {
  return valueFormatter().toBundle;
}

/**
 * valueBundle for a cell's final value, waiting when the value's Deno-style
 * [Symbol.for("Jupyter.display")]() is async (its rejection is the cell's error).
 */
export function cellValueBundle(value: unknown): MimeBundle | undefined | Promise<MimeBundle | undefined> {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return valueBundle(value);
  let bundle: MimeBundle | undefined | Promise<MimeBundle>;
  try {
    bundle = valueFormatter().toBundleAwaiting(value);
  } catch {
    return valueBundle(value);
  }
  if (bundle instanceof Promise) return bundle;
  return bundle && Object.keys(bundle).length > 0 ? bundle : valueBundle(value);
}
