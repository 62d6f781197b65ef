/**
 * The TypeScript evaluator as a user meets it: cells run in order through createInterpreter,
 * outputs collected by an in-memory OutputSink (no ZeroMQ). Needs `npx tsc -p tsconfig.json`
 * first: the runtime worker runs from dist/.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createInterpreter } from "../kernel/evaluator";
import { CellCompiler } from "../kernel/evaluator/cell-compiler";
import { needsTfDeclarations, webgpuTypesFile } from "../kernel/evaluator/globals-declarations";
import type { DisplayEvent, ExecuteOutcome, Interpreter, OutputSink } from "../kernel/interpreter";
import { waitUntil } from "./helpers/wait-until";

type Output = { kind: "stdout" | "stderr"; text: string } | { kind: "display"; event: DisplayEvent };

class CollectingSink implements OutputSink {
  outputs: Output[] = [];
  stream(name: "stdout" | "stderr", text: string, relayed?: () => void): void {
    relayed?.();
    this.outputs.push({ kind: name, text });
  }
  display(event: DisplayEvent): void {
    this.outputs.push({ kind: "display", event });
  }
  clearOutput(): void {}
  input(prompt: string): Promise<string> {
    return Promise.resolve(`answer to ${prompt}`);
  }
  text(kind: "stdout" | "stderr"): string {
    return this.outputs.map((output) => (output.kind === kind ? output.text : "")).join("");
  }
}

let notebookDir: string;
let kernel: Interpreter;
let count = 0;
let lastSink: CollectingSink;

/** An execute request for `code` as a notebook front end sends it. */
function cellRequest(code: string, executionCount: number, allowStdin = true) {
  return { code, silent: false, storeHistory: true, allowStdin, executionCount, userExpressions: {} };
}

async function run(code: string): Promise<ExecuteOutcome & { sink: CollectingSink }> {
  lastSink = new CollectingSink();
  const outcome = await kernel.execute(cellRequest(code, ++count), lastSink);
  return Object.assign(outcome, { sink: lastSink });
}

function resultText(outcome: ExecuteOutcome): string | undefined {
  return outcome.status === "ok" ? (outcome.result?.["text/plain"] as string | undefined) : undefined;
}

async function expectValue(code: string, text: string): Promise<void> {
  const outcome = await run(code);
  if (outcome.status === "error") throw new Error(`cell failed:\n${code}\n${outcome.ename}: ${outcome.evalue}\n${outcome.traceback.join("\n")}`);
  expect(resultText(outcome)).toBe(text);
}

function writeFixtures(dir: string): void {
  const write = (file: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  };
  write("node_modules/esm-only-greeter/package.json", JSON.stringify({ name: "esm-only-greeter", type: "module", exports: { ".": { import: "./index.js" } } }));
  write("node_modules/esm-only-greeter/index.js", `export function greet(name) { return "hello " + name; }\nexport default "the default";\n`);
  write("node_modules/cjs-adder/package.json", JSON.stringify({ name: "cjs-adder", main: "index.js" }));
  write("node_modules/cjs-adder/index.js", `module.exports = function add(a, b) { return a + b; };\nmodule.exports.twice = (n) => n * 2;\n`);
  write(
    "geometry.ts",
    `export interface Size { width: number; height: number }\nexport function area(size: Size): number { return size.width * size.height; }\nexport function square(side: number): Size { return { width: side, height: side }; }\n`,
  );
  fs.symlinkSync(path.join(__dirname, "..", "node_modules", "source-map-js"), path.join(dir, "node_modules", "source-map-js"));
}

beforeAll(async () => {
  notebookDir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-evaluator-"));
  writeFixtures(notebookDir);
  kernel = createInterpreter({ cwd: notebookDir, typecheck: "on", preloadBackend: false } as Parameters<typeof createInterpreter>[0]);
  await kernel.start();
}, 120_000);

afterAll(async () => {
  await kernel.shutdown(false);
  fs.rmSync(notebookDir, { recursive: true, force: true });
});

