import { withSeparatePlotlyLibrary } from "./plotly/plotly-bundle";
import { richestBundle } from "./to-bundle";
import type { MimeBundle, RichOutput } from "./types";

/** A plain object whose keys are all MIME types ("text/html", ...) is taken as a ready bundle. */
export function looksLikeMimeBundle(value: unknown): value is MimeBundle {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => /^[a-z]+\/[\w.+-]+$/i.test(key));
}

/**
 * What an updatable output shows for a value. Figures shown this way get plotly.js as a
 * separate output, because later updates replace this output's HTML and the library must
 * stay in the saved notebook.
 */
export function outputForUpdatable(value: unknown): RichOutput {
  if (looksLikeMimeBundle(value)) return { data: value };
  return { data: withSeparatePlotlyLibrary(() => richestBundle(value, false)) };
}
