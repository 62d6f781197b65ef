/**
 * expandCell: a cell with magics in, plain TypeScript out. A `%%name` first line replaces
 * the whole cell; each `%name` line becomes one line of TypeScript in place, so errors keep
 * the user's line numbers. Nothing runs here: bad input comes back as a message.
 */
import { ExpandContext, ExpansionResult, MagicDefinition, MagicUsageError, Payload, UserMagicSpec } from "./declaration";
import { MagicPrefix, helpText, parseArguments } from "./arguments";
import { MagicHost } from "./host";
import { findMagicSites, MagicSite } from "./scanner";
import { builtinMagics } from "./builtins";
import { MagicRegistry, packageRegistry, registerMagic } from "./registry";
import { nearestNames } from "../tl/nearest-names";
import { joinAlternatives } from "./suggest";
import { printText } from "./builtins/emit";
import { stringLiteral } from "./literals";

export type ExpandOutcome = { ok: true; code: string; payload?: Payload[] } | { ok: false; message: string };

const builtins = new MagicRegistry();
for (const definition of builtinMagics) builtins.add(definition);

export function lookupMagic(name: string): MagicDefinition | undefined {
  return builtins.get(name) ?? packageRegistry.get(name);
}

/** For packages: adds `%name` to every notebook of this kernel (built-in names are taken). */
export function registerPackageMagic(spec: UserMagicSpec): void {
  if (builtins.get(spec.name)) throw new MagicUsageError(`%${spec.name} is a built-in magic; register yours under another name.`);
  registerMagic(spec);
}

