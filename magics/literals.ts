/** Small helpers for writing TypeScript source safely. */
import type { WordPart } from "./words";

const reservedWords = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "let static yield await implements interface package private protected public"
  ).split(" "),
);

export function isIdentifier(text: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(text) && !reservedWords.has(text);
}

/** A string literal; JSON's escaping is valid TypeScript and keeps it on one line. */
export function stringLiteral(text: string): string {
  return JSON.stringify(text)
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** A template literal joining text and `${expr}` parts. */
export function templateLiteral(parts: WordPart[]): string {
  const body = parts.map((part) => (part.kind === "expr" ? `\${${part.code}}` : part.text.replace(/[`\\]|\$\{/g, (m) => `\\${m}`))).join("");
  return `\`${body}\``;
}

/** `{a: 1, b: "x"}` from entries whose values are already code; undefined entries are left out. */
export function objectLiteral(entries: Array<[string, string | undefined]>): string {
  const present = entries.filter((entry): entry is [string, string] => entry[1] !== undefined);
  return `{ ${present.map(([key, code]) => `${key}: ${code}`).join(", ")} }`;
}
