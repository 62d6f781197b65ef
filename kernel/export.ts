/**
 * `tsfine export NOTEBOOK.ipynb [-o FILE.ts]`: the notebook as one TypeScript script that
 * runs with plain Node (`npx tsx FILE.ts`). Magics are expanded to the code they stand for,
 * the kernel's globals (tf, tl, display, __magics) are imported, imports inside cells are
 * hoisted, and the cells run in order inside one async main() so top-level await works.
 */
import { promises as fs } from "fs";
import * as path from "path";
import * as ts from "typescript";
import { expandCell, MagicHost } from "../magics";

interface NotebookCell {
  cell_type: string;
  source: string | string[];
}

interface Notebook {
  nbformat?: number;
  cells: NotebookCell[];
}

export interface ScriptOptions {
  /** Folder %run, %load and relative paths resolve from (the notebook's). */
  notebookDir: string;
  /** Module specifier for a tsfine module: "tl", "display", "magics/runtime". */
  tsfineModule(relative: string): string;
  /** Shown in the header comment. */
  notebookName: string;
}

function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : (cell.source ?? "");
}

export function parseNotebook(text: string, where: string): Notebook {
  let parsed: Notebook;
  try {
    parsed = JSON.parse(text) as Notebook;
  } catch {
    throw new Error(`${where} is not a notebook: it is not valid JSON.`);
  }
  if (!Array.isArray(parsed?.cells)) throw new Error(`${where} is not an nbformat 4 notebook (no "cells" list).`);
  if (parsed.nbformat !== undefined && parsed.nbformat < 4)
    throw new Error(`${where} is nbformat ${parsed.nbformat}; only nbformat 4 can be exported (convert it with jupyter nbconvert --to notebook).`);
  return parsed;
}

/** Identifiers used as free names (not after a dot), for deciding which globals to import. */
function freeIdentifiers(code: string): Set<string> {
  const names = new Set<string>();
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, code);
  let previous = ts.SyntaxKind.Unknown;
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.Identifier && previous !== ts.SyntaxKind.DotToken && previous !== ts.SyntaxKind.QuestionDotToken) {
      names.add(scanner.getTokenValue());
    }
    previous = token;
  }
  return names;
}

/** Splits a cell into its import declarations (hoisted to the top) and the rest, with its last value printed. */
function arrangeCell(code: string): { imports: string[]; body: string } {
  const source = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const imports: string[] = [];
  const edits: Array<{ start: number; end: number; text: string }> = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement)) {
      imports.push(statement.getText(source));
      edits.push({ start: statement.getStart(source), end: statement.getEnd(), text: "" });
    }
  }
  const last = source.statements[source.statements.length - 1];
  // display() already shows its output; its return value is not the cell's result.
  if (last && ts.isExpressionStatement(last) && !/^display\b/.test(last.expression.getText(source))) {
    // The notebook shows a cell's last value; the script prints it.
    edits.push({ start: last.getStart(source), end: last.getEnd(), text: `__magics.showResult(${last.expression.getText(source)});` });
  }
  let body = code;
  for (const edit of edits.sort((a, b) => b.start - a.start)) body = body.slice(0, edit.start) + edit.text + body.slice(edit.end);
  return { imports, body: body.replace(/\s+$/, "") };
}

function exportHost(notebookDir: string, previous: Array<{ executionCount: number; code: string }>): MagicHost {
  return {
    history: () => previous,
    cwd: () => notebookDir,
    expandUserMagic: async (name) => {
      throw new Error(`%${name} was registered with tsfine.registerMagic while the notebook ran; export cannot expand it.`);
    },
    userMagicNames: () => [],
  };
}

