/**
 * Reads a magic's argument text against its declaration: flags, positionals, types,
 * choices, defaults. Every mistake becomes a MagicUsageError that names what was wrong and
 * ends with the usage line.
 */
import { ArgType, ArgValue, FlagDeclaration, MagicArgs, MagicDeclaration, MagicUsageError, PositionalDeclaration, flagKey } from "./declaration";
import { Word, isStatic, readWord, staticText } from "./words";
import { nearestNames } from "../tl/nearest-names";
import { joinAlternatives } from "./suggest";
import { isIdentifier, templateLiteral } from "./literals";

/** `%name` for line use, `%%name` for cell use. */
export type MagicPrefix = "%" | "%%";

export function parseArguments(declaration: MagicDeclaration, text: string, prefix: MagicPrefix = "%"): MagicArgs {
  const fail = (problem: string): never => {
    throw new MagicUsageError(`${prefix}${declaration.name}: ${problem}\nUsage: ${usageLine(declaration, prefix)}`);
  };
  const args: MagicArgs = { text, values: {}, code: {}, given: new Set() };
  const flags = declaration.flags ?? [];
  const positionalWords: Word[] = [];
  let position = 0;
  let flagsEnded = false;

  const set = (key: string, value: ArgValue, code: string) => {
    args.values[key] = value;
    args.code[key] = code;
    args.given.add(key);
  };

  for (;;) {
    if (declaration.rawTail && (flagsEnded || !startsWithFlag(text, position))) {
      const rest = text
        .slice(position)
        .replace(/^\s*(--\s)?/, "")
        .trim();
      if (rest) set(declaration.rawTail.name, rest, rest);
      break;
    }
    let word: Word | undefined;
    try {
      word = readWord(text, position);
    } catch (error) {
      fail((error as Error).message);
    }
    if (!word) break;
    position = word.end;
    if (!flagsEnded && !word.quoted && word.raw === "--") {
      flagsEnded = true;
      continue;
    }
    if (!flagsEnded && !word.quoted && isFlagWord(word.raw)) {
      position = readFlag(word, () => {
        const next = readWord(text, position);
        if (next) position = next.end;
        return next;
      });
      continue;
    }
    positionalWords.push(word);
  }

  function readFlag(word: Word, nextWord: () => Word | undefined): number {
    const raw = word.raw;
    if (raw.startsWith("--")) {
      const [name, ...valueParts] = raw.slice(2).split("=");
      const flag = flags.find((f) => f.name === name || f.name === name.replace(/_/g, "-"));
      if (!flag) unknownFlag(`--${name}`);
      const attached = valueParts.length ? wordFromSlice(word, raw.indexOf("=") + 1) : undefined;
      takeFlag(flag!, `--${flag!.name}`, attached, nextWord);
    } else {
      const letters = raw.slice(1);
      const first = flags.find((f) => f.short === letters[0]);
      if (!first) unknownFlag(`-${letters[0]}`);
      if (flagType(first!) !== "bool") {
        takeFlag(first!, `-${letters[0]}`, letters.length > 1 ? wordFromSlice(word, 2) : undefined, nextWord);
      } else {
        for (const letter of letters) {
          const flag = flags.find((f) => f.short === letter);
          if (!flag || flagType(flag) !== "bool") unknownFlag(`-${letter}`);
          set(flagKey(flag!.name), true, "true");
        }
      }
    }
    return position;
  }

  function takeFlag(flag: FlagDeclaration, written: string, attached: Word | undefined, nextWord: () => Word | undefined): void {
    const key = flagKey(flag.name);
    const type = flagType(flag);
    if (type === "bool") {
      if (attached) fail(`${written} takes no value`);
      set(key, true, "true");
      return;
    }
    const valueWord = attached ?? nextWord();
    if (!valueWord || (!valueWord.quoted && isFlagWord(valueWord.raw))) {
      fail(`${written} needs a value (${metavar(flag)})`);
    }
    const converted = convert(valueWord!, type, written, flag.choices, fail);
    set(key, converted.value, converted.code);
  }

  function unknownFlag(written: string): never {
    const known = flags.flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]);
    const near = nearestNames(written, known);
    const hint = near.length ? ` Did you mean ${joinAlternatives(near)}?` : known.length ? "" : ` %${declaration.name} takes no flags.`;
    return fail(`unknown flag ${written}.${hint}`);
  }

  const positionals = declaration.positionals ?? [];
  let index = 0;
  for (const declared of positionals) {
    const label = declared.name.toUpperCase();
    if (declared.rest) {
      const words = positionalWords.slice(index);
      index = positionalWords.length;
      if (!words.length) {
        if (!declared.optional) fail(`missing ${label}`);
        continue;
      }
      const converted = words.map((w) => convert(w, declared.type ?? "string", label, declared.choices, fail));
      set(
        declared.name,
        converted.map((c) => String(c.value)),
        `[${converted.map((c) => c.code).join(", ")}]`,
      );
      continue;
    }
    const word = positionalWords[index];
    if (!word) {
      if (!declared.optional) fail(`missing ${label}`);
      continue;
    }
    index++;
    const converted = convert(word, declared.type ?? "string", label, declared.choices, fail);
    set(declared.name, converted.value, converted.code);
  }
  if (index < positionalWords.length) {
    fail(`unexpected argument ${JSON.stringify(positionalWords[index].raw)}`);
  }

  for (const flag of flags) {
    const key = flagKey(flag.name);
    if (args.given.has(key)) continue;
    if (flag.required) fail(`missing --${flag.name} ${metavar(flag)}`);
    if (flag.default !== undefined) {
      args.values[key] = flag.default;
      args.code[key] = typeof flag.default === "string" ? JSON.stringify(flag.default) : String(flag.default);
    } else if (flagType(flag) === "bool") {
      args.values[key] = false;
      args.code[key] = "false";
    }
  }
  if (declaration.rawTail && !declaration.rawTail.optional && !args.given.has(declaration.rawTail.name)) {
    fail(`missing ${declaration.rawTail.name.toUpperCase()}`);
  }
  return args;
}

