import type { MimeBundle } from "./types";

/**
 * The one way any object says how it wants to be shown: a method under this well-known
 * symbol, or a toMimeBundle() method, returning a MimeBundle.
 */
export const mimeBundleSymbol: unique symbol = Symbol.for("tsfine.mimeBundle") as never;

/**
 * Deno's display protocol, so objects written for Deno notebooks show here too: a method under
 * this symbol returns a MIME bundle (or a promise of one), and that bundle is what is shown,
 * ahead of any other representation.
 */
export const jupyterDisplaySymbol: unique symbol = Symbol.for("Jupyter.display") as never;

export interface HasMimeBundle {
  [mimeBundleSymbol](): MimeBundle;
}

type Method = () => unknown;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";

function checkedBundle(value: unknown): MimeBundle {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as MimeBundle;
  const got = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
  throw new TypeError(`[Symbol.for("Jupyter.display")]() must return a MIME bundle such as { "text/html": "<b>hi</b>" }; it returned ${got}.`);
}

/** The bundle from an object's Jupyter.display method: the bundle, a promise of it, or undefined when it has none. */
export function jupyterDisplayBundle(value: unknown): MimeBundle | Promise<MimeBundle> | undefined {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
  const method = (value as { [jupyterDisplaySymbol]?: unknown })[jupyterDisplaySymbol];
  if (typeof method !== "function") return undefined;
  const result = (method as Method).call(value);
  return isThenable(result) ? Promise.resolve(result).then(checkedBundle) : checkedBundle(result);
}

/** A bundle the cell's value cannot wait for: the value says how to show it. */
export const ASYNC_DISPLAY_NOTE = '<an object whose [Symbol.for("Jupyter.display")]() is async: show it with `await display(value)`>';

export function bundleFromProtocol(value: unknown): MimeBundle | undefined {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
  const deno = jupyterDisplayBundle(value);
  if (deno instanceof Promise) {
    deno.catch(() => undefined); // a cell's value cannot await: the note below says what to do instead
    return { "text/plain": ASYNC_DISPLAY_NOTE };
  }
  if (deno) return deno;
  const candidate = value as { [mimeBundleSymbol]?: unknown; toMimeBundle?: unknown };
  if (typeof candidate[mimeBundleSymbol] === "function") return (candidate[mimeBundleSymbol] as () => MimeBundle)();
  if (typeof candidate.toMimeBundle === "function") return (candidate.toMimeBundle as () => MimeBundle)();
  return undefined;
}
