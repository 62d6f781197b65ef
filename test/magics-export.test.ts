/**
 * `tsfine export`: a notebook that uses magics becomes one TypeScript script which plain
 * Node (through tsx) runs with the same printed results.
 */
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { exportNotebook, runExportCommand } from "../kernel/export";
import { runProcess as run } from "./helpers/run-process";

const repoRoot = path.resolve(__dirname, "..");
const tsx = path.join(repoRoot, "node_modules", ".bin", "tsx");

function notebook(cells: Array<{ type?: "code" | "markdown"; source: string | string[] }>): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tsfine", display_name: "TypeScript (tsfine)", language: "typescript" } },
    cells: cells.map((cell) => ({
      cell_type: cell.type ?? "code",
      metadata: {},
      source: cell.source,
      ...(cell.type === "markdown" ? {} : { outputs: [], execution_count: null }),
    })),
  });
}

let dir: string;
beforeEach(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "magics-export-")));
});

const cells = [
  { type: "markdown" as const, source: "# A notebook with magics" },
  { source: ['import * as path from "path";\n', 'const name = "tsfine";\n', 'console.log("hello", name);'] },
  { source: "%%writefile greeting.txt\nhi from a cell" },
  { source: "%%sh\ncat greeting.txt" },
  { source: "const here = %pwd\nconsole.log(path.basename(here) === path.basename(process.cwd()))" },
  { source: "%env GREETING=hey\nconsole.log(process.env.GREETING)" },
  { source: "const total = %time [1, 2, 3].reduce((a, b) => a + b)\ntotal * 2" },
  { source: "%timeit -n 10 -r 2 Math.sqrt(total)" },
  { source: 'await new Promise((resolve) => setTimeout(resolve, 10));\n"async works"' },
  { source: "%run lib.ts" },
  { source: 'console.log(shout("ran"))\n%history -n 2' },
];

test("the exported script runs with tsx and prints what the notebook printed", async () => {
  await fs.writeFile(path.join(dir, "lib.ts"), 'export function shout(text: string): string {\n  return text.toUpperCase() + "!";\n}\n');
  const notebookPath = path.join(dir, "demo.ipynb");
  await fs.writeFile(notebookPath, notebook(cells));

  const written = await exportNotebook(notebookPath);
  expect(written).toBe(path.join(dir, "demo.ts"));
  const script = await fs.readFile(written, "utf8");
  expect(script).toContain("// ---- cell 1 ----");
  expect(script).toContain("// ---- cell 10 ----");
  expect(script).not.toMatch(/^\s*%/m);
  expect(script.indexOf('import * as path from "path";')).toBeLessThan(script.indexOf("async function main"));

  const result = await run(tsx, [written], dir);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  const lines = result.stdout.trimEnd().split("\n");
  const timings = /^(CPU times: .*|Wall time: .*|The slowest run took .*|.* per loop \(mean ± std\. dev\. of 2 runs, 10 loops each\))$/;
  expect(lines.filter((line) => /^(CPU times|Wall time|.* per loop)/.test(line))).toHaveLength(3);
  expect(lines.filter((line) => !timings.test(line))).toEqual([
    "hello tsfine",
    "Writing greeting.txt",
    "hi from a cell",
    "true",
    "env: GREETING=hey",
    "hey",
    "12",
    "'async works'",
    "RAN!",
    "   2: %%writefile greeting.txt",
    "      hi from a cell",
  ]);
}, 60000);

test("the exported script type-checks as strict TypeScript", async () => {
  await fs.writeFile(path.join(dir, "lib.ts"), "export function shout(text: string): string {\n  return text.toUpperCase();\n}\n");
  const notebookPath = path.join(dir, "demo.ipynb");
  await fs.writeFile(notebookPath, notebook(cells));
  const written = await exportNotebook(notebookPath, path.join(dir, "out", "script.ts"));
  const program = ts.createProgram([written], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ["node"],
    typeRoots: [path.join(repoRoot, "node_modules", "@types")],
  });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  expect(problems).toEqual([]);
}, 60000);

test("tsfine export: writes NOTEBOOK.ts or -o FILE, and explains failures", async () => {
  const notebookPath = path.join(dir, "small.ipynb");
  await fs.writeFile(notebookPath, notebook([{ source: "%pwd" }]));
  const log = jest.spyOn(console, "log").mockImplementation(() => {});
  const error = jest.spyOn(console, "error").mockImplementation(() => {});
  try {
    expect(await runExportCommand(["export", notebookPath, "-o", path.join(dir, "custom.ts")])).toBe(0);
    expect(await fs.readFile(path.join(dir, "custom.ts"), "utf8")).toContain("__magics.showResult(__magics.pwd());");
    expect(String(log.mock.calls[0][0])).toMatch(/^Wrote .*custom\.ts\. Run it with: npx tsx /);

    expect(await runExportCommand([path.join(dir, "missing.ipynb")])).toBe(1);
    expect(error.mock.calls.at(-1)![0]).toBe(`tsfine export: cannot read ${path.join(dir, "missing.ipynb")}: no such file.`);

    await fs.writeFile(notebookPath, notebook([{ source: "const a = 1" }, { source: "%fitt model data" }]));
    expect(await runExportCommand([notebookPath])).toBe(1);
    expect(error.mock.calls.at(-1)![0]).toBe("tsfine export: cell 2: Unknown magic %fitt. Did you mean %fit? (%lsmagic lists them)");

    expect(await runExportCommand([])).toBe(2);
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
});