function flagType(flag: FlagDeclaration): ArgType | "bool" {
  return flag.type ?? "string";
}

/** `-x`, `--name`, `--name=value`: a dash then a letter. `-5` is a number, not a flag. */
function isFlagWord(raw: string): boolean {
  return /^--?[A-Za-z]/.test(raw);
}

function startsWithFlag(text: string, from: number): boolean {
  return /^\s*--?[A-Za-z]/.test(text.slice(from)) || /^\s*--(\s|$)/.test(text.slice(from));
}

/** The part of a flag word after `--name=` or `-n`, as a word of its own. */
function wordFromSlice(word: Word, rawOffset: number): Word {
  const reread = readWord(word.raw.slice(rawOffset) || "''", 0)!;
  return { ...reread, start: word.start + rawOffset, end: word.end };
}

interface Converted {
  value: ArgValue;
  code: string;
}

function convert(word: Word, type: ArgType, label: string, choices: string[] | undefined, fail: (problem: string) => never): Converted {
  if (!isStatic(word)) {
    // Checked by the type checker and at run time instead: the value is not known yet.
    if (type === "name") fail(`${label} must be a plain variable name, not an interpolation`);
    const parts = word.parts;
    const whole = parts.length === 1 && parts[0].kind === "expr" ? parts[0].code : undefined;
    const numeric = type === "int" || type === "float";
    const code = whole !== undefined ? `(${whole})` : numeric ? `Number(${templateLiteral(parts)})` : templateLiteral(parts);
    return { value: staticText(word), code };
  }
  const text = staticText(word);
  if (choices && !choices.includes(text)) {
    const near = nearestNames(text, choices, 1);
    fail(`${label} must be one of ${choices.join(", ")}; got ${JSON.stringify(text)}${near.length ? ` (did you mean ${near[0]}?)` : ""}`);
  }
  switch (type) {
    case "int":
      if (!/^[-+]?\d+$/.test(text)) fail(`${label} expects a whole number, got ${JSON.stringify(text)}`);
      return { value: Number(text), code: String(Number(text)) };
    case "float": {
      const number = Number(text);
      if (text.trim() === "" || !Number.isFinite(number)) fail(`${label} expects a number, got ${JSON.stringify(text)}`);
      return { value: number, code: String(number) };
    }
    case "name":
      if (!isIdentifier(text)) fail(`${label} must be a variable name, got ${JSON.stringify(text)}`);
      return { value: text, code: text };
    case "ref":
      if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*|\[\d+\])*$/.test(text) || !isIdentifier(text.split(/[.[]/)[0])) {
        fail(`${label} must name a variable (like model or data.test), got ${JSON.stringify(text)}; use {expr} for an expression`);
      }
      return { value: text, code: text };
    default:
      return { value: text, code: JSON.stringify(text) };
  }
}

