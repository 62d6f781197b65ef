/**
 * A progress bar in `jupyter console`: the terminal front end prints display_data and ignores
 * update_display_data, and must still show the bar's last state. Runs the real jupyter_console
 * (from .venv, or the jupyter-console executable named by TSFINE_JUPYTER_CONSOLE) with
 * --simple-prompt, which reads cells from stdin: the same iopub handling as its full prompt.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { makeJupyterEnv, missingJupyter, repoRoot, type JupyterEnv } from "./helpers/jupyter-env";

jest.setTimeout(180_000);

function consoleExecutable(): string | undefined {
  const candidates = [process.env.TSFINE_JUPYTER_CONSOLE, path.join(repoRoot, ".venv", "bin", "jupyter-console")];
  return candidates.find((candidate): candidate is string => !!candidate && fs.existsSync(candidate));
}

const executable = consoleExecutable();
const missing = missingJupyter() ?? (executable ? undefined : "jupyter-console is not installed (test/requirements.txt, or set TSFINE_JUPYTER_CONSOLE)");
if (missing && process.env.CI) {
  test("jupyter console is installed (mandatory in CI)", () => {
    throw new Error(`the console test cannot run: ${missing}`);
  });
} else if (missing) {
  console.warn(`SKIPPED jupyter console progress test: ${missing}`);
}

(missing ? describe.skip : describe)("display.progress in jupyter console", () => {
  let jupyter: JupyterEnv;
  beforeAll(() => {
    jupyter = makeJupyterEnv();
  });
  afterAll(() => jupyter?.cleanup());

  test("the bar's last state is printed, after its first", () => {
    const cell =
      'const bar = display.progress(5, "steps"); for (let i = 0; i < 5; i++) { await new Promise((r) => setTimeout(r, 40)); bar.tick(); } bar.done();';
    const result = jupyter.run(executable!, ["--simple-prompt", "--kernel", "tsfine"], { timeoutMs: 150_000, input: `${cell}\n` });
    const barLines = result.stdout.split("\n").filter((line) => line.includes("steps") && /\d\/5/.test(line));
    expect(barLines.map((line) => /(\d)\/5/.exec(line)![1])).toEqual(["0", "5"]);
    expect(barLines[1]).toMatch(/steps 100% \|█{24}\| 5\/5 \[.*\] done$/);
  });
});
