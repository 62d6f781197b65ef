import { inspect } from "node:util";
import type { MimeBundle } from "../../interpreter";
import { loadDisplayModule } from "./preloaded-globals";

type Formatter = (value: unknown) => MimeBundle | undefined;

/**
 * The MIME bundle for a cell's final value: display/'s formatter when it is built (rich output for
 * tensors, models, images…), util.inspect text otherwise. `undefined` has no bundle.
 */
export function valueBundle(value: unknown): MimeBundle | undefined {
  if (value === undefined) return undefined;
  const format = displayFormatter();
  if (format) {
    try {
      const bundle = format(value);
      if (bundle && Object.keys(bundle).length > 0) return bundle;
    } catch {
      // a formatter that fails must not hide the value: fall back to text
    }
  }
  return { "text/plain": inspect(value, { depth: 4, colors: false, maxArrayLength: 100 }) };
}

/** display.toBundle, looked up once (null: display/ is not built). */
let formatter: Formatter | null | undefined;

function displayFormatter(): Formatter | undefined {
  if (formatter === undefined) {
    const toBundle = (loadDisplayModule()?.display as { toBundle?: unknown } | undefined)?.toBundle;
    formatter = typeof toBundle === "function" ? (toBundle as Formatter) : null;
  }
  return formatter ?? undefined;
}