function metavar(flag: FlagDeclaration): string {
  if (flag.choices) return `{${flag.choices.join(",")}}`;
  return (
    flag.metavar ??
    flagKey(flag.name)
      .replace(/[A-Z]/g, (c) => `_${c}`)
      .toUpperCase()
  );
}

function flagUsage(flag: FlagDeclaration): string {
  const written = flag.short ? `-${flag.short}` : `--${flag.name}`;
  const text = flagType(flag) === "bool" ? written : `${written} ${metavar(flag)}`;
  return flag.required ? text : `[${text}]`;
}

function positionalUsage(positional: PositionalDeclaration): string {
  const label = positional.choices ? `{${positional.choices.join(",")}}` : positional.name.toUpperCase();
  const text = positional.rest ? `${label}...` : label;
  return positional.optional ? `[${text}]` : text;
}

/** `%fit MODEL DATA [--epochs N] [--lr X]` */
export function usageLine(declaration: MagicDeclaration, prefix?: MagicPrefix): string {
  const written = prefix ?? (declaration.kind === "cell" ? "%%" : "%");
  const parts = [`${written}${declaration.name}`];
  const flags = declaration.flags ?? [];
  if (declaration.rawTail) parts.push(...flags.map(flagUsage));
  parts.push(...(declaration.positionals ?? []).map(positionalUsage));
  if (!declaration.rawTail) parts.push(...flags.map(flagUsage));
  if (declaration.rawTail) {
    const tail = declaration.rawTail.name.toUpperCase();
    parts.push(declaration.rawTail.optional ? `[${tail}]` : tail);
  }
  return parts.join(" ");
}

/** What `%name?` prints. */
export function helpText(declaration: MagicDeclaration): string {
  const lines: string[] = [];
  if (declaration.kind === "both") {
    lines.push(`Usage: ${usageLine(declaration, "%")}`);
    lines.push(`       ${usageLine(declaration, "%%")}  (cell: runs over the rest of the cell)`);
  } else {
    lines.push(`Usage: ${usageLine(declaration)}`);
  }
  lines.push("", declaration.summary);
  if (declaration.details) lines.push("", declaration.details);
  const rows: Array<[string, string]> = [];
  for (const positional of declaration.positionals ?? []) {
    rows.push([positional.name.toUpperCase(), describe(positional.help, undefined, positional.choices)]);
  }
  if (declaration.rawTail) rows.push([declaration.rawTail.name.toUpperCase(), declaration.rawTail.help]);
  if (rows.length) lines.push("", "Arguments:", ...table(rows));
  const flagRows: Array<[string, string]> = (declaration.flags ?? []).map((flag) => {
    const names = [flag.short ? `-${flag.short}` : "", `--${flag.name}`].filter(Boolean).join(", ");
    const written = flagType(flag) === "bool" ? names : `${names} ${metavar(flag)}`;
    return [written, describe(flag.help, flag.default, undefined, flag.required)];
  });
  if (flagRows.length) lines.push("", "Options:", ...table(flagRows));
  if (declaration.examples?.length) lines.push("", "Examples:", ...declaration.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}

function describe(help: string | undefined, fallback: unknown, choices?: string[], required?: boolean): string {
  let text = help ?? "";
  if (choices) text += `${text ? " " : ""}(one of ${choices.join(", ")})`;
  if (fallback !== undefined && fallback !== false) text += `${text ? " " : ""}(default: ${String(fallback)})`;
  if (required) text += `${text ? " " : ""}(required)`;
  return text;
}

function table(rows: Array<[string, string]>): string[] {
  const width = Math.min(28, Math.max(...rows.map(([left]) => left.length)) + 2);
  return rows.map(([left, right]) => `  ${left.length + 2 > width ? `${left}  ` : left.padEnd(width)}${right}`.trimEnd());
}
