/**
 * Paper cuts a new user hit (issue 15), each as that user meets it: cells run in order through the
 * kernel's real interpreter (createInterpreter, its runtime and language workers, tf's backend
 * preloaded as the kernel does), outputs collected by an in-memory OutputSink. Needs
 * `npx tsc -p tsconfig.json` first: the workers run from dist/.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createInterpreter } from "../kernel/evaluator";
import type { DisplayEvent, ExecuteOutcome, Interpreter, OutputSink } from "../kernel/interpreter";

class CollectingSink implements OutputSink {
  readonly streams: Array<{ name: "stdout" | "stderr"; text: string }> = [];
  readonly displays: DisplayEvent[] = [];
  stream(name: "stdout" | "stderr", text: string, relayed?: () => void): void {
    relayed?.();
    this.streams.push({ name, text });
  }
  display(event: DisplayEvent): void {
    this.displays.push(event);
  }
  clearOutput(): void {}
  input(): Promise<string> {
    return Promise.resolve("");
  }
  text(name: "stdout" | "stderr"): string {
    return this.streams.map((stream) => (stream.name === name ? stream.text : "")).join("");
  }
}

let notebookDir: string;
let kernel: Interpreter;
let count = 0;

async function run(code: string): Promise<ExecuteOutcome & { sink: CollectingSink }> {
  const sink = new CollectingSink();
  const outcome = await kernel.execute({ code, silent: false, storeHistory: true, allowStdin: false, executionCount: ++count, userExpressions: {} }, sink);
  return Object.assign(outcome, { sink });
}

/** The text/plain value of a cell that must succeed. */
async function valueOf(code: string): Promise<string | undefined> {
  const outcome = await run(code);
  if (outcome.status === "error") throw new Error(`cell failed:\n${code}\n${outcome.ename}: ${outcome.evalue}\n${outcome.traceback.join("\n")}`);
  return outcome.result?.["text/plain"] as string | undefined;
}

async function waitUntil(condition: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  notebookDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-paper-cuts-")));
  kernel = createInterpreter({ cwd: notebookDir, typecheck: "on", preloadBackend: true });
  await kernel.start();
  // tf's backend is what installs the rethrowing error listeners (Emscripten's glue in the wasm backend)
  await valueOf("await tl.backend.init(); 'ready'");
}, 120_000);

afterAll(async () => {
  await kernel.shutdown(false);
  fs.rmSync(notebookDir, { recursive: true, force: true });
});

describe("an import or declaration takes over a name Node already defines as a global", () => {
  test("import * as crypto binds Node's crypto module in the same cell and in later ones", async () => {
    const digest = 'crypto.createHash("sha256").update("tsfine").digest("hex").slice(0, 12)';
    const expected = `'${require("node:crypto").createHash("sha256").update("tsfine").digest("hex").slice(0, 12)}'`;
    expect(await valueOf(`import * as crypto from "crypto";\n${digest}`)).toBe(expected);
    expect(await valueOf(digest)).toBe(expected);
  });

  test("a var, a const and a function named like globals hold the user's values", async () => {
    expect(await valueOf("var crypto = { name: 'mine' }; crypto.name")).toBe("'mine'");
    expect(await valueOf("crypto.name")).toBe("'mine'");
    expect(await valueOf("const performance = { now: () => 42 }; performance.now()")).toBe("42");
    expect(await valueOf("performance.now()")).toBe("42");
    expect(await valueOf("function navigator() { return 'nav' }\nnavigator()")).toBe("'nav'");
    expect(await valueOf("navigator()")).toBe("'nav'");
  });
});

describe("!cmd lines run in the shell, as IPython's do", () => {
  test("output streams to the cell and a failing command is the cell's error", async () => {
    fs.writeFileSync(path.join(notebookDir, "listed.txt"), "");
    const listing = await run(`!ls ${notebookDir}`);
    expect(listing.status).toBe("ok");
    expect(listing.sink.text("stdout").split("\n")).toContain("listed.txt");
    const failing = await run("!echo about to fail; exit 3");
    expect(failing.sink.text("stdout")).toBe("about to fail\n");
    expect(failing).toMatchObject({ status: "error", evalue: "Command exited with status 3" });
  });

  test("%sx captures a command's lines, and a negation at the start of a line stays TypeScript", async () => {
    expect(await valueOf("const lines = %sx printf 'a\\nb\\n'\nlines")).toBe("[ 'a', 'b' ]");
    expect(await valueOf("let busy = false\nconst idle =\n  !busy\nidle")).toBe("true");
  });
});

