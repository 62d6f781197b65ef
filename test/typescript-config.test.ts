/**
 * A notebook's tsconfig.json, through the real kernel (`tsfine run` launches `tsfine kernel` in the
 * notebook's folder): its compilerOptions that make sense for cells are used, the others are named once on
 * a cell's stderr. Uses the build in dist/ (`npm test` builds first).
 */
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const cli = path.join(__dirname, "..", "bin", "tsfine.js");

interface ExecutedCell {
  outputs: Array<{ output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown> }>;
}

async function runNotebook(dir: string, cells: string[]): Promise<{ status: number | null; stderr: string; cells: ExecutedCell[] }> {
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tsfine", display_name: "TypeScript (tsfine)", language: "typescript" } },
    cells: cells.map((source) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null })),
  };
  await fs.writeFile(path.join(dir, "notebook.ipynb"), JSON.stringify(notebook));
  const jupyter = path.join(dir, ".jupyter");
  const env = { ...process.env, NO_COLOR: "1", JUPYTER_DATA_DIR: jupyter, JUPYTER_RUNTIME_DIR: path.join(jupyter, "runtime"), JUPYTER_PATH: jupyter };
  const { status, stderr } = await new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "run", "notebook.ipynb", "-o", "executed.ipynb"], { cwd: dir, env });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stderr }));
  });
  const executed = JSON.parse(await fs.readFile(path.join(dir, "executed.ipynb"), "utf8")) as { cells: ExecutedCell[] };
  return { status, stderr, cells: executed.cells };
}

const streamText = (cell: ExecutedCell, name: string) =>
  cell.outputs
    .filter((output) => output.output_type === "stream" && output.name === name)
    .map((output) => (Array.isArray(output.text) ? output.text.join("") : (output.text ?? "")))
    .join("");

const resultText = (cell: ExecutedCell) => cell.outputs.find((output) => output.output_type === "execute_result")?.data?.["text/plain"];

// A parameter without a type is an error under tsfine's default (strict) and fine under `strict: false`.
const cells = ["function double(x) { return x * 2; }\ndouble(21)", "double(4)"];

let root: string;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "tsfine-tsconfig-")));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

test("without a tsconfig.json, a parameter without a type stops the cell (strict is tsfine's default)", async () => {
  const dir = path.join(root, "plain");
  await fs.mkdir(dir);
  const run = await runNotebook(dir, cells);
  expect(run.status).toBe(1);
  expect(run.stderr).toContain("Parameter 'x' implicitly has an 'any' type");
}, 120_000);

test("a tsconfig.json above the notebook's folder applies its strict: false; outDir and composite are named once", async () => {
  await fs.writeFile(path.join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: false, outDir: "build", composite: true } }, null, 2));
  const dir = path.join(root, "notebooks");
  await fs.mkdir(dir);
  try {
    const run = await runNotebook(dir, cells);
    if (run.status !== 0) throw new Error(`tsfine run failed:\n${run.stderr}`);
    expect(run.cells.map(resultText)).toEqual(["42", "8"]);
    const stderr = run.cells.map((cell) => streamText(cell, "stderr")).join("");
    expect(stderr).toBe(
      `${path.join("..", "tsconfig.json")}: outDir, composite do not apply in a notebook (cells run as modules in the kernel and emit no files) and are ignored; its other compilerOptions are used.\n`,
    );
  } finally {
    await fs.rm(path.join(root, "tsconfig.json"));
  }
}, 120_000);

test("an import through the tsconfig's paths runs the file the alias maps to, as the type checker saw it", async () => {
  const dir = path.join(root, "aliased");
  await fs.mkdir(path.join(dir, "src", "lib"), { recursive: true });
  await fs.writeFile(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "@lib/*": ["src/lib/*"] } } }));
  await fs.writeFile(path.join(dir, "src", "lib", "scale.ts"), "export function triple(x: number): number {\n  return x * 3;\n}\n");
  const run = await runNotebook(dir, [
    'import { triple } from "@lib/scale";\ntriple(14)',
    'const later = await import("@lib/scale");\nlater.triple(2)',
    '// @ts-expect-error: the alias types its exports\ntriple("no")',
  ]);
  if (run.status !== 0) throw new Error(`tsfine run failed:\n${run.stderr}`);
  expect(run.cells.map(resultText)).toEqual(["42", "6", "NaN"]);
}, 120_000);

test("the user's own .ts files that a cell imports resolve the tsconfig's paths aliases too, when they run", async () => {
  const dir = path.join(root, "aliased-inside");
  await fs.mkdir(path.join(dir, "src", "lib"), { recursive: true });
  await fs.writeFile(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "@lib/*": ["src/lib/*"] } } }));
  await fs.writeFile(path.join(dir, "src", "lib", "factor.ts"), "export const factor = 3;\n");
  await fs.writeFile(
    path.join(dir, "src", "lib", "scale.ts"),
    'import { factor } from "@lib/factor";\nexport function triple(x: number): number {\n  return x * factor;\n}\nexport async function later(): Promise<number> {\n  return (await import("@lib/factor")).factor;\n}\n',
  );
  const run = await runNotebook(dir, ['import { triple, later } from "@lib/scale";\ntriple(14)', "await later()"]);
  if (run.status !== 0) throw new Error(`tsfine run failed:\n${run.stderr}`);
  expect(run.cells.map(resultText)).toEqual(["42", "3"]);
}, 120_000);
