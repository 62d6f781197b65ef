import { displayState } from "./state";
import type { MimeBundle } from "./types";

/**
 * The public formatter registry: tl/ registers how tensors, models and its own result types
 * look. Formatters are checked before the built-in ones, the most recently registered first,
 * so a later, more specific registration wins. A formatter returning undefined passes.
 */
export function registerFormatter<T>(predicate: (value: unknown) => value is T, format: (value: T) => MimeBundle | undefined): () => void;
export function registerFormatter(predicate: (value: unknown) => boolean, format: (value: never) => MimeBundle | undefined): () => void;
export function registerFormatter(predicate: (value: unknown) => boolean, format: (value: never) => MimeBundle | undefined): () => void {
  // the predicate has checked the value's type, so the formatter may take it as unknown
  const entry = { predicate, format: format as (value: unknown) => MimeBundle | undefined };
  displayState().formatters.unshift(entry);
  return () => {
    const list = displayState().formatters;
    const index = list.indexOf(entry);
    if (index >= 0) list.splice(index, 1);
  };
}

export function formatWithRegistry(value: unknown): MimeBundle | undefined {
  for (const { predicate, format } of displayState().formatters) {
    if (predicate(value)) {
      const bundle = format(value);
      if (bundle) return bundle;
    }
  }
  return undefined;
}
