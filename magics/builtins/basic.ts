/** Magics about magics (%lsmagic, %magic, %expand) and the kernel's own settings (%typecheck). */
import { MagicDefinition, MagicUsageError } from "../declaration";
import { stringLiteral } from "../literals";
import { printText, statementOnly } from "./emit";

const lsmagic: MagicDefinition = {
  name: "lsmagic",
  kind: "line",
  summary: "List every available magic.",
  expand(_args, context) {
    const magics = context.magics();
    const line = magics.filter((m) => m.kind !== "cell").map((m) => `%${m.name}`);
    const cell = magics.filter((m) => m.kind !== "line").map((m) => `%%${m.name}`);
    const sections = [`Available line magics:\n${line.join("  ")}`, `Available cell magics:\n${cell.join("  ")}`];
    const user = context.host.userMagicNames();
    if (user.length) sections.push(`Registered in this session (tsfine.registerMagic):\n${user.map((n) => `%${n}`).join("  ")}`);
    sections.push("%name? shows a magic's help; %name?? (or %expand %name ...) shows the TypeScript it runs.");
    return printText(sections.join("\n\n"));
  },
};

const magic: MagicDefinition = {
  name: "magic",
  kind: "line",
  summary: "Describe every magic in one line each.",
  expand(_args, context) {
    const rows = context.magics().map((m) => {
      const written = m.kind === "cell" ? `%%${m.name}` : m.kind === "both" ? `%${m.name}, %%${m.name}` : `%${m.name}`;
      return `  ${written.padEnd(24)}${m.summary}`;
    });
    const text = [
      "Magics are shortcuts that expand to plain TypeScript before the cell runs.",
      "%name ... on its own line (or after `const x =`) is a line magic; %%name on a cell's first line applies to the whole cell.",
      "Arguments read like a shell: quotes, --flag value, --flag=value, -n 5, and {expr} inserts a TypeScript value.",
      "",
      ...rows,
      "",
      "%name? for one magic's help, %name?? or %expand to see its TypeScript.",
    ].join("\n");
    return printText(text);
  },
};

const expand: MagicDefinition = {
  name: "expand",
  kind: "both",
  summary: "Show the TypeScript a magic (or a whole cell, with %%expand) expands to, without running it.",
  rawTail: { name: "source", help: "the magic to expand, e.g. %fit model data --epochs 3", optional: true },
  examples: ["%expand %fit model data --epochs 3", "%%expand  (then a cell with magics below)"],
  async expand(args, context) {
    statementOnly(context, "expand", "it prints the expansion");
    let source = context.body ?? String(args.values.source ?? "");
    if (context.body === undefined) {
      if (!source.trim()) throw new MagicUsageError("%expand: missing SOURCE\nUsage: %expand %name ARGS...");
      if (!source.trimStart().startsWith("%")) source = `%${source.trimStart()}`;
    }
    const expanded = await context.expandNested(source);
    if (!expanded.ok) throw new MagicUsageError(expanded.message);
    return printText(expanded.code);
  },
};

const typecheck: MagicDefinition = {
  name: "typecheck",
  kind: "line",
  summary: "Choose whether type errors stop a cell (on), are shown as warnings (warn), or are not checked (off).",
  positionals: [{ name: "mode", choices: ["on", "warn", "off"], help: "on: errors stop the cell; warn: print them and run; off: skip checking" }],
  expand(args, context) {
    statementOnly(context, "typecheck", "it changes a kernel setting");
    return `tsfine.setTypecheck(${stringLiteral(String(args.values.mode))});`;
  },
};

export const basicMagics: MagicDefinition[] = [lsmagic, magic, expand, typecheck];
