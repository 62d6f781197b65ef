/**
 * Splits a magic's argument text like a shell does: whitespace separates words, 'single'
 * and "double" quotes group, backslash escapes, and `{expr}` interpolates a TypeScript
 * expression (not inside single quotes; `\{` is a literal brace).
 */
import { MagicUsageError } from "./declaration";

export type WordPart = { kind: "text"; text: string } | { kind: "expr"; code: string };

export interface Word {
  parts: WordPart[];
  /** The word exactly as written. */
  raw: string;
  start: number;
  end: number;
  /** Whether any part of it was quoted (a quoted "-x" is not a flag). */
  quoted: boolean;
}

export function isStatic(word: Word): boolean {
  return word.parts.every((part) => part.kind === "text");
}

/** The word's text with interpolations left as written (`{n}`). */
export function staticText(word: Word): string {
  return word.parts.map((part) => (part.kind === "text" ? part.text : `{${part.code}}`)).join("");
}

export function splitWords(text: string): Word[] {
  const words: Word[] = [];
  let position = 0;
  for (;;) {
    const read = readWord(text, position);
    if (!read) return words;
    words.push(read);
    position = read.end;
  }
}

/** The next word at or after `from`, or undefined when only whitespace is left. */
export function readWord(text: string, from: number): Word | undefined {
  let i = from;
  while (i < text.length && /\s/.test(text[i])) i++;
  if (i >= text.length) return undefined;
  const start = i;
  const parts: WordPart[] = [];
  let buffer = "";
  let quoted = false;
  const flush = () => {
    if (buffer) parts.push({ kind: "text", text: buffer });
    buffer = "";
  };
  const interpolate = () => {
    const close = matchingBrace(text, i + 1);
    flush();
    const code = text.slice(i + 1, close).trim();
    if (!code) throw new MagicUsageError(`Empty {} at column ${i + 1}: put a TypeScript expression inside, or write \\{ for a brace.`);
    parts.push({ kind: "expr", code });
    i = close + 1;
  };
  while (i < text.length && !/\s/.test(text[i])) {
    const char = text[i];
    if (char === "\\" && i + 1 < text.length) {
      buffer += text[i + 1];
      i += 2;
    } else if (char === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new MagicUsageError(`Unclosed ' in: ${text.slice(start).trim()}`);
      buffer += text.slice(i + 1, close);
      quoted = true;
      i = close + 1;
    } else if (char === '"') {
      quoted = true;
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && i + 1 < text.length) {
          buffer += text[i + 1];
          i += 2;
        } else if (text[i] === "{") {
          interpolate();
        } else {
          buffer += text[i++];
        }
      }
      if (i >= text.length) throw new MagicUsageError(`Unclosed " in: ${text.slice(start).trim()}`);
      i++;
    } else if (char === "{") {
      interpolate();
    } else {
      buffer += char;
      i++;
    }
  }
  flush();
  if (parts.length === 0) parts.push({ kind: "text", text: "" });
  return { parts, raw: text.slice(start, i), start, end: i, quoted };
}

/** Index of the `}` closing the `{` just before `from`, skipping strings and nested braces. */
function matchingBrace(text: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < text.length) {
    const char = text[i];
    if (char === "'" || char === '"' || char === "`") {
      i = skipQuoted(text, i);
      continue;
    }
    if (char === "{") depth++;
    if (char === "}" && --depth === 0) return i;
    i++;
  }
  throw new MagicUsageError(`Unclosed { in: ${text.slice(from - 1).trim()}`);
}

function skipQuoted(text: string, open: number): number {
  const quote = text[open];
  let i = open + 1;
  while (i < text.length && text[i] !== quote) {
    if (text[i] === "\\") i++;
    else if (quote === "`" && text[i] === "$" && text[i + 1] === "{") i = matchingBrace(text, i + 2);
    i++;
  }
  return i + 1;
}
