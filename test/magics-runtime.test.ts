/**
 * Expanded magics running for real: each cell is expanded, transpiled with TypeScript and run
 * in a child Node process with `__magics` bound to magics/runtime, and we read what it prints.
 */
import { spawn } from "child_process";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { expandCell, MagicHost } from "../magics";
import { magicsRuntime } from "../magics/runtime";

const repoRoot = path.resolve(__dirname, "..");
let runtimeBuild: string;
let workDir: string;

/** magics/ and the wings it imports (tl, display) transpiled file by file, the way the kernel's build would emit them. */
async function transpileMagics(target: string): Promise<void> {
  const walk = async (dir: string): Promise<string[]> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)])));
    return nested.flat().filter((f) => f.endsWith(".ts"));
  };
  const wings = await Promise.all(["magics", "tl", "display"].map((wing) => walk(path.join(repoRoot, wing))));
  for (const file of wings.flat()) {
    const source = await fs.readFile(file, "utf8");
    const output = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
    const out = path.join(target, path.relative(repoRoot, file)).replace(/\.ts$/, ".js");
    await fs.mkdir(path.dirname(out), { recursive: true });
    await fs.writeFile(out, output.outputText);
  }
}

beforeAll(async () => {
  runtimeBuild = await fs.mkdtemp(path.join(os.tmpdir(), "magics-build-"));
  await transpileMagics(runtimeBuild);
});

beforeEach(async () => {
  workDir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "magics-cell-")));
});

interface CellRun {
  stdout: string;
  stderr: string;
  status: number | null;
  /** Milliseconds after start at which each stdout chunk arrived. */
  chunks: Array<{ at: number; text: string }>;
  elapsed: number;
}

interface CellOptions {
  /** JavaScript run at the top level first: its let/const become notebook variables. */
  setup?: string;
  /** What tsfine.globalNames() answers. */
  globalNames?: string[];
}

async function runCell(cell: string, options: CellOptions = {}): Promise<CellRun> {
  const host: MagicHost = { history: () => [], cwd: () => workDir, expandUserMagic: async () => "", userMagicNames: () => [] };
  const expanded = await expandCell(cell, host);
  if (!expanded.ok) throw new Error(expanded.message);
  const wrapped = `globalThis.__cell = (async () => {\n${expanded.code}\n})();`;
  const javascript = ts.transpileModule(wrapped, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const program = [
    `const { magicsRuntime } = require(${JSON.stringify(path.join(runtimeBuild, "magics", "runtime.js"))});`,
    "globalThis.__magics = magicsRuntime;",
    `globalThis.tsfine = { globalNames: async () => ${JSON.stringify(options.globalNames ?? [])}, setTypecheck() {} };`,
    `require("vm").runInThisContext(${JSON.stringify(options.setup ?? "")});`,
    javascript,
    `globalThis.__cell.catch((error) => { console.log("Error: " + error.message); process.exitCode = 1; });`,
  ].join("\n");
  const file = path.join(workDir, "cell.js");
  await fs.writeFile(file, program);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [file], { cwd: workDir, env: { ...process.env, npm_config_update_notifier: "false" } });
    const run: CellRun = { stdout: "", stderr: "", status: null, chunks: [], elapsed: 0 };
    child.stdout.on("data", (chunk: Buffer) => {
      run.stdout += chunk;
      run.chunks.push({ at: Date.now() - started, text: chunk.toString() });
    });
    child.stderr.on("data", (chunk: Buffer) => (run.stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ ...run, status, elapsed: Date.now() - started }));
  });
}

const timeReport =
  /CPU times: user \d+(\.\d+)? (s|ms|µs|ns), sys: \d+(\.\d+)? (s|ms|µs|ns), total: \d+(\.\d+)? (s|ms|µs|ns)\nWall time: (\d+(\.\d+)?) (s|ms|µs|ns)/;