describe("cells keep state like a REPL", () => {
  test("a const can be declared again with a new type, and the new type is checked", async () => {
    await run("const x = 3");
    await expectValue("x * 2", "6");
    await run(`const x = "a"`);
    await expectValue("x.toUpperCase()", "'A'");
  });

  test("a cell run again is checked against what the cells since changed", async () => {
    await run("let again = 3");
    await expectValue("again.toFixed(1)", "'3.0'");
    await expectValue("again.toFixed(1)", "'3.0'");
    await run("let again = 'text'");
    expect(await run("again.toFixed(1)")).toMatchObject({ status: "error", ename: "TSError" });
    // Running a declaration again unchanged changes nothing; the next cell is still checked against it.
    await run("let again = 'text'");
    expect(await run("again.toFixed(1)")).toMatchObject({ status: "error", ename: "TSError" });
    await run("const again = 4");
    await run("const again = 4");
    await expectValue("again.toFixed(1)", "'4.0'");
    await expectValue("var again = 5\nagain", "5");
    await expectValue("const again = 6\nagain", "6");
    await expectValue("var again = 5\nagain", "5");
  });

  test("let, var, function, class, enum, interface, type and namespace are visible in later cells", async () => {
    const declared = await run(
      [
        "let counter = 1",
        "var label = 'n'",
        "function twice(n: number) { return n * 2 }",
        "class Point { constructor(public x: number, public y: number) {} norm() { return Math.hypot(this.x, this.y) } }",
        "enum Color { Red, Green }",
        "interface Named { name: string }",
        "type Pair = [number, number]",
        "namespace Units { export const metre = 1 }",
      ].join("\n"),
    );
    expect(declared.status).toBe("ok");
    await expectValue(
      "counter += 1\nconst named: Named = { name: label }\nconst pair: Pair = [twice(counter), Units.metre];\n`${named.name} ${pair} ${new Point(3, 4).norm()} ${Color.Green}`",
      "'n 4,1 5 1'",
    );
  });

  test("a name may change from function to const to import and back", async () => {
    await run("function helper() { return 'function' }");
    await expectValue("const helper = () => 'arrow'\nhelper()", "'arrow'");
    await expectValue("function helper() { return 'function again' }\nhelper()", "'function again'");
    await expectValue("import { basename as helper } from 'node:path'\nhelper('/a/b.txt')", "'b.txt'");
    await expectValue("var helper = 7\nhelper", "7");
    await expectValue("let helper = 'let'\nhelper", "'let'");
  });

  test("a name declared with const, let or class may be declared as a function or let later; functions stay hoisted", async () => {
    await run("const shape = 'const'");
    await expectValue("const early = shape()\nfunction shape() { return 'function' }\nearly + ' ' + shape.name", "'function shape'");
    await run("class Maker {}");
    await expectValue("function Maker(n: number): number { return n > 0 ? Maker(n - 1) + 1 : 0 }\nMaker(3)", "3");
    await run("const rate = 1");
    await expectValue("let rate = 2\nrate", "2");
    await run("let fails = 1");
    const code = "function fails() { throw new Error('from the function') }\nfails()";
    const thrown = await run(code);
    expect(thrown).toMatchObject({ status: "error", evalue: "from the function" });
    expect(thrown.status === "error" && thrown.traceback.join("\n")).toMatch(new RegExp(`cell\\[\\d+\\]:1:${code.indexOf("new Error") + 1}\\b`));
  });

  test("top-level await and the final expression's value", async () => {
    await expectValue("const waited = await new Promise<number>((resolve) => setTimeout(() => resolve(41), 5))\nwaited + 1", "42");
  });

  test("a cell that declares nothing sees earlier names, and those names can still be declared again", async () => {
    // Such cells run as plain scripts (plain-script.ts), the others in REPL mode: both must share one scope.
    await run("let shared = 2");
    await expectValue("shared * 21", "42");
    await run("shared = 5");
    await expectValue("shared", "5");
    await run('const shared = "now a string"');
    await expectValue("shared.length", "12");
    await expectValue("this === globalThis", "true");
  });

  test("a promise a cell ends with is awaited, whether or not the cell awaits", async () => {
    await expectValue("Promise.resolve(7)", "7");
    await expectValue("await Promise.resolve(8)", "8");
    const rejected = await run('Promise.reject(new TypeError("refused"))');
    expect(rejected).toMatchObject({ status: "error", ename: "TypeError", evalue: "refused" });
  });

  test("a cell ending in a statement or undefined has no result", async () => {
    const outcome = await run("const nothing = undefined\nnothing");
    expect(outcome).toEqual(expect.objectContaining({ status: "ok" }));
    expect(resultText(outcome)).toBeUndefined();
  });

  test("an expression followed by a declaration is not the cell's value", async () => {
    const outcome = await run("Math.max(1, 2);\nconst afterMax = 2");
    expect(outcome).toEqual(expect.objectContaining({ status: "ok" }));
    expect(resultText(outcome)).toBeUndefined();
    await expectValue("afterMax", "2");
  });
});

