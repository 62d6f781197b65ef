/**
 * The same notebook, with magics, two ways: through the real kernel (`tsfine run`, which
 * launches `tsfine kernel` and talks ZeroMQ to it) and as the script `tsfine export` writes,
 * run by plain Node through tsx. What they print must match. Uses the build in dist/
 * (`npm test` builds first).
 */
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { exportNotebook } from "../kernel/export";
import { runProcess, type ProcessResult } from "./helpers/run-process";

const repoRoot = path.resolve(__dirname, "..");
const cli = path.join(repoRoot, "bin", "tsfine.js");
const tsx = path.join(repoRoot, "node_modules", ".bin", "tsx");

/** Jupyter's data and runtime folders inside the test folder: nothing lands in $HOME. */
function run(command: string, args: string[], cwd: string): Promise<ProcessResult> {
  const jupyter = path.join(cwd, ".jupyter");
  return runProcess(command, args, cwd, { JUPYTER_DATA_DIR: jupyter, JUPYTER_RUNTIME_DIR: path.join(jupyter, "runtime"), JUPYTER_PATH: jupyter });
}

const cells = [
  'import * as path from "path";\nconst name = "tsfine";\nconsole.log("hello", name);',
  "%%writefile greeting.txt\nhi from a cell",
  "%%sh\ncat greeting.txt\necho to stderr >&2",
  "const here = %pwd\nconsole.log(path.basename(here) === path.basename(process.cwd()))",
  "%env GREETING=hey\nconsole.log(process.env.GREETING)",
  "const total = %time [1, 2, 3].reduce((a, b) => a + b)\nconsole.log(total * 2)",
  "%timeit -n 10 -r 2 Math.sqrt(total)",
  "%run lib.ts",
  'console.log(shout("ran"))\n%history -n 2',
];

const timingLine = /^(CPU times: .*|Wall time: .*|The slowest run took .*|.* per loop \(mean ± std\. dev\. of \d+ runs?, [\d,]+ loops? each\))$/;

function printedLines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "" && !timingLine.test(line));
}

interface OutputCell {
  outputs: Array<{ output_type: string; name?: string; text?: string | string[] }>;
}

test("a notebook with magics prints the same through the kernel and as an exported script", async () => {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "magics-kernel-")));
  await fs.writeFile(path.join(dir, "lib.ts"), 'export function shout(text: string): string {\n  return text.toUpperCase() + "!";\n}\n');
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tsfine", display_name: "TypeScript (tsfine)", language: "typescript" } },
    cells: cells.map((source) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null })),
  };
  await fs.writeFile(path.join(dir, "demo.ipynb"), JSON.stringify(notebook));

  const kernelRun = await run(process.execPath, [cli, "run", "demo.ipynb", "-o", "executed.ipynb"], dir);
  if (kernelRun.status !== 0) throw new Error(`tsfine run failed:\n${kernelRun.stderr}`);
  const executed = JSON.parse(await fs.readFile(path.join(dir, "executed.ipynb"), "utf8")) as { cells: OutputCell[] };
  const streamed = (stream: string) =>
    executed.cells
      .flatMap((cell) => cell.outputs)
      .filter((output) => output.output_type === "stream" && output.name === stream)
      .map((output) => (Array.isArray(output.text) ? output.text.join("") : (output.text ?? "")))
      .join("");

  await fs.rm(path.join(dir, "greeting.txt"));
  await exportNotebook(path.join(dir, "demo.ipynb"), path.join(dir, "demo.ts"));
  const scriptRun = await run(tsx, ["demo.ts"], dir);

  expect(printedLines(streamed("stdout"))).toEqual([
    "hello tsfine",
    "Writing greeting.txt",
    "hi from a cell",
    "true",
    "env: GREETING=hey",
    "hey",
    "12",
    "RAN!",
    "   2: %%writefile greeting.txt",
    "      hi from a cell",
  ]);
  expect(printedLines(scriptRun.stdout)).toEqual(printedLines(streamed("stdout")));
  expect(streamed("stderr")).toBe("to stderr\n");
  expect(scriptRun.stderr).toBe("to stderr\n");
}, 120000);