describe("%time and %%time", () => {
  test("%time prints CPU and wall time and keeps the value", async () => {
    const run = await runCell("const x = %time 6 * 7\nconsole.log('x =', x)");
    expect(run.stdout).toMatch(new RegExp(`^${timeReport.source}\nx = 42\n$`));
  });

  test("%time of a declaration keeps the variable", async () => {
    const run = await runCell("%time const words = ['a', 'b'].map((w) => w.toUpperCase())\nconsole.log(words.join(''))");
    expect(run.stdout).toMatch(/Wall time: .*\nAB\n$/);
  });

  test("%%time measures an awaiting cell from start to end", async () => {
    const run = await runCell("%%time\nawait new Promise((resolve) => setTimeout(resolve, 120))\nconsole.log('done')");
    const match = timeReport.exec(run.stdout);
    expect(run.stdout.startsWith("done\n")).toBe(true);
    expect(match).not.toBeNull();
    const wallMs = Number(match![7]) * ({ s: 1000, ms: 1, µs: 1e-3, ns: 1e-6 } as Record<string, number>)[match![9]];
    expect(wallMs).toBeGreaterThanOrEqual(110);
  });
});

describe("%timeit", () => {
  const summary = /^\d+(\.\d+)? (ns|µs|ms|s) ± \d+(\.\d+)? (ns|µs|ms|s) per loop \(mean ± std\. dev\. of (\d+) runs?, ([\d,]+) loops? each\)$/m;

  test("-n and -r set loops and runs", async () => {
    const run = await runCell("%timeit -n 1000 -r 3 [3, 1, 2].sort()");
    const match = summary.exec(run.stdout);
    expect(match).not.toBeNull();
    expect([match![5], match![6]]).toEqual(["3", "1,000"]);
  });

  test("without -n the loop count grows until a run takes 0.2 s; async code is awaited", async () => {
    const run = await runCell("%timeit -r 2 await new Promise((resolve) => setTimeout(resolve, 30))");
    const match = summary.exec(run.stdout);
    expect(match).not.toBeNull();
    expect(match![6]).toBe("10");
    expect(run.stdout).toMatch(/^3\d(\.\d+)? ms ±/m);
  });

  test("as a value it returns the measurements and -q prints nothing", async () => {
    const run = await runCell("const r = %timeit -q -n 10 -r 2 Math.sqrt(2)\nconsole.log(r.loops, r.repeat, r.timings.length, r.average > 0)");
    expect(run.stdout).toBe("10 2 2 true\n");
  });
});

describe("%%sh and %%bash", () => {
  test("output goes to stdout and stderr as the script writes it", async () => {
    const run = await runCell("%%sh\necho first\necho oops >&2\nsleep 1\necho second");
    expect(run.stdout).toBe("first\nsecond\n");
    expect(run.stderr).toBe("oops\n");
    const first = run.chunks.find((c) => c.text.includes("first"))!;
    expect(run.elapsed - first.at).toBeGreaterThan(800);
  });

  test("a non-zero exit is an error after the output so far", async () => {
    const run = await runCell("%%bash\necho partial\nexit 3");
    expect(run.stdout).toBe("partial\nError: Command exited with status 3\n");
    expect(run.status).toBe(1);
  });

  test("the error carries no stack from tsfine's internals", async () => {
    const run = await runCell("try {\n  %sh exit 4\n} catch (error) {\n  console.log((error as Error).stack)\n}");
    expect(run.stdout).toBe("Error: Command exited with status 4\n");
  });

  test("killChildren (what interrupt calls) stops a running command", async () => {
    const run = await runCell("setTimeout(() => console.log('stopped', __magics.killChildren()), 300)\n%sh sleep 20; echo never");
    expect(run.stdout).toBe("stopped 1\nError: Command was stopped by SIGTERM\n");
    expect(run.elapsed).toBeLessThan(10000);
  });
});