/** Built-in and package magics, by name. */
export function knownMagics(): MagicDefinition[] {
  const byName = new Map<string, MagicDefinition>();
  for (const m of [...packageRegistry.all(), ...builtins.all()]) byName.set(m.name, m);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

interface Invocation {
  prefix: MagicPrefix;
  name: string;
  /** "?" for help, "??" for the expansion. */
  question: "" | "?" | "??";
  argsText: string;
}

function parseInvocation(text: string): Invocation | undefined {
  const match = /^(%%?)([A-Za-z_]\w*)(\?\??)?(?:(?=\s)([^]*))?$/.exec(text);
  if (!match) return undefined;
  return { prefix: match[1] as MagicPrefix, name: match[2], question: (match[3] ?? "") as Invocation["question"], argsText: (match[4] ?? "").trim() };
}

const maxNesting = 8;

export async function expandCell(code: string, host: MagicHost, nesting = 0): Promise<ExpandOutcome> {
  try {
    return await expandOrThrow(code, host, nesting);
  } catch (error) {
    if (error instanceof MagicUsageError) return { ok: false, message: error.message };
    throw error;
  }
}

async function expandOrThrow(code: string, host: MagicHost, nesting: number): Promise<ExpandOutcome> {
  if (nesting > maxNesting) throw new MagicUsageError("Magics expand into each other too deeply (a magic that expands to itself?).");
  const source = code.replace(/\r\n/g, "\n");
  const sites = findMagicSites(source);
  if (sites.length === 0) return { ok: true, code };
  const lines = source.split("\n");
  const firstCodeLine = lines.findIndex((line) => line.trim() !== "");

  const first = sites[0];
  if (first.text.startsWith("%%") && first.line === firstCodeLine && first.position === "statement") {
    const body = lines.slice(first.line + 1).join("\n");
    const expanded = await expandSite(first, host, nesting, body);
    if (typeof expanded !== "string") return { ok: true, code: "", payload: expanded.payload };
    return { ok: true, code: [...lines.slice(0, first.line), lines[first.line].slice(0, first.column) + expanded].join("\n") };
  }

  for (const site of [...sites].reverse()) {
    if (site.text.startsWith("%%")) {
      const name = parseInvocation(site.text)?.name ?? site.text.slice(2);
      throw new MagicUsageError(`%%${name} must be on the first line of the cell: a cell magic applies to the whole cell.`);
    }
    const expanded = await expandSite(site, host, nesting);
    if (typeof expanded !== "string") {
      // %load: the cell's text is replaced (the magic's line by the file) and nothing runs.
      const text = expanded.payload?.[0]?.text ?? "";
      const replaced = [...lines.slice(0, site.line), text, ...lines.slice(site.line + 1)].join("\n");
      return { ok: true, code: "", payload: (expanded.payload ?? []).map((p) => ({ ...p, text: replaced })) };
    }
    lines[site.line] = lines[site.line].slice(0, site.column) + expanded;
  }
  return { ok: true, code: lines.join("\n") };
}

/** Expands one magic; a string is code, an object carries payloads instead of code. */
async function expandSite(site: MagicSite, host: MagicHost, nesting: number, body?: string): Promise<string | { payload?: Payload[] }> {
  // `!cmd` is `%sh cmd` (scanner.ts finds it); `const x = %pwd;`: the statement's own semicolon is not an argument.
  const text = site.text.startsWith("!") ? `%sh ${site.text.slice(1)}` : site.text;
  const invocation = parseInvocation(site.position === "expression" ? text.replace(/;\s*$/, "") : text);
  if (!invocation) {
    const written = /^%%?[^\s]*/.exec(site.text)![0];
    throw new MagicUsageError(`${written} is not a magic name: names are letters, digits and _ (%lsmagic lists them).`);
  }
  const { prefix, name, question, argsText } = invocation;
  const isCell = prefix === "%%";
  const position = site.position;
  if (position === "expression" && question) throw new MagicUsageError(`%${name}${question} shows text; put it on a line of its own.`);

  const definition = lookupMagic(name);
  if (!definition) {
    if (host.userMagicNames().includes(name)) return expandUserMagic(invocation, host, position, body);
    throw new MagicUsageError(unknownMagicMessage(prefix, name, host));
  }
  if (isCell && definition.kind === "line") {
    throw new MagicUsageError(`%${name} is a line magic: write %${name} ... on a line of its own (one %).`);
  }
  if (!isCell && definition.kind === "cell") {
    throw new MagicUsageError(`%%${name} is a cell magic: put %%${name} on the first line of the cell, with the content below it.`);
  }
  if (question === "?") return printText(helpText(definition));

  const context: ExpandContext = {
    position,
    body: isCell ? (body ?? "") : undefined,
    host,
    magics: knownMagics,
    expandNested: (nested) => expandCell(nested, host, nesting + 1),
  };
  if (question === "??") {
    const shown = await context.expandNested(isCell ? `%%${name} ${argsText}\n${body ?? ""}` : `%${name} ${argsText}`);
    if (!shown.ok) throw new MagicUsageError(shown.message);
    return printText(shown.code);
  }
  if (isCell && definition.bodyIsCode && context.body) {
    const inner = await expandCell(context.body, host, nesting + 1);
    if (!inner.ok) throw new MagicUsageError(inner.message);
    context.body = inner.code;
  }
  const args = parseArguments(definition, argsText, prefix);
  const result: ExpansionResult = await definition.expand(args, context);
  return typeof result === "string" ? result : result.payload ? { payload: result.payload } : result.code;
}

async function expandUserMagic(invocation: Invocation, host: MagicHost, position: MagicSite["position"], body?: string): Promise<string> {
  const { name, question, argsText, prefix } = invocation;
  if (question === "?") return `__magics.printUserMagicHelp(${stringLiteral(name)});`;
  let code: string;
  try {
    code = await host.expandUserMagic(name, argsText, prefix === "%%" ? (body ?? "") : undefined);
  } catch (error) {
    throw new MagicUsageError((error as Error).message || String(error));
  }
  if (question === "??") return printText(code);
  return position === "expression" ? code.trim().replace(/;$/, "") : code;
}

function unknownMagicMessage(prefix: MagicPrefix, name: string, host: MagicHost): string {
  const candidates = [
    ...knownMagics()
      .filter((m) => (prefix === "%%" ? m.kind !== "line" : m.kind !== "cell"))
      .map((m) => m.name),
    ...host.userMagicNames(),
  ];
  const near = nearestNames(name, candidates).map((n) => `${prefix}${n}`);
  const hint = near.length ? ` Did you mean ${joinAlternatives(near)}?` : "";
  return `Unknown magic ${prefix}${name}.${hint} (%lsmagic lists them)`;
}
