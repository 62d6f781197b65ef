import { inspect } from "node:util";

/** The text/plain form of any value, like Node's REPL shows it but bounded in size. */
export function textPreview(value: unknown): string {
  return primitiveText(value) ?? inspect(value, { depth: 4, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 100, colors: false });
}

/**
 * What inspect writes for a number, boolean, bigint or null, written directly: a cell's `1+1` comes here
 * and inspect's option handling was a measurable part of its round trip. Strings and symbols go to inspect.
 */
function primitiveText(value: unknown): string | undefined {
  switch (typeof value) {
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "boolean":
      return String(value);
    case "bigint":
      return `${value}n`;
    default:
      return value === null ? "null" : undefined;
  }
}