describe("type errors stop the cell before it runs", () => {
  test("the error names the cell's line and column and shows the code line; the cell's side effects never happen", async () => {
    await run("let sideEffect = 0");
    const outcome = await run("sideEffect = 1\nconst wrong: number = 'text'");
    expect(outcome.status).toBe("error");
    if (outcome.status !== "error") return;
    expect(outcome.ename).toBe("TSError");
    expect(outcome.evalue).toContain("not assignable to type 'number'");
    const traceback = outcome.traceback.join("\n");
    expect(traceback).toContain(`cell[${count}]:2:7`);
    expect(traceback).toContain("const wrong: number = 'text'");
    await expectValue("sideEffect", "0");
  });
});

describe("tf types", () => {
  // The kernel tells TypeScript that tf.Tensor<R> is covariant in R (globals-declarations.ts), which
  // spares the checker 200-300 ms per changed tf cell. The claim must be what TypeScript concludes itself.
  const declarations = (ns: string) =>
    `declare const oneD: ${ns}Tensor<${ns}Rank.R1>;\ndeclare const anyRank: ${ns}Tensor<${ns}Rank>;\ndeclare const twoD: ${ns}Tensor<${ns}Rank.R2>;`;
  const assignments = (ns: string) => [
    `const wider: ${ns}Tensor<${ns}Rank> = oneD;`,
    `const narrower: ${ns}Tensor<${ns}Rank.R1> = anyRank;`,
    `const sideways: ${ns}Tensor<${ns}Rank.R1> = twoD;`,
    `const viaAlias: ${ns}Tensor1D = oneD;`,
  ];

  test("which ranks fit where is what TypeScript itself computes for tfjs's Tensor", async () => {
    const ts = await import("typescript");
    const core = path.dirname(
      require.resolve("@tensorflow/tfjs-core/package.json", { paths: [path.dirname(require.resolve("@tensorflow/tfjs/package.json"))] }),
    );
    const file = path.join(notebookDir, "variance-probe.ts");
    const lines = [`import type { Tensor, Tensor1D, Rank } from ${JSON.stringify(path.join(core, "dist", "index"))};`, declarations(""), ...assignments("")];
    fs.writeFileSync(file, `${lines.join("\n")}\nexport {};\n`);
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      types: [],
    });
    const source = program.getSourceFile(file)!;
    const failingLines = new Set(ts.getPreEmitDiagnostics(program, source).map((d) => source.getLineAndCharacterOfPosition(d.start!).line));
    // line 0 is the import, lines 1-3 the declarations
    const plainTypeScript = assignments("").map((_, index) => failingLines.has(4 + index));
    expect(plainTypeScript).toEqual([false, true, true, false]);

    await expectValue(`${declarations("tf.")}\n"declared"`, "'declared'");
    const inKernel: boolean[] = [];
    // (the declared constants have no values, so the cells that pass the check fail when they run)
    for (const line of assignments("tf.")) {
      const outcome = await run(line);
      inKernel.push(outcome.status === "error" && outcome.ename === "TSError");
    }
    expect(inKernel).toEqual(plainTypeScript);
  }, 120_000);
});

describe("the first cells, checked before tf's declarations are parsed", () => {
  test("a text sees tf's declarations through tf, tl, an import, or a global that @webgpu/types declares or extends", () => {
    for (const text of [
      "tf.tensor([1])",
      "tl.fit",
      "import x from 'y'",
      "require('y')",
      "navigator.gpu",
      "const d: GPUDevice = x",
      "let c: HTMLCanvasElement",
    ]) {
      expect([text, needsTfDeclarations(text)]).toEqual([text, true]);
    }
    for (const text of ["1 + 1", "const tfx = 2; tfx * 3", "console.log('tf')".replace("tf", "t f"), "Math.max(1, 2)"]) {
      expect([text, needsTfDeclarations(text)]).toEqual([text, false]);
    }
  });

  test("@webgpu/types is the only global declaration file tf and tl bring; a lean cell with errors is checked again with them", async () => {
    const ts = await import("typescript");
    const compiler = new CellCompiler(ts, notebookDir);
    const service = compiler.service;
    service.setCell("1 + 1", { lean: true });
    expect(service.isLean).toBe(true);
    expect(service.diagnostics()).toEqual([]);
    const leanFiles = new Set(
      service.languageService
        .getProgram()!
        .getSourceFiles()
        .map((file) => file.fileName),
    );
    // Errors without tf's declarations: the cell is checked again with them, and `gpu` is found on Navigator.
    const compiled = compiler.compile("const n = {} as Navigator;\nn.gpu", "probe", "on");
    expect(compiled.kind).toBe("compiled");
    expect(service.isLean).toBe(false);
    const globalScripts = service.languageService
      .getProgram()!
      .getSourceFiles()
      .filter((file) => !leanFiles.has(file.fileName) && !ts.isExternalModule(file))
      .map((file) => fs.realpathSync(file.fileName));
    expect(globalScripts).toEqual([fs.realpathSync(webgpuTypesFile()!)]);
    // The whole program from now on, also for cells that would not need it.
    service.setCell("2 + 2", { lean: true });
    expect(service.isLean).toBe(false);
    expect(compiler.compile("const wrong: number = 'text'", "probe", "on").kind).toBe("typeErrors");
  }, 120_000);
});

