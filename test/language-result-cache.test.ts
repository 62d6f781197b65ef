/**
 * Compile results kept between kernels (kernel/evaluator/language-result-cache.ts): a kernel started again in
 * the same folder answers cells it has checked before without waiting for the type checker, so what matters
 * to a user is that the answers stay right: a type error still stops the cell before it runs, and a result is
 * not reused once what it was checked with changed (here the tsconfig.json). Needs the build in dist/ (the
 * workers run from there).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createInterpreter } from "../kernel/evaluator";
import type { ExecuteOutcome, OutputSink } from "../kernel/interpreter";
import { useTemporaryCacheHome } from "./helpers/temporary-cache-home";

const cacheHome = useTemporaryCacheHome();

class CollectingSink implements OutputSink {
  stdout = "";
  stream(name: "stdout" | "stderr", text: string, relayed?: () => void): void {
    relayed?.();
    if (name === "stdout") this.stdout += text;
  }
  display(): void {}
  clearOutput(): void {}
  input(): Promise<string> {
    return Promise.resolve("");
  }
}

/** Runs `cells` in order in a new kernel in `dir`; each outcome with what the cell printed. */
async function runInNewKernel(dir: string, cells: string[]): Promise<Array<ExecuteOutcome & { stdout: string }>> {
  const kernel = createInterpreter({ cwd: dir, typecheck: "on", preloadBackend: false });
  await kernel.start();
  try {
    const outcomes = [];
    for (const [i, code] of cells.entries()) {
      const sink = new CollectingSink();
      const outcome = await kernel.execute({ code, silent: false, storeHistory: true, allowStdin: false, executionCount: i + 1, userExpressions: {} }, sink);
      outcomes.push({ ...outcome, stdout: sink.stdout });
    }
    return outcomes;
  } finally {
    await kernel.shutdown(false);
  }
}

const summary = (outcome: ExecuteOutcome & { stdout: string }) =>
  outcome.status === "ok"
    ? { status: "ok", value: outcome.result?.["text/plain"], stdout: outcome.stdout }
    : { status: "error", ename: outcome.ename, stdout: outcome.stdout };

const cacheFiles = () => {
  const folder = path.join(cacheHome.path, "tsfine", "cells");
  return fs.existsSync(folder) ? fs.readdirSync(folder) : [];
};

let dir: string;

beforeAll(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-kept-results-")));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a kernel started again answers as the first did: the type error still stops its cell before it runs; a tsconfig.json change is seen", async () => {
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: false } }));
  const cells = ["let total = 40", "function plus(x) { return x + total; }\nplus(2)", 'console.log("ran");\nconst wrong: string = total;', "total + 1"];
  const expected = [
    { status: "ok", value: undefined, stdout: "" },
    { status: "ok", value: "42", stdout: "" },
    { status: "error", ename: "TSError", stdout: "" },
    { status: "ok", value: "41", stdout: "" },
  ];
  expect((await runInNewKernel(dir, cells)).map(summary)).toEqual(expected);
  expect(cacheFiles()).toHaveLength(1);
  expect((await runInNewKernel(dir, cells)).map(summary)).toEqual(expected);

  // strict again: the parameter without a type is an error, whatever an earlier kernel concluded
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true } }));
  const strict = (await runInNewKernel(dir, cells)).map(summary);
  expect(strict[1]).toEqual({ status: "error", ename: "TSError", stdout: "" });
}, 180_000);
