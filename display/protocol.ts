import type { MimeBundle } from "./types";

/**
 * The one way any object says how it wants to be shown: a method under this well-known
 * symbol, or a toMimeBundle() method, returning a MimeBundle.
 */
export const mimeBundleSymbol: unique symbol = Symbol.for("tsfine.mimeBundle") as never;

export interface HasMimeBundle {
  [mimeBundleSymbol](): MimeBundle;
}

export function bundleFromProtocol(value: unknown): MimeBundle | undefined {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
  const candidate = value as { [mimeBundleSymbol]?: unknown; toMimeBundle?: unknown };
  if (typeof candidate[mimeBundleSymbol] === "function") return (candidate[mimeBundleSymbol] as () => MimeBundle)();
  if (typeof candidate.toMimeBundle === "function") return (candidate.toMimeBundle as () => MimeBundle)();
  return undefined;
}
