/** The session's input history: %history lists it, %load brings a file into the cell. */
import { promises as fs } from "fs";
import * as path from "path";
import { MagicDefinition, MagicUsageError } from "../declaration";
import { printText, statementOnly } from "./emit";

interface HistoryEntry {
  executionCount: number;
  code: string;
}

/** "4" or "2-5" (inclusive), like IPython's ranges. */
function inRanges(count: number, ranges: Array<[number, number]>): boolean {
  return ranges.length === 0 || ranges.some(([from, to]) => count >= from && count <= to);
}

function parseRange(text: string): [number, number] {
  const match = /^(\d+)(?:[-:](\d+))?$/.exec(text);
  if (!match)
    throw new MagicUsageError(`%history: ${JSON.stringify(text)} is not a range; write N or N-M (like 3 or 2-5).\nUsage: %history [-n] [-l N] [RANGE...]`);
  const from = Number(match[1]);
  return [from, match[2] === undefined ? from : Number(match[2])];
}

export function formatHistory(entries: HistoryEntry[], withNumbers: boolean): string {
  if (entries.length === 0) return "No history yet.";
  return entries
    .map((entry) => {
      if (!withNumbers) return entry.code;
      const label = `${String(entry.executionCount).padStart(4)}: `;
      return entry.code
        .split(/\r?\n/)
        .map((line, i) => (i === 0 ? label : " ".repeat(label.length)) + line)
        .join("\n");
    })
    .join("\n");
}

const history: MagicDefinition = {
  name: "history",
  kind: "line",
  summary: "Print the code of cells run in this session.",
  flags: [
    { name: "numbers", short: "n", type: "bool", help: "prefix each cell with its execution count" },
    { name: "last", short: "l", type: "int", metavar: "N", help: "only the last N cells" },
  ],
  positionals: [{ name: "range", rest: true, optional: true, help: "execution counts: N or N-M (inclusive)" }],
  examples: ["%history -n", "%history -n 2-4 7", "%history -l 3"],
  expand(args, context) {
    statementOnly(context, "history", "it prints the history");
    const ranges = ((args.values.range as string[] | undefined) ?? []).map(parseRange);
    let entries = context.host.history().filter((entry) => inRanges(entry.executionCount, ranges));
    if (typeof args.values.last === "number") entries = entries.slice(-args.values.last);
    return printText(formatHistory(entries, Boolean(args.values.numbers)));
  },
};

const load: MagicDefinition = {
  name: "load",
  kind: "line",
  summary: "Replace the cell with a file's contents (nothing runs; review it and run the cell again).",
  positionals: [{ name: "file", help: "path relative to the notebook's folder" }],
  async expand(args, context) {
    statementOnly(context, "load", "it replaces the cell's text");
    const file = String(args.values.file);
    if (args.code.file !== JSON.stringify(file)) throw new MagicUsageError("%load: FILE must be written out, not computed with {expr}.");
    const absolute = path.resolve(context.host.cwd(), file);
    let text: string;
    try {
      text = await fs.readFile(absolute, "utf8");
    } catch {
      throw new MagicUsageError(`%load: no such file ${file} (looked for ${absolute}).`);
    }
    return { code: "", payload: [{ source: "set_next_input", text: `// %load ${file}\n${text.replace(/\r\n/g, "\n").replace(/\n$/, "")}`, replace: true }] };
  },
};

export const historyMagics: MagicDefinition[] = [history, load];