export async function notebookToScript(notebook: Notebook, options: ScriptOptions): Promise<string> {
  const hoisted: string[] = [];
  const cells: string[] = [];
  const history: Array<{ executionCount: number; code: string }> = [];
  let cellNumber = 0;
  for (const cell of notebook.cells) {
    if (cell.cell_type !== "code") continue;
    cellNumber++;
    const source = cellSource(cell);
    const expanded = await expandCell(source, exportHost(options.notebookDir, [...history]));
    history.push({ executionCount: cellNumber, code: source });
    if (!expanded.ok) throw new Error(`cell ${cellNumber}: ${expanded.message}`);
    const { imports, body } = arrangeCell(expanded.code);
    hoisted.push(...imports);
    cells.push(`// ---- cell ${cellNumber} ----\n${body || "// (nothing to run)"}`);
  }

  const used = freeIdentifiers(cells.join("\n"));
  const runtimeNames = ["magicsRuntime as __magics", ...(used.has("tsfine") ? ["standaloneTsfine as tsfine"] : [])];
  const preamble = [
    `// Exported from ${options.notebookName} by \`tsfine export\`. Run it with: npx tsx <this file>`,
    "// Magics are expanded to the TypeScript they stand for; each cell's last value is printed.",
    ...(used.has("tf") ? [`import * as tf from "@tensorflow/tfjs";`] : []),
    ...(used.has("tl") ? [`import { tl } from ${JSON.stringify(options.tsfineModule("tl"))};`] : []),
    ...(used.has("display") || used.has("plot") || used.has("widgets")
      ? [`import { ${["display", "plot", "widgets"].filter((n) => used.has(n)).join(", ")} } from ${JSON.stringify(options.tsfineModule("display"))};`]
      : []),
    `import { ${runtimeNames.join(", ")} } from ${JSON.stringify(options.tsfineModule("magics/runtime"))};`,
    ...[...new Set(hoisted)],
  ];
  const start = used.has("tl") ? ["await tl.backend.init();", ""] : [];
  return [
    ...preamble,
    "",
    "async function main(): Promise<void> {",
    ...start,
    cells.join("\n\n"),
    "}",
    "",
    "main().catch((error: unknown) => {",
    "  console.error(error);",
    "  process.exitCode = 1;",
    "});",
    "",
  ].join("\n");
}

/** "tsfine/dist/tl" where the script's folder can resolve the tsfine package, else a relative path to this build. */
function moduleResolver(outDir: string): (relative: string) => string {
  try {
    require.resolve("tsfine/package.json", { paths: [outDir] });
    return (relative) => `tsfine/dist/${relative}`;
  } catch {
    // This file is dist/kernel/export.js (or kernel/export.ts when run from source).
    const root = path.resolve(__dirname, "..");
    return (relative) => {
      const target = path.relative(outDir, path.join(root, relative)).split(path.sep).join("/");
      return target.startsWith(".") ? target : `./${target}`;
    };
  }
}

/** Writes the script next to the notebook (or to `out`); returns the path written. */
export async function exportNotebook(notebookPath: string, out?: string): Promise<string> {
  const absolute = path.resolve(notebookPath);
  let text: string;
  try {
    text = await fs.readFile(absolute, "utf8");
  } catch {
    throw new Error(`cannot read ${notebookPath}: no such file.`);
  }
  const notebook = parseNotebook(text, notebookPath);
  const outPath = path.resolve(out ?? absolute.replace(/\.ipynb$/i, "") + ".ts");
  const script = await notebookToScript(notebook, {
    notebookDir: path.dirname(absolute),
    tsfineModule: moduleResolver(path.dirname(outPath)),
    notebookName: path.basename(absolute),
  });
  await fs.mkdir(path.dirname(outPath), { recursive: true });
  await fs.writeFile(outPath, script);
  return outPath;
}

const usage = "Usage: tsfine export NOTEBOOK.ipynb [-o FILE.ts]";

/** The `tsfine export` command; returns the exit status. */
export async function runExportCommand(argv: string[]): Promise<number> {
  const args = argv[0] === "export" ? argv.slice(1) : [...argv];
  let notebook: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-h" || arg === "--help") {
      console.log(`${usage}\nWrites the notebook as one TypeScript script with every magic expanded (default: NOTEBOOK.ts).`);
      return 0;
    }
    if (arg === "-o" || arg === "--output") out = args[++i];
    else if (arg.startsWith("--output=")) out = arg.slice("--output=".length);
    else if (arg.startsWith("-")) {
      console.error(`tsfine export: unknown option ${arg}\n${usage}`);
      return 2;
    } else if (!notebook) notebook = arg;
    else {
      console.error(`tsfine export: one notebook at a time (got ${notebook} and ${arg})\n${usage}`);
      return 2;
    }
  }
  if (!notebook || (args.includes("-o") && !out)) {
    console.error(usage);
    return 2;
  }
  try {
    const written = await exportNotebook(notebook, out);
    const shown = path.relative(process.cwd(), written) || written;
    console.log(`Wrote ${shown}. Run it with: npx tsx ${shown}`);
    return 0;
  } catch (error) {
    console.error(`tsfine export: ${(error as Error).message}`);
    return 1;
  }
}

/** The command-module shape kernel/cli.ts loads (`run(args)`). */
export const run = runExportCommand;
