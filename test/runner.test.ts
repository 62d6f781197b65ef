/**
 * `tsfine run`: a notebook executed headlessly through a kernel over ZeroMQ comes back as
 * valid nbformat 4.5 with outputs, execution counts and papermill-style injected parameters;
 * a failing cell makes the command exit non-zero and still writes the notebook.
 * The kernel here is the JavaScript test kernel, registered as a kernelspec and picked with
 * --kernel, so these tests do not depend on the TypeScript evaluator.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { waitUntil } from "./helpers/wait-until";

const repoRoot = path.resolve(__dirname, "..");
const cli = path.join(repoRoot, "bin", "tsfine.js");
const KERNEL = "tsfine-js-test";

type Cell = string | { source: string; tags?: string[]; markdown?: boolean };

function notebook(cells: Cell[]): object {
  return {
    nbformat: 4,
    nbformat_minor: 4,
    metadata: {},
    cells: cells.map((cell) => {
      const { source, tags, markdown } = typeof cell === "string" ? { source: cell, tags: undefined, markdown: false } : cell;
      if (markdown) return { cell_type: "markdown", metadata: {}, source };
      return { cell_type: "code", metadata: tags ? { tags } : {}, execution_count: null, outputs: [], source: source.split(/(?<=\n)/) };
    }),
  };
}

describe("tsfine run", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-run-"));
    env = { ...process.env, JUPYTER_DATA_DIR: path.join(dir, "data"), JUPYTER_PATH: "" };
    const specDir = path.join(dir, "data", "kernels", KERNEL);
    fs.mkdirSync(specDir, { recursive: true });
    const argv = [process.execPath, path.join(repoRoot, "test", "helpers", "run-js-kernel.js"), "--connection-file", "{connection_file}"];
    fs.writeFileSync(path.join(specDir, "kernel.json"), JSON.stringify({ argv, display_name: "JS test", language: "javascript" }));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function run(name: string, cells: Cell[], ...args: string[]) {
    const input = path.join(dir, `${name}.ipynb`);
    fs.writeFileSync(input, JSON.stringify(notebook(cells)));
    const result = spawnSync(process.execPath, [cli, "run", input, "--kernel", KERNEL, ...args], { env, encoding: "utf8", timeout: 60000 });
    return { ...result, input };
  }

  test("executes code cells in order and writes outputs, counts and injected parameters to NAME.out.ipynb", () => {
    const result = run(
      "params",
      [
        { source: "# Title", markdown: true },
        { source: "const epochs = 1;\nconst label = 'dogs';", tags: ["parameters"] },
        'console.log("epochs", epochs);\nconsole.log("label", label)',
        'display("loss 1.0", {id: "loss"}); display("loss 0.1", {id: "loss", update: true}); console.log("before clear"); clear(true); console.log("after clear")',
        "epochs * 2",
        "",
      ],
      "-p",
      "epochs=7",
      "-p",
      "label=cats",
      "-p",
      'opts={"lr": 0.01}',
    );
    expect(result.stderr).not.toMatch(/failed/);
    expect(result.status).toBe(0);
    const out = JSON.parse(fs.readFileSync(path.join(dir, "params.out.ipynb"), "utf8"));
    expect([out.nbformat, out.nbformat_minor]).toEqual([4, 5]);
    expect(out.cells.every((cell: any) => typeof cell.id === "string")).toBe(true);
    expect(out.metadata.language_info.name).toBe("javascript");

    const [, parameters, injected, printed, displays, value, empty] = out.cells;
    expect(parameters.metadata.tags).toEqual(["parameters"]);
    expect(injected.metadata.tags).toEqual(["injected-parameters"]);
    expect(injected.source).toBe('const epochs = 7;\nconst label = "cats";\nconst opts = {"lr":0.01};');
    expect(printed.outputs).toEqual([{ output_type: "stream", name: "stdout", text: "epochs 7\nlabel cats\n" }]);
    expect(displays.outputs).toEqual([{ output_type: "stream", name: "stdout", text: "after clear\n" }]);
    expect(value.outputs).toEqual([{ output_type: "execute_result", execution_count: value.execution_count, data: { "text/plain": "14" }, metadata: {} }]);
    expect([parameters, injected, printed, displays, value].map((c: any) => c.execution_count)).toEqual([1, 2, 3, 4, 5]);
    expect(empty.execution_count).toBeNull();
  });

  test("an update_display_data rewrites the earlier output with the same display_id", () => {
    const result = run("updates", ['display("epoch 1", {id: "progress"})', 'display("epoch 2", {id: "progress", update: true})']);
    expect(result.status).toBe(0);
    const out = JSON.parse(fs.readFileSync(path.join(dir, "updates.out.ipynb"), "utf8"));
    expect(out.cells[0].outputs[0].data["text/plain"]).toBe("'epoch 2'");
    expect(out.cells[1].outputs).toEqual([]);
  });

  test("a failing cell: non-zero exit, its error printed, notebook written with the error and later cells left unrun", () => {
    const output = path.join(dir, "custom-name.ipynb");
    const result = run("failing", ['console.log("ok so far")', 'throw new RangeError("learning rate too high")', "console.log('never')"], "-o", output);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Cell 2 failed: RangeError: learning rate too high/);
    const out = JSON.parse(fs.readFileSync(output, "utf8"));
    expect(out.cells[0].outputs[0].text).toBe("ok so far\n");
    expect(out.cells[1].outputs).toEqual([expect.objectContaining({ output_type: "error", ename: "RangeError", evalue: "learning rate too high" })]);
    expect(out.cells[2].execution_count).toBeNull();
    expect(out.cells[2].outputs).toEqual([]);
  });

  test("--timeout interrupts a cell that runs too long and fails the run", () => {
    const result = run("slow", ["new Promise(() => {})", "1"], "--timeout", "1");
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/CellTimeoutError/);
  });

  test("the written notebook passes nbformat's own validation when Python's nbformat is available", () => {
    const python = [path.join(repoRoot, ".venv", "bin", "python"), "/usr/bin/python3"].find((p) => fs.existsSync(p));
    const probe = python && spawnSync(python, ["-c", "import nbformat"], { encoding: "utf8" });
    if (!python || !probe || probe.status !== 0) {
      console.warn("SKIPPED nbformat validation: no Python with nbformat");
      return;
    }
    const file = path.join(dir, "params.out.ipynb");
    const check = spawnSync(python, ["-c", "import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4)); print('valid')", file], {
      encoding: "utf8",
    });
    expect(check.stderr).toBe("");
    expect(check.stdout.trim()).toBe("valid");
  });

  test("usage errors are one sentence with exit code 1", () => {
    const result = spawnSync(process.execPath, [cli, "run", path.join(dir, "x.ipynb"), "-p", "not a pair"], { env, encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/must look like name=value/);
  });

  test("with the real TypeScript kernel (no --kernel): typed parameters are injected and used", () => {
    if (!fs.existsSync(path.join(repoRoot, "dist", "kernel", "evaluator", "index.js"))) {
      console.warn("SKIPPED real-kernel run: dist/kernel/evaluator is not built");
      return;
    }
    const input = path.join(dir, "typescript.ipynb");
    fs.writeFileSync(
      input,
      JSON.stringify(
        notebook([
          { source: "const epochs: number = 1;", tags: ["parameters"] },
          "const doubled: number = epochs * 2;\nconsole.log(`epochs=${epochs}`);\ndoubled",
        ]),
      ),
    );
    const result = spawnSync(process.execPath, [cli, "run", input, "-p", "epochs=7"], {
      env: { ...env, TSFINE_HISTORY_FILE: "" },
      encoding: "utf8",
      timeout: 170000,
    });
    expect(result.stderr).not.toMatch(/failed/);
    expect(result.status).toBe(0);
    const out = JSON.parse(fs.readFileSync(path.join(dir, "typescript.out.ipynb"), "utf8"));
    expect(out.metadata.kernelspec.name).toBe("tsfine");
    expect(out.metadata.language_info.name).toBe("typescript");
    // what it ran on, as %versions shows it
    expect(out.metadata.tsfine.versions).toEqual({
      tsfine: JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")).version,
      typescript: require("typescript").version,
      tfjs: expect.stringMatching(/^\d+\.\d+/),
      backend: expect.any(String),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    });
    expect(out.cells[2].outputs).toEqual([
      { output_type: "stream", name: "stdout", text: "epochs=7\n" },
      expect.objectContaining({ output_type: "execute_result", data: expect.objectContaining({ "text/plain": "14" }) }),
    ]);
  }, 180000);

  test("a tsfine run stopped by SIGTERM (a CI timeout) takes its kernel down with it, and says so by its exit status", async () => {
    const pidFile = path.join(dir, "kernel.pid");
    const input = path.join(dir, "endless.ipynb");
    fs.writeFileSync(
      input,
      JSON.stringify(notebook([`require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nawait new Promise(() => {});`])),
    );
    const run = spawn(process.execPath, [cli, "run", input], { env: { ...env, TSFINE_HISTORY_FILE: "" }, stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => run.on("exit", (code) => resolve(code)));
    await waitUntil(() => fs.existsSync(pidFile), "the cell to run in the kernel", { timeoutMs: 150_000, intervalMs: 50 });
    const kernelPid = Number(fs.readFileSync(pidFile, "utf8"));
    const alive = () => {
      try {
        process.kill(kernelPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    run.kill("SIGTERM");
    expect(await exited).toBe(143);
    await waitUntil(() => !alive(), "the kernel to exit", { timeoutMs: 15_000, intervalMs: 50 });
  }, 180000);
});
