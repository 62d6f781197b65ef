/** Wording for "Did you mean ...?" hints; the nearest names themselves come from tl/nearest-names. */

/** "a", "a or b", "a, b or c". */
export function joinAlternatives(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}
