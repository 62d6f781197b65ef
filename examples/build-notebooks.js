#!/usr/bin/env node
/**
 * Writes the example notebooks from the readable sources in examples/src/*.md, and with
 * --execute runs each one through `tsfine run` (which stores what it ran on, as %versions shows it).
 *
 *   node examples/build-notebooks.js                     write every notebook, without outputs
 *   node examples/build-notebooks.js --execute           write, execute in place, record environment
 *   node examples/build-notebooks.js --execute quickstart less-data   only these
 *
 * A source is Markdown: each fenced block opened with ```ts becomes a code cell (words after
 * `ts` are the cell's tags, e.g. ```ts parameters), the text between blocks becomes markdown
 * cells (a line holding only `+++` starts a new one). Executing needs `npx tsc -p tsconfig.json` first.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const examplesDir = __dirname;
const repoRoot = path.resolve(examplesDir, "..");
const srcDir = path.join(examplesDir, "src");

/** The notebooks in the order a reader should take them. */
const order = ["quickstart", "less-data", "freeze-and-unfreeze", "bring-your-own-data", "text-transfer"];

/** nbformat stores source as a list of lines, each keeping its "\n" except the last. */
function sourceLines(text) {
  const lines = text.split("\n");
  return lines.map((l, i) => (i < lines.length - 1 ? l + "\n" : l));
}

/** Cells of a Markdown source: [{ type: "markdown" | "code", source, tags? }]. */
function parseSource(text) {
  const cells = [];
  let markdown = [];
  const flush = () => {
    const body = markdown.join("\n").trim();
    if (body) cells.push({ type: "markdown", source: body });
    markdown = [];
  };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^```ts\b(.*)$/);
    if (open) {
      flush();
      const body = [];
      for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i]);
      const tags = open[1].trim().split(/\s+/).filter(Boolean);
      cells.push({ type: "code", source: body.join("\n"), tags: tags.length ? tags : undefined });
    } else if (lines[i].trim() === "+++") {
      flush();
    } else {
      markdown.push(lines[i]);
    }
  }
  flush();
  return cells;
}

/** The last two cells of every notebook: what ran it (`tsfine run` also stores it in the metadata). */
const environmentCells = [
  { type: "markdown", source: "## What ran this notebook\n\nThe versions and the backend behind the numbers above (also stored in the notebook's metadata)." },
  { type: "code", source: "%versions" },
];

function buildNotebook(name) {
  const text = fs.readFileSync(path.join(srcDir, `${name}.md`), "utf8");
  const title = text.match(/^# (.+)$/m)?.[1] ?? name;
  const cells = [...parseSource(text), ...environmentCells].map((cell, i) => {
    const id = `${name}-${String(i).padStart(2, "0")}`;
    const metadata = cell.tags ? { tags: cell.tags } : {};
    const source = sourceLines(cell.source);
    return cell.type === "markdown"
      ? { cell_type: "markdown", id, metadata, source }
      : { cell_type: "code", execution_count: null, id, metadata, outputs: [], source };
  });
  return {
    cells,
    metadata: {
      kernelspec: { display_name: "TypeScript (tsfine)", language: "typescript", name: "tsfine" },
      language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
      title,
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** Plotly outputs that lack a static image (GitHub and nbconvert could not draw them). */
function figuresWithoutImage(notebook) {
  const missing = [];
  notebook.cells.forEach((cell, i) => {
    for (const output of cell.outputs ?? []) {
      const data = output.data ?? {};
      if (data["application/vnd.plotly.v1+json"] && !data["image/svg+xml"] && !data["image/png"]) missing.push(i);
    }
  });
  return missing;
}

function execute(name, parameters = []) {
  const file = path.join(examplesDir, `${name}.ipynb`);
  const args = [path.join(repoRoot, "bin", "tsfine.js"), "run", file, "-o", file];
  for (const p of parameters) args.push("-p", p);
  const started = Date.now();
  const result = spawnSync(process.execPath, args, { cwd: repoRoot, stdio: "inherit" });
  const seconds = (Date.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${name}.ipynb failed (tsfine run exited ${result.status}); see the output above.`);
  const notebook = JSON.parse(fs.readFileSync(file, "utf8"));
  const versions = notebook.metadata.tsfine?.versions;
  if (!versions) throw new Error(`${name}.ipynb: tsfine run stored no versions in the notebook's metadata.`);
  notebook.metadata.tsfine = { versions, executedBy: "tsfine run", seconds: Math.round(seconds * 10) / 10, executed: new Date().toISOString() };
  const missing = figuresWithoutImage(notebook);
  if (missing.length) throw new Error(`${name}.ipynb: plotly figures without a static image in cells ${missing.join(", ")}.`);
  fs.writeFileSync(file, JSON.stringify(notebook, null, 1) + "\n");
  console.log(`${name}.ipynb executed in ${seconds.toFixed(1)} s on ${versions.backend} (tfjs ${versions.tfjs}, Node ${versions.node})`);
}

function main(argv) {
  const executeToo = argv.includes("--execute");
  const names = argv.filter((a) => !a.startsWith("--"));
  const chosen = names.length ? names : order.filter((n) => fs.existsSync(path.join(srcDir, `${n}.md`)));
  for (const name of chosen) {
    const file = path.join(examplesDir, `${name}.ipynb`);
    fs.writeFileSync(file, JSON.stringify(buildNotebook(name), null, 1) + "\n");
    console.log(`wrote ${path.relative(repoRoot, file)}`);
    if (executeToo) execute(name);
  }
}

module.exports = { parseSource, buildNotebook, figuresWithoutImage };
if (require.main === module) main(process.argv.slice(2));