describe("files, directories, environment", () => {
  test("%%writefile writes, overwrites and appends", async () => {
    expect((await runCell("%%writefile notes.txt\nhello")).stdout).toBe("Writing notes.txt\n");
    expect((await runCell("%%writefile notes.txt\nhello again")).stdout).toBe("Overwriting notes.txt\n");
    expect((await runCell("%%writefile -a notes.txt\nmore")).stdout).toBe("Appending to notes.txt\n");
    expect(await fs.readFile(path.join(workDir, "notes.txt"), "utf8")).toBe("hello again\nmore\n");
  });

  test("%pwd and %cd (to a folder, back with -, and a missing one)", async () => {
    await fs.mkdir(path.join(workDir, "sub"));
    const run = await runCell(
      "const before = %pwd\n%cd sub\nconst after = %pwd\nconsole.log(before === after, after)\n%cd -\nconsole.log(process.cwd())\n%cd nowhere",
    );
    expect(run.stdout).toBe(`${workDir}/sub\nfalse ${workDir}/sub\n${workDir}\n${workDir}\nError: %cd: no such directory: nowhere (${workDir}/nowhere)\n`);
  });

  test("%env sets, reads, lists and interpolates", async () => {
    const run = await runCell(
      "%env TSFINE_DEMO=on\nconst v = %env TSFINE_DEMO\nconsole.log('value', v)\n%env RUN_ID={40 + 2}\nconst all = %env\nconsole.log(all.RUN_ID, 'PATH' in all)",
    );
    expect(run.stdout).toBe("env: TSFINE_DEMO=on\nvalue on\nenv: RUN_ID=42\n42 true\n");
  });
});

describe("the notebook's variables", () => {
  const setup = "const answer = 42; const weights = { shape: [2, 3], dtype: 'float32' }; function relu(x) { return x; } let label = 'cat';";
  const names = ["weights", "answer", "relu", "label"];

  test("%who lists names, %whos shows type and value (tensors: shape and dtype)", async () => {
    const run = await runCell("%who\n%whos", { setup, globalNames: [...names, "tf", "tl", "display", "tsfine", "__magics", "_tfengine"] });
    expect(run.stdout).toBe(
      [
        "answer\tlabel\trelu\tweights",
        "Variable   Type       Data/Info",
        "-".repeat(34),
        "answer     number     42",
        "label      string     'cat'",
        "relu       function   relu(1 args)",
        "weights    Tensor     shape [2, 3], float32",
        "",
      ].join("\n"),
    );
  });

  test("%who with nothing defined says so", async () => {
    expect((await runCell("%who")).stdout).toBe("Interactive namespace is empty.\n");
  });

  test("%reset -f clears what JavaScript lets it and says what stays", async () => {
    const run = await runCell("%reset -f\nconsole.log(typeof scratch, counter)", {
      setup: "var scratch = 1; let counter = 5; const fixed = 1;",
      globalNames: ["scratch", "counter", "fixed"],
    });
    expect(run.stdout).toBe(
      "Cleared 2 variables. Kept fixed: const declarations last until the kernel restarts, but each can be declared again.\nundefined undefined\n",
    );
  });
});

describe("%npm", () => {
  test("installs a package into the notebook's folder; the next require finds it", async () => {
    const pkg = path.join(workDir, "greeter");
    await fs.mkdir(pkg);
    await fs.writeFile(path.join(pkg, "package.json"), JSON.stringify({ name: "greeter", version: "1.0.0", main: "index.js" }));
    await fs.writeFile(path.join(pkg, "index.js"), "module.exports = (name) => `hello ${name}`;");
    const run = await runCell("%npm install ./greeter\nconsole.log(require('greeter')('notebook'))");
    expect(run.stdout).toMatch(/hello notebook\n$/);
    expect(JSON.parse(await fs.readFile(path.join(workDir, "package.json"), "utf8")).dependencies.greeter).toBe("file:greeter");
  }, 120000);
});

describe("run-time helpers shown to the user", () => {
  test("times read like IPython's", () => {
    expect(magicsRuntime.formatTime(5.214e-6)).toBe("5.21 µs");
    expect(magicsRuntime.formatTime(0.5)).toBe("500 ms");
    expect(magicsRuntime.formatTime(12.3e-9)).toBe("12.3 ns");
    expect(magicsRuntime.formatTime(2)).toBe("2 s");
    expect(magicsRuntime.formatTime(123.4)).toBe("2min 3s");
  });

  test("%memory's table has every tf.memory() field", () => {
    const table = magicsRuntime.memoryTable({ unreliable: false, numTensors: 3, numDataBuffers: 3, numBytes: 2048 });
    const bundle = table.toMimeBundle();
    expect(bundle["text/plain"]).toBe("numTensors      3\nnumDataBuffers  3\nnumBytes        2,048 (2.0 KiB)\nunreliable      false");
    expect(bundle["text/html"]).toContain("<td>numBytes</td><td>2,048 (2.0 KiB)</td>");
    expect(table.numTensors).toBe(3);
  });
});
