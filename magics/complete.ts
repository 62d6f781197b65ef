/**
 * Completion inside magics: names after `%`/`%%`, flags after `-`, choices of a flag or
 * positional (`--schedule co` → cosine), and the notebook's names where an argument is a value
 * in the notebook (`%fit ba` → base, batches: `expression` asks the caller for them, as only the
 * type checker knows them). Returns undefined outside a magic so the caller falls back to
 * TypeScript completion.
 */
import { ArgType, FlagDeclaration, MagicDefinition } from "./declaration";
import { findMagicSites } from "./scanner";
import { knownMagics, lookupMagic } from "./expand";
import { splitWords } from "./words";

export interface MagicCompletion {
  matches: string[];
  cursorStart: number;
  cursorEnd: number;
  /**
   * The word being typed is a value in the notebook (`ref` arguments: `model`, `data.test`): this
   * TypeScript, which ends at the cursor, is what to complete, and its completions (starting at
   * `cursorStart`) go after `matches`.
   */
  expression?: string;
}

export function completeMagic(code: string, cursorPos: number, userMagicNames: string[] = []): MagicCompletion | undefined {
  const lineStart = code.lastIndexOf("\n", cursorPos - 1) + 1;
  let lineEnd = code.indexOf("\n", cursorPos);
  if (lineEnd < 0) lineEnd = code.length;
  const lineIndex = countLines(code, lineStart);
  const site = findMagicSites(code).find((s) => s.line === lineIndex);
  if (!site) return undefined;
  const magicStart = lineStart + site.column;
  if (cursorPos < magicStart) return undefined;
  const before = code.slice(magicStart, cursorPos);
  const wordEnd = cursorPos + (/^[\w-]*/.exec(code.slice(cursorPos, lineEnd))?.[0].length ?? 0);

  const nameMatch = /^(%%?)(\w*)$/.exec(before);
  if (nameMatch) {
    const prefix = nameMatch[1];
    const isCellPosition = prefix === "%%";
    const names = [
      ...knownMagics()
        .filter((m) => (isCellPosition ? m.kind !== "line" : m.kind !== "cell"))
        .map((m) => m.name),
      ...(isCellPosition ? [] : userMagicNames),
    ];
    const matches = [...new Set(names)]
      .filter((n) => n.startsWith(nameMatch[2]))
      .sort()
      .map((n) => prefix + n);
    return { matches, cursorStart: magicStart, cursorEnd: wordEnd };
  }

  const header = /^%%?(\w+)\s/.exec(before);
  const definition = header ? lookupMagic(header[1]) : undefined;
  if (!definition) return undefined;
  const argsBefore = before.slice(header![0].length);
  const current = /(\S*)$/.exec(argsBefore)![1];
  const currentStart = cursorPos - current.length;
  const flags = definition.flags ?? [];

  if (current.startsWith("-")) {
    const matches = flags
      .flatMap((f) => [`--${f.name}`])
      .filter((f) => f.startsWith(current))
      .sort();
    return { matches, cursorStart: currentStart, cursorEnd: wordEnd };
  }

  const argument = argumentAt(definition, argsBefore.slice(0, argsBefore.length - current.length), flags);
  const matches = (argument?.choices ?? []).filter((c) => c.startsWith(current));
  if (argument?.type === "ref" && /^[\w$.]*$/.test(current)) return { matches, cursorStart: currentStart, cursorEnd: wordEnd, expression: current };
  return { matches, cursorStart: currentStart, cursorEnd: wordEnd };
}

/** The declaration of the word being typed: the value of the flag before it, or the positional it stands at. */
function argumentAt(definition: MagicDefinition, written: string, flags: FlagDeclaration[]): { type?: ArgType | "bool"; choices?: string[] } | undefined {
  let words: string[];
  try {
    words = splitWords(written).map((w) => w.raw);
  } catch {
    return undefined;
  }
  const previous = words[words.length - 1];
  if (previous?.startsWith("-")) {
    const flag = flags.find((f) => `--${f.name}` === previous || (f.short && `-${f.short}` === previous));
    if (flag && flag.type !== "bool") return { type: flag.type, choices: flag.choices ?? [] };
  }
  let positionalIndex = 0;
  for (let i = 0; i < words.length; i++) {
    if (words[i].startsWith("-")) {
      const flag = flags.find((f) => `--${f.name}` === words[i] || (f.short && `-${f.short}` === words[i]));
      if (flag && flag.type !== "bool" && !words[i].includes("=")) i++;
      continue;
    }
    positionalIndex++;
  }
  const positionals = definition.positionals ?? [];
  const positional = positionals[Math.min(positionalIndex, positionals.length - 1)];
  if (!positional || (positionalIndex >= positionals.length && !positional.rest)) return undefined;
  return positional;
}

function countLines(code: string, end: number): number {
  let count = 0;
  for (let i = 0; i < end; i++) if (code[i] === "\n") count++;
  return count;
}