describe("completion inside magics offers the notebook's names and the magic's flags", () => {
  async function completions(code: string) {
    const reply = await kernel.complete(code, code.length);
    return { matches: reply.matches, replaced: code.slice(reply.cursorStart, reply.cursorEnd) };
  }

  test("%fit ba<Tab> and %freeze ba<Tab> offer the notebook's names; --ep<Tab> offers --epochs", async () => {
    await run("const baseModel = 1; const batchData = { test: 2 }");
    expect(await completions("%fit ba")).toEqual({ matches: expect.arrayContaining(["baseModel", "batchData"]), replaced: "ba" });
    expect(await completions("%freeze ba")).toEqual({ matches: expect.arrayContaining(["baseModel", "batchData"]), replaced: "ba" });
    expect(await completions("%fit baseModel batchData.te")).toEqual({ matches: ["test"], replaced: "te" });
    expect(await completions("%fit baseModel batchData --ep")).toEqual({ matches: ["--epochs"], replaced: "--ep" });
  });
});

describe("%versions says what the notebook runs on", () => {
  test("tsfine, TypeScript, tfjs, the backend, Node and the platform, as a table and as JSON", async () => {
    const shown = await run("%versions");
    expect(shown.status).toBe("ok");
    const bundle = shown.sink.displays.map((event) => event.data).find((data) => data["application/json"]);
    expect(bundle?.["application/json"]).toEqual({
      tsfine: JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")).version,
      typescript: require("typescript").version,
      tfjs: await valueOf("tf.version.tfjs").then((text) => text?.replace(/'/g, "")),
      backend: await valueOf("tf.getBackend()").then((text) => text?.replace(/'/g, "")),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    });
    expect(bundle?.["text/plain"]).toMatch(/^tsfine +\d/m);
  });
});

describe("a stray error in async code keeps the notebook's state", () => {
  test("a timer that throws is reported on the cell that scheduled it, and every name survives", async () => {
    await run("let keep = 7");
    const scheduling = await run('setTimeout(() => { throw new Error("late") }, 10); undefined');
    await waitUntil(() => scheduling.sink.text("stderr").includes("late"), "the timer's error is reported");
    const reported = scheduling.sink.text("stderr");
    expect(reported).toContain("threw; the kernel keeps running, with every name it had");
    expect(reported).toContain("cell[");
    expect(reported).not.toMatch(/restarted|state is lost/);
    expect(await valueOf("keep")).toBe("7");
  });

  test("a rejection nobody handles is reported once, and every name survives", async () => {
    await run("let kept = 8");
    const rejecting = await run('Promise.reject(new Error("nobody handled me")); undefined');
    await waitUntil(() => rejecting.sink.text("stderr").includes("nobody handled me"), "the rejection is reported");
    expect(rejecting.sink.text("stderr")).toContain("A promise was rejected and nothing handled the rejection");
    expect(await valueOf("kept")).toBe("8");
    expect(rejecting.sink.text("stderr").split("was rejected").length - 1).toBe(1);
    expect(rejecting.sink.text("stderr")).not.toMatch(/restarted|state is lost/);
  });

  test("process.exit still ends the runtime, and the cell says so", async () => {
    const exiting = await run("process.exit(3)");
    expect(exiting).toMatchObject({ status: "error", ename: "RuntimeRestarted" });
    expect(exiting.status === "error" && exiting.evalue).toContain("process.exit(3) was called");
    expect(exiting.sink.text("stderr")).toContain("the kernel's runtime restarted because process.exit(3) was called; earlier state is lost");
    expect(await valueOf("1 + 1")).toBe("2");
  });
});
