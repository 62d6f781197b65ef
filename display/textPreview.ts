import { inspect } from "node:util";

/** The text/plain form of any value, like Node's REPL shows it but bounded in size. */
export function textPreview(value: unknown): string {
  return inspect(value, { depth: 4, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 100, colors: false });
}