describe("runtime errors", () => {
  test("the traceback points at the cell's line, without kernel frames", async () => {
    const outcome = await run("function fail(): never {\n  throw new RangeError('too far')\n}\nfail()");
    expect(outcome).toMatchObject({ status: "error", ename: "RangeError", evalue: "too far" });
    if (outcome.status !== "error") return;
    const traceback = outcome.traceback.join("\n");
    expect(traceback).toContain(`cell[${count}]:2:9`);
    expect(traceback).toContain("throw new RangeError('too far')");
    expect(traceback).not.toMatch(/runtime-worker|node:inspector|node:vm|evaluator/);
  });

  test("a cell that declares nothing points at its own line too", async () => {
    // runs as a plain script (plain-script.ts), not in REPL mode: the same mapping must hold
    await run("const limit: number = 3");
    const plain = await run("[1, 2, 3, 4].forEach((value: number) => {\n  if (value > limit) throw new RangeError(`${value} is over`);\n});");
    expect(plain).toMatchObject({ status: "error", ename: "RangeError", evalue: "4 is over" });
    if (plain.status !== "error") return;
    const traceback = plain.traceback.join("\n");
    expect(traceback).toContain(`cell[${count}]:2:28`);
    expect(traceback).toContain("if (value > limit) throw new RangeError(`${value} is over`);");
    expect(traceback).not.toMatch(/node:vm|runtime-worker/);
  });

  test("a failing cell run again unchanged points at the new run's label", async () => {
    // A later run reuses an earlier one's compiled script, name and all (language-client.ts). Reuse needs
    // a notebook folder whose cells read no user file, so not this file's shared kernel.
    const fresh = createInterpreter({ cwd: fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-rerun-")), typecheck: "on", preloadBackend: false });
    try {
      await fresh.start();
      const code = "[3].forEach((value: number) => {\n  throw new RangeError(`${value} again`);\n});";
      for (const executionCount of [1, 2, 3]) {
        const outcome = await fresh.execute(cellRequest(code, executionCount), new CollectingSink());
        expect(outcome).toMatchObject({ status: "error", ename: "RangeError", evalue: "3 again" });
        if (outcome.status !== "error") return;
        expect(outcome.traceback.join("\n")).toContain(`cell[${executionCount}]:2:9`);
        expect(outcome.traceback.join("\n")).toContain("throw new RangeError(`${value} again`);");
      }
    } finally {
      await fresh.shutdown(false);
    }
  }, 60_000);

  test("an error thrown through the user's own vm call keeps the frames of that call", async () => {
    await run('import * as vm from "node:vm"');
    const outcome = await run("vm.runInThisContext(\"(() => { throw new Error('inner') })()\")");
    expect(outcome).toMatchObject({ status: "error", evalue: "inner" });
    if (outcome.status !== "error") return;
    expect(outcome.traceback.join("\n")).toMatch(/node:vm[\s\S]*cell\[\d+\]:1:4/);
  });
});

describe("names declared before a runtime error", () => {
  test("stay usable (and typed) in later cells", async () => {
    const failed = await run("const beforeFailure = { ready: true }\nthrow new Error('later problem')");
    expect(failed).toMatchObject({ status: "error", evalue: "later problem" });
    await expectValue("beforeFailure.ready", "true");
  });
});

describe("imports resolve from the notebook's folder", () => {
  test("a node: built-in", async () => {
    await expectValue("import * as fs from 'node:fs'\nimport { join } from 'node:path'\nfs.existsSync(join('/', 'tmp'))", "true");
  });

  test("a CommonJS package with default-import interop", async () => {
    await expectValue("import add from 'cjs-adder'\nimport { twice } from 'cjs-adder'\nadd(2, twice(3))", "8");
    await expectValue("import { SourceMapGenerator } from 'source-map-js'\ntypeof new SourceMapGenerator().toJSON", "'function'");
  });

  test("an ESM-only package", async () => {
    await expectValue("import greeting, { greet } from 'esm-only-greeter'\n`${greet('ts')} / ${greeting}`", "'hello ts / the default'");
  });

  test("the user's own .ts file next to the notebook, type-checked", async () => {
    await expectValue("import { area, type Size } from './geometry'\nconst size: Size = { width: 3, height: 4 }\narea(size)", "12");
    const wrong = await run("area({ width: 1 })");
    expect(wrong).toMatchObject({ status: "error", ename: "TSError" });
  });

  test("a cell run again after the user's file changed is checked against the new file", async () => {
    const file = path.join(notebookDir, "versioned.ts");
    fs.writeFileSync(file, "export const version: number = 1;\n");
    const code = "import { version } from './versioned'\nversion.toFixed(0)";
    await expectValue(code, "'1'");
    fs.writeFileSync(file, "export const version: string = 'two';\n");
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
    expect(await run(code)).toMatchObject({ status: "error", ename: "TSError" });
  });

  test('tslab notebooks\' `import * as tslab from "tslab"` works unchanged', async () => {
    const outcome = await run("import * as tslab from 'tslab'\ntslab.display.html('<i>from tslab</i>')");
    expect(outcome.status).toBe("ok");
    expect(outcome.sink.outputs).toEqual([
      { kind: "display", event: expect.objectContaining({ data: expect.objectContaining({ "text/html": "<i>from tslab</i>" }) }) },
    ]);
  });

  test("a variable keeps its type in later cells even when the cell never named that type", async () => {
    await run("import { square } from './geometry'\nconst tile = square(2)");
    await expectValue("tile.width", "2");
    expect(await run("const wrongTile: number = tile")).toMatchObject({ status: "error", ename: "TSError", evalue: expect.stringContaining("Size") });
  });

  test("dynamic import() of a built-in and of an ESM-only package", async () => {
    await expectValue(
      "const pathModule = await import('node:path')\nconst esm = await import('esm-only-greeter');\n`${pathModule.basename('/x/y.ts')} ${esm.greet('you')}`",
      "'y.ts hello you'",
    );
  });

  test("require() of a built-in, a CommonJS package and a shipped package; an ESM-only package gets a sentence", async () => {
    await expectValue(
      "const requiredFs = require('fs')\nconst requiredAdd = require('cjs-adder');\n`${typeof requiredFs.existsSync} ${requiredAdd(1, 2)} ${require('@tensorflow/tfjs').version.tfjs.split('.')[0]}`",
      "'function 3 4'",
    );
    const esm = await run("require('esm-only-greeter')");
    expect(esm).toMatchObject({
      status: "error",
      evalue:
        '\'esm-only-greeter\' is an ES module, which require() cannot load; write import … from "esm-only-greeter" (or await import("esm-only-greeter")) instead.',
    });
    await expectValue("requiredAdd(2, 2)", "4");
  });

  test("a missing package is one clear error", async () => {
    const outcome = await run("import nope from 'no-such-package-anywhere'");
    expect(outcome).toMatchObject({ status: "error" });
    if (outcome.status === "error") expect(outcome.evalue).toContain("no-such-package-anywhere");
  });
});

describe("output", () => {
  test("console methods and process writes arrive as streams in order", async () => {
    const outcome = await run("console.log('one'); console.error('two'); process.stdout.write('three\\n'); console.info('four'); console.warn('five')");
    expect(outcome.status).toBe("ok");
    const merged = outcome.sink.outputs.map((output) => (output.kind === "display" ? "" : `${output.kind}:${output.text}`)).join("");
    expect(merged).toBe("stdout:one\nstderr:two\nstdout:three\nfour\nstderr:five\n");
  });

  test("a thrown error in a background callback is reported on stderr and the kernel keeps running", async () => {
    await run("setTimeout(() => { throw new Error('late failure') }, 10)");
    const sink = lastSink;
    await waitUntil(() => sink.text("stderr").includes("late failure"), "the late failure on stderr").catch(() => {});
    expect(sink.text("stderr")).toContain("late failure");
    await expectValue("1 + 1", "2");
    await run("Promise.reject(new Error('nobody caught me')); undefined");
    const rejected = lastSink;
    await waitUntil(() => rejected.text("stderr").includes("nobody caught me"), "the rejection on stderr").catch(() => {});
    expect(rejected.text("stderr")).toContain("nobody caught me");
    await expectValue("2 + 2", "4");
  });
});

describe("interrupt", () => {
  /** A statement that tells the test the cell got this far: interruptOnceStarted waits for it. */
  const markStarted = () => `require("fs").writeFileSync(${JSON.stringify(path.join(notebookDir, "cell-started"))}, "1");`;

  async function interruptOnceStarted(code: string) {
    const started = path.join(notebookDir, "cell-started");
    fs.rmSync(started, { force: true });
    const pending = run(code);
    // Generous: on a loaded machine the cell may queue behind the language worker's warm-up (seconds).
    await waitUntil(() => fs.existsSync(started), "the cell to start", { timeoutMs: 60_000 });
    const asked = Date.now();
    kernel.interrupt();
    const outcome = await pending;
    return { outcome, tookMs: Date.now() - asked };
  }

  test("a synchronous endless loop stops within a second; earlier state survives", async () => {
    await run("const survivor = 'still here'");
    const { outcome, tookMs } = await interruptOnceStarted(`${markStarted()} while (true) {}`);
    expect(outcome).toMatchObject({ status: "error", ename: "Interrupted" });
    expect(tookMs).toBeLessThan(1000);
    await expectValue("survivor", "'still here'");
  });

  // The termination must reach this interpreter's runtime worker, found by its thread id: the inspector's
  // worker numbers differ from thread ids once a second interpreter (this one) or a language worker exists.
  test("the first interrupt of a fresh interpreter stops a busy loop and keeps its state, every time", async () => {
    const started = path.join(notebookDir, "loop-started");
    for (let round = 0; round < 2; round++) {
      const fresh = createInterpreter({ cwd: notebookDir, typecheck: "off", preloadBackend: false });
      await fresh.start();
      try {
        const execute = (code: string) => fresh.execute(cellRequest(code, 1, false), new CollectingSink());
        expect(await execute("let keep = 7")).toMatchObject({ status: "ok" });
        fs.rmSync(started, { force: true });
        const pending = execute(`require("fs").writeFileSync(${JSON.stringify(started)}, "1"); while (true) {}`);
        // A fresh interpreter's cell may queue behind its language worker's warm-up (seconds on a loaded machine).
        await waitUntil(() => fs.existsSync(started), "the loop to start", { timeoutMs: 60_000 });
        const asked = Date.now();
        fresh.interrupt();
        expect(await pending).toMatchObject({ status: "error", ename: "Interrupted" });
        expect(Date.now() - asked).toBeLessThan(1000);
        expect(await execute("keep + 1")).toMatchObject({ status: "ok", result: { "text/plain": "8" } });
      } finally {
        await fresh.shutdown(false);
      }
    }
  }, 300_000);

  test("a loop that ends by itself as it is interrupted leaves no termination behind for the next cells", async () => {
    // a termination is asked for ~100 ms after the interrupt: these loops end around then
    const started = path.join(notebookDir, "ending-loop-started");
    await run("const untouched = 'kept'");
    for (const ms of [90, 100, 105, 110, 115, 120, 130]) {
      fs.rmSync(started, { force: true });
      const pending = run(
        `require("fs").writeFileSync(${JSON.stringify(started)}, "1"); { const until = Date.now() + ${ms}; while (Date.now() < until) {} } "done"`,
      );
      await waitUntil(() => fs.existsSync(started), "the loop to start", { intervalMs: 2 });
      kernel.interrupt();
      await pending;
      await expectValue("let sum = 0; for (let i = 0; i < 1e6; i++) sum += i; sum", "499999500000");
      await expectValue("await new Promise((resolve) => setTimeout(resolve, 5)); untouched", "'kept'");
    }
  });

  test("an await that never resolves stops within a second; the next cell runs", async () => {
    const { outcome, tookMs } = await interruptOnceStarted(`${markStarted()} await new Promise(() => {})`);
    expect(outcome).toMatchObject({ status: "error", ename: "Interrupted" });
    expect(tookMs).toBeLessThan(1000);
    await expectValue("survivor.length", "10");
  });

  test("a busy loop left running in a timer is stopped by interrupting the cell stuck behind it", () => {
    // Stopping a loop inside a timer callback needs node's --no-force-async-hooks-checks (the
    // kernelspec passes it; jest's own process does not have it), so this runs in a child node.
    const script = path.join(__dirname, "fixtures", "evaluator-timer-loop.js");
    const output = execFileSync(process.execPath, ["--no-force-async-hooks-checks", script, notebookDir], { encoding: "utf8", timeout: 120_000 });
    const { interrupted, tookMs, after } = JSON.parse(output.trim().split("\n").pop()!);
    expect(interrupted).toMatchObject({ status: "error", ename: "Interrupted" });
    expect(tookMs).toBeLessThan(1000);
    expect(after).toMatchObject({ status: "ok", result: { "text/plain": "42" } });
  }, 120_000);

  test("a loop after an await stops too", async () => {
    const { outcome } = await interruptOnceStarted(`await null\n${markStarted()} while (true) {}`);
    expect(outcome).toMatchObject({ status: "error", ename: "Interrupted" });
    await expectValue("1", "1");
  });
});

describe("the type checker runs beside the kernel, not in its way", () => {
  test("a cell waiting for the first type check of a fresh kernel can be interrupted at once", async () => {
    const fresh = createInterpreter({ cwd: notebookDir, typecheck: "on", preloadBackend: false });
    await fresh.start();
    try {
      const pending = fresh.execute(cellRequest("tf.tensor([1, 2]).shape", 1, false), new CollectingSink());
      await new Promise((resolve) => setTimeout(resolve, 100));
      const asked = Date.now();
      fresh.interrupt();
      expect(await pending).toMatchObject({ status: "error", ename: "Interrupted" });
      // not the 10–20 s of the first check (the fresh runtime worker may still be starting)
      expect(Date.now() - asked).toBeLessThan(5000);
    } finally {
      await fresh.shutdown(false);
    }
  });
});

describe("a type checker that died", () => {
  test("is replaced by one that knows every name with its latest type", async () => {
    const fresh = createInterpreter({ cwd: notebookDir, typecheck: "on", preloadBackend: false });
    await fresh.start();
    let n = 0;
    const cell = (code: string) => fresh.execute(cellRequest(code, ++n), new CollectingSink());
    try {
      for (const code of [
        "let counter = 1",
        "counter = 2",
        'const label = "a"',
        "function twice(v: number) { return 2 * v; }",
        "interface Box { size: number }",
        "const label = 5",
      ]) {
        expect(await cell(code)).toMatchObject({ status: "ok" });
      }
      // as a crash would (the worker is private: this is the one place a test reaches it)
      const language = (fresh as unknown as { language: { worker: import("node:worker_threads").Worker } }).language;
      const exited = new Promise((resolve) => language.worker.once("exit", resolve));
      await language.worker.terminate();
      await exited;
      expect(resultText(await cell("const box: Box = { size: twice(label) }; counter + box.size"))).toBe("12");
      expect(await cell("label.toUpperCase()")).toMatchObject({ status: "error", evalue: expect.stringContaining("toUpperCase") });
    } finally {
      await fresh.shutdown(false);
    }
  }, 60_000);
});

describe("completion, inspection, is_complete", () => {
  test("members of an object declared in an earlier cell, with the cursor span of the typed prefix", async () => {
    await run("const sample = { label: 'a', labelWidth: 3, count: 1 }");
    const code = "sample.lab";
    const reply = await kernel.complete(code, code.length);
    expect(reply.matches).toEqual(expect.arrayContaining(["label", "labelWidth"]));
    expect(reply.matches).not.toContain("count");
    expect(reply.cursorStart).toBe("sample.".length);
    expect(reply.cursorEnd).toBe(code.length);
    const types = reply.metadata._jupyter_types_experimental as Array<{ text: string; type: string; signature: string }>;
    expect(types.find((entry) => entry.text === "labelWidth")).toMatchObject({ type: "property", signature: expect.stringContaining("number") });
  });

  test("globals and earlier names complete from a prefix", async () => {
    const reply = await kernel.complete("sam", 3);
    expect(reply.matches).toContain("sample");
    expect(reply).toMatchObject({ cursorStart: 0, cursorEnd: 3 });
  });

  test("inspect shows the signature and documentation", async () => {
    await run("/** Multiplies width by height. */\nfunction surface(width: number, height: number): number { return width * height }");
    const reply = await kernel.inspect("surface(2, 3)", 3, 0);
    expect(reply.found).toBe(true);
    expect(reply.data["text/plain"]).toContain("surface(width: number, height: number): number");
    expect(reply.data["text/plain"]).toContain("Multiplies width by height.");
    expect(reply.data["text/markdown"]).toContain("```typescript");
    const detailed = await kernel.inspect("surface", 7, 1);
    expect(detailed.data["text/plain"]).toContain("return width * height");
  });

  test("is_complete: finished code, open brackets, open templates, hopeless syntax", async () => {
    expect(await kernel.isComplete("1 + 1")).toEqual({ status: "complete" });
    expect(await kernel.isComplete("function f() {")).toEqual({ status: "incomplete", indent: "    " });
    expect(await kernel.isComplete("foo(bar, [1,")).toEqual({ status: "incomplete", indent: "        " });
    expect(await kernel.isComplete("const s = `line ${1 + 1}")).toMatchObject({ status: "incomplete" });
    expect(await kernel.isComplete("const x =")).toMatchObject({ status: "incomplete" });
    expect(await kernel.isComplete("a / b")).toEqual({ status: "complete" });
    expect(await kernel.isComplete("let 1x = 2")).toEqual({ status: "invalid" });
    expect(await kernel.isComplete("foo())")).toEqual({ status: "invalid" });
    expect(await kernel.isComplete("const s = 'no closing quote")).toEqual({ status: "invalid" });
    expect(await kernel.isComplete("/* a comment that goes on")).toMatchObject({ status: "incomplete" });
  });
});

describe("typecheck modes and the tsfine object", () => {
  test("warn prints type errors on stderr and runs the cell; on stops it again", async () => {
    await run("tsfine.setTypecheck('warn')");
    const warned = await run("const loose: number = 'still runs' as any as string as any\nconst bad: string = 5\nbad");
    expect(resultText(warned)).toBe("5");
    expect(warned.sink.text("stderr")).toContain("not assignable");
    await run("tsfine.setTypecheck('on')");
    expect(await run("const again: string = 5")).toMatchObject({ status: "error", ename: "TSError" });
  });

  test("tsfine.input asks the front end", async () => {
    await expectValue("await tsfine.input('name?')", "'answer to name?'");
  });
});

describe("magics and display from cells", () => {
  test("a line magic expands before the cell is checked and run", async () => {
    const outcome = await run("%time 6 * 7");
    expect(resultText(outcome)).toBe("42");
    expect(outcome.sink.text("stdout")).toContain("Wall time");
  });

  test("a magic registered from a cell can be used in the next one", async () => {
    await run(`tsfine.registerMagic({ name: "shout", expand: (args: { text: string }) => "console.log(" + JSON.stringify(args.text.toUpperCase()) + ")" })`);
    const outcome = await run("%shout quiet words");
    expect(outcome.status).toBe("ok");
    expect(outcome.sink.text("stdout")).toBe("QUIET WORDS\n");
  });

  test("display() output arrives in order with printed text", async () => {
    const outcome = await run("console.log('before'); display.html('<b>bold</b>'); console.log('after')");
    const kinds = outcome.sink.outputs.map((output) =>
      output.kind === "display" ? `display:${output.event.data["text/html"]}` : `${output.kind}:${output.text}`,
    );
    expect(kinds).toEqual(["stdout:before\n", "display:<b>bold</b>", "stdout:after\n"]);
  });
});

describe("plotly.js in saved notebooks", () => {
  const plotlyScripts = (outcome: { sink: CollectingSink }) =>
    outcome.sink.outputs.filter((o) => o.kind === "display" && String(o.event.data["text/html"] ?? "").length > 1_000_000).length;
  const figure = "display.plotly([{ y: [1, 3, 2], type: 'scatter' }])";

  test("the library rides in the first figure only, and again when that same cell is re-run (its old output is replaced)", async () => {
    const first = await run(figure);
    expect(plotlyScripts(first)).toBe(1);
    expect(plotlyScripts(await run(`${figure};\nconsole.log("another cell")`))).toBe(0);
    expect(plotlyScripts(await run(figure))).toBe(1);
  }, 120_000);

  test("a 3-D figure after a cartesian one carries the full bundle, and carries it again when its cell is re-run", async () => {
    const bundles = (outcome: { sink: CollectingSink }) =>
      outcome.sink.outputs
        .flatMap((o) => (o.kind === "display" ? [String(o.event.data["text/html"] ?? "").match(/tsfine: plotly\.js \((\w+) bundle\)/)?.[1]] : []))
        .filter(Boolean);
    const threeD = "display.plotly([{ x: [1, 2], y: [3, 4], z: [5, 6], type: 'scatter3d' }])";
    // `figure` carries the library: fresh, or as the cell that carried it in the test above, re-run
    expect(bundles(await run(figure))).toEqual(["cartesian"]);
    expect(bundles(await run(threeD))).toEqual(["full"]);
    // its old output, the only full copy, is replaced: the new one carries it again
    expect(bundles(await run(threeD))).toEqual(["full"]);
    expect(bundles(await run(`${figure};\nconsole.log("a cartesian figure later")`))).toEqual([]);
  }, 120_000);
});
