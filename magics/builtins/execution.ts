/** Running and timing code: %time, %timeit, %run. */
import { promises as fs } from "fs";
import * as path from "path";
import { ExpandContext, MagicArgs, MagicDefinition, MagicUsageError } from "../declaration";
import { codeShape, lastExpressionStatement, usesAwait, withoutTrailingComment } from "../code-shape";
import { objectLiteral } from "../literals";
import { valueOrStatement } from "./emit";

function userCode(args: MagicArgs, context: ExpandContext): string {
  let code = withoutTrailingComment(String(args.values.code ?? ""));
  if (context.position === "expression") code = code.replace(/;\s*$/, "");
  return code;
}

function arrow(code: string, block: boolean): string {
  const prefix = usesAwait(code) ? "async () =>" : "() =>";
  return block ? `${prefix} { ${code} }` : `${prefix} (${code})`;
}

const time: MagicDefinition = {
  name: "time",
  kind: "both",
  bodyIsCode: true,
  summary: "Run code once and print its wall-clock and CPU time; the value is kept.",
  rawTail: { name: "code", help: "an expression, a `const x = ...` declaration, or statements", optional: true },
  examples: ["%time fib(25)", "const total = %time data.reduce((a, b) => a + b)", "%%time  (then the cell to time)"],
  expand(args, context) {
    if (context.body !== undefined) {
      if (args.values.code) throw new MagicUsageError("%%time: nothing may follow %%time on its line; the cell below it is what gets timed.");
      return timeCell(context.body);
    }
    const code = userCode(args, context);
    if (!code) throw new MagicUsageError("%time: missing CODE\nUsage: %time CODE");
    const shape = codeShape(code);
    if (context.position === "expression") {
      if (shape.kind !== "expression") throw new MagicUsageError("%time: only an expression can be timed where a value is expected.");
      return `await __magics.time(${arrow(shape.expression, false)})`;
    }
    if (shape.kind === "expression") return `await __magics.time(${arrow(shape.expression, false)});`;
    if (shape.kind === "declaration") return `${shape.head} = await __magics.time(${arrow(shape.initializer, false)});`;
    return `await __magics.time(${arrow(shape.statements, true)});`;
  },
};

/** The body runs at the cell's top level (its declarations stay); the timer wraps the last value. */
function timeCell(body: string): string {
  const last = lastExpressionStatement(body);
  const stopped = last ? `${body.slice(0, last.start)}__magics.stopTimer(${last.expression});${body.slice(last.end)}` : `${body}\n__magics.stopTimer();`;
  return `__magics.startTimer();\n${stopped}`;
}

const timeit: MagicDefinition = {
  name: "timeit",
  kind: "both",
  bodyIsCode: true,
  summary: "Time code over many loops and runs: mean ± std. dev. per loop, like IPython.",
  details:
    "Without -n the loop count is chosen so one run takes at least 0.2 s. Code that awaits is awaited on every loop.\n" +
    "In %%timeit, code after the flags on the first line is setup: it runs once, and the cell body is timed.",
  flags: [
    { name: "number", short: "n", type: "int", metavar: "N", help: "loops per run (default: chosen automatically)" },
    { name: "repeat", short: "r", type: "int", metavar: "R", default: 7, help: "runs" },
    { name: "quiet", short: "q", type: "bool", help: "print nothing" },
    { name: "output", short: "o", type: "bool", help: "return the result (loops, runs, timings) as the value" },
  ],
  rawTail: { name: "code", help: "code to time (for %%timeit: setup code)", optional: true },
  examples: ["%timeit xs.map((x) => x * 2)", "%timeit -n 100 -r 3 await fetchSomething()", "const r = %timeit -q sort(xs)"],
  expand(args, context) {
    for (const key of ["number", "repeat"]) {
      const value = args.values[key];
      if (typeof value === "number" && value < 1) throw new MagicUsageError(`%timeit: ${key === "number" ? "-n" : "-r"} must be at least 1, got ${value}`);
    }
    const options = objectLiteral([
      ["number", args.given.has("number") ? args.code.number : undefined],
      ["repeat", args.code.repeat],
      ["quiet", args.values.quiet ? "true" : undefined],
      ["returnResult", args.values.output || context.position === "expression" ? "true" : undefined],
    ]);
    if (context.body !== undefined) {
      const setup = withoutTrailingComment(String(args.values.code ?? ""));
      const prefix = usesAwait(context.body) ? "async () =>" : "() =>";
      return `{ ${setup ? `${setup.replace(/;?\s*$/, ";")} ` : ""}await __magics.timeit(${prefix} {\n${context.body}\n}, ${options}); }`;
    }
    const code = userCode(args, context);
    if (!code) throw new MagicUsageError("%timeit: missing CODE\nUsage: %timeit [-n N] [-r R] [-q] [-o] CODE");
    const shape = codeShape(code);
    const body = shape.kind === "expression" ? arrow(shape.expression, false) : arrow(code, true);
    return valueOrStatement(context, `await __magics.timeit(${body}, ${options})`);
  },
};

const runnable = new Set([".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs"]);

const run: MagicDefinition = {
  name: "run",
  kind: "line",
  summary: "Run a TypeScript file in the notebook's context: its declarations become the notebook's.",
  details:
    "The file's source is put into the cell in place of the %run line, so it is type-checked and run as part of the cell. " +
    "Lines after %run in the same cell report errors at shifted line numbers; keep %run last or alone in its cell.",
  positionals: [{ name: "file", help: "path to a .ts or .js file, relative to the notebook's folder" }],
  async expand(args, context) {
    if (context.position === "expression") throw new MagicUsageError("%run cannot be used as a value: put it on its own line.");
    const file = String(args.values.file);
    if (!args.given.has("file") || args.code.file !== JSON.stringify(file)) {
      throw new MagicUsageError("%run: FILE must be written out, not computed with {expr}: the file is read before the cell runs.");
    }
    if (!runnable.has(path.extname(file))) throw new MagicUsageError(`%run: ${file} is not a TypeScript or JavaScript file (.ts, .js).`);
    const absolute = path.resolve(context.host.cwd(), file);
    let source: string;
    try {
      source = await fs.readFile(absolute, "utf8");
    } catch {
      throw new MagicUsageError(`%run: no such file ${file} (looked for ${absolute}).`);
    }
    // Exports mean nothing in a notebook cell; the declarations themselves are what %run shares.
    const shared = source.replace(/\r\n/g, "\n").replace(/^export\s+(?=(const|let|var|function|async|class|abstract|interface|type|enum|declare)\b)/gm, "");
    return `/* %run ${file} */ ${shared}`;
  },
};

export const executionMagics: MagicDefinition[] = [time, timeit, run];
