/**
 * Finds the magics in a cell without touching anything inside strings, comments, template
 * literals or regular expressions. A magic is `%name` (or `%%name`) at the start of a line
 * after indentation, or `%name` right after an assignment (`const x = %time f()`); either
 * way it runs to the end of its line. A shell line is `!command` at the start of a line
 * (IPython's `!ls`), unless the code before leaves an expression open (`const ok =⏎ !done`).
 */

export interface MagicSite {
  /** 0-based line number. */
  line: number;
  /** Column of the first `%`. */
  column: number;
  position: "statement" | "expression";
  /** From the first `%` to the end of the line (no line break, no trailing \r). */
  text: string;
}

type Mode = { kind: "code"; braces: number } | { kind: "template" };

const regexAfterWords = new Set(["return", "typeof", "case", "in", "of", "delete", "void", "throw", "new", "else", "do", "yield", "await"]);

export function findMagicSites(code: string): MagicSite[] {
  const sites: MagicSite[] = [];
  // The bottom entry is the cell's own code; each template literal and each `${` inside one pushes.
  const modes: Mode[] = [{ kind: "code", braces: 0 }];
  let atLineStart = true;
  let lastSignificant = "";
  let lastWord = "";
  let i = 0;

  const skipToLineEnd = () => {
    while (i < code.length && code[i] !== "\n") i++;
  };
  // Lines are counted when needed: strings and templates may hide escaped line breaks.
  const lineStartOf = (index: number) => code.lastIndexOf("\n", index - 1) + 1;
  const takeSite = (position: MagicSite["position"]) => {
    let end = code.indexOf("\n", i);
    if (end < 0) end = code.length;
    const line = code.slice(0, i).split("\n").length - 1;
    sites.push({ line, column: i - lineStartOf(i), position, text: code.slice(i, end).replace(/\r$/, "") });
    i = end;
  };

  while (i < code.length) {
    const char = code[i];
    const mode = modes[modes.length - 1];
    if (char === "\n") {
      atLineStart = true;
      i++;
      continue;
    }
    if (mode.kind === "template") {
      if (char === "\\") i += 2;
      else if (char === "`") {
        modes.pop();
        lastSignificant = "`";
        i++;
      } else if (char === "$" && code[i + 1] === "{") {
        modes.push({ kind: "code", braces: 0 });
        i += 2;
      } else i++;
      atLineStart = false;
      continue;
    }
    if (atLineStart && (char === " " || char === "\t" || char === "\r")) {
      i++;
      continue;
    }
    const topLevel = modes.length === 1;
    if (atLineStart && topLevel && char === "%" && /[A-Za-z_%]/.test(code[i + 1] ?? "")) {
      takeSite("statement");
      continue;
    }
    if (atLineStart && topLevel && char === "!" && startsShellCommand(code[i + 1] ?? "") && !leavesExpressionOpen(lastSignificant)) {
      takeSite("statement");
      continue;
    }
    atLineStart = false;
    if (char === " " || char === "\t" || char === "\r") {
      i++;
      continue;
    }
    if (char === "%" && topLevel && /[A-Za-z_]/.test(code[i + 1] ?? "") && isValuePosition(code, lineStartOf(i), i, lastWord)) {
      takeSite("expression");
      continue;
    }
    if (char === "/" && code[i + 1] === "/") {
      skipToLineEnd();
      continue;
    }
    if (char === "/" && code[i + 1] === "*") {
      const close = code.indexOf("*/", i + 2);
      i = close < 0 ? code.length : close + 2;
      continue;
    }
    if (char === "'" || char === '"') {
      i++;
      while (i < code.length && code[i] !== char && code[i] !== "\n") i += code[i] === "\\" ? 2 : 1;
      if (code[i] === char) i++;
      lastSignificant = char;
      lastWord = "";
      continue;
    }
    if (char === "`") {
      modes.push({ kind: "template" });
      i++;
      continue;
    }
    if (char === "/" && startsRegex(lastSignificant, lastWord)) {
      i = skipRegex(code, i);
      lastSignificant = "/";
      lastWord = "";
      continue;
    }
    if (mode.kind === "code" && modes.length > 1) {
      if (char === "{") mode.braces++;
      if (char === "}" && mode.braces-- === 0) {
        modes.pop();
        i++;
        continue;
      }
    }
    if (/[\w$]/.test(char)) {
      const wordMatch = /^[\w$]+/.exec(code.slice(i, i + 64))!;
      lastWord = wordMatch[0];
      lastSignificant = lastWord[lastWord.length - 1];
      i += lastWord.length;
      continue;
    }
    lastSignificant = char;
    lastWord = "";
    i++;
  }
  return sites;
}

/** `!ls`, `!./run.sh`, `!~/bin/x`, `!"my tool"`; not `!==`, `!(a)`, `!!x` or `! x`. */
function startsShellCommand(next: string): boolean {
  return /[A-Za-z_./~"']/.test(next);
}

/** Whether code ending in `lastSignificant` still expects an operand, so a `!` on the next line negates it. */
function leavesExpressionOpen(lastSignificant: string): boolean {
  return lastSignificant !== "" && /[=+\-*/%&|^!~<>?:,([.]/.test(lastSignificant);
}

/** Whether a `%` at `index` stands where a value is expected: after `=`, `=>` or `return`. */
function isValuePosition(code: string, lineStart: number, index: number, lastWord: string): boolean {
  const before = code.slice(lineStart, index).trimEnd();
  if (lastWord === "return" && /\breturn$/.test(before)) return true;
  if (before.endsWith("=>")) return true;
  if (!before.endsWith("=")) return false;
  if (/(<<|>>>?)=$/.test(before)) return true;
  return !/[=!<>]=$/.test(before);
}

function startsRegex(lastSignificant: string, lastWord: string): boolean {
  if (lastWord) return regexAfterWords.has(lastWord);
  return lastSignificant === "" || !/[)\]}\w$'"`]/.test(lastSignificant);
}

function skipRegex(code: string, open: number): number {
  let i = open + 1;
  let inClass = false;
  while (i < code.length && code[i] !== "\n") {
    const char = code[i];
    if (char === "\\") i++;
    else if (char === "[") inClass = true;
    else if (char === "]") inClass = false;
    else if (char === "/" && !inClass) return i + 1;
    i++;
  }
  return i;
}
