/**
 * IPython's `name?` / `name??` in a cell: the docs go to the front end's pager (an execute_reply
 * payload with source "page"), as JupyterLab and the classic Notebook show them. Needs
 * `npx tsc -p tsconfig.json` first (the runtime worker runs from dist/).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createInterpreter } from "../kernel/evaluator";
import { parsePagerQuery } from "../kernel/evaluator/pager-query";
import type { ExecuteOutcome, Interpreter } from "../kernel/interpreter";

let dir: string;
let kernel: Interpreter;
let count = 0;
const sink = { stream() {}, display() {}, clearOutput() {}, input: async () => "" };
const run = (code: string): Promise<ExecuteOutcome> =>
  kernel.execute({ code, silent: false, storeHistory: true, allowStdin: false, executionCount: ++count, userExpressions: {} }, sink);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-pager-"));
  kernel = createInterpreter({ cwd: dir, typecheck: "on", preloadBackend: false });
  await kernel.start();
}, 60_000);
afterAll(async () => {
  await kernel.shutdown(false);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("which cells are pager queries", () => {
  expect(parsePagerQuery("Math.max?")).toEqual({ expression: "Math.max", detailLevel: 0 });
  expect(parsePagerQuery("  xs[0].toFixed??  ")).toEqual({ expression: "xs[0].toFixed", detailLevel: 1 });
  expect(parsePagerQuery("maybe?.value?")).toEqual({ expression: "maybe?.value", detailLevel: 0 });
  expect(parsePagerQuery("a ? b : c")).toBeUndefined();
  expect(parsePagerQuery("%fit?")).toBeUndefined();
  expect(parsePagerQuery("Math.max?\n1")).toBeUndefined();
});

test("`name?` pages the signature and docs; `name??` adds the declaration; nothing runs", async () => {
  const page = await run("Math.max?");
  expect(page).toMatchObject({
    status: "ok",
    payload: [{ source: "page", start: 0, data: { "text/plain": expect.stringContaining("Math.max(...values: number[]): number") } }],
  });
  expect(page.status === "ok" && page.result).toBeFalsy();

  await run("/** How many apples. */\nconst apples = 3");
  const detailed = await run("apples??");
  expect(detailed).toMatchObject({
    status: "ok",
    payload: [{ source: "page", data: { "text/plain": expect.stringMatching(/const apples: 3[\s\S]*How many apples[\s\S]*Declared in an earlier cell/) } }],
  });
});

test("an unknown name is one clear error and the kernel keeps its state", async () => {
  const unknown = await run("notDeclaredAnywhere?");
  expect(unknown).toMatchObject({ status: "error", evalue: expect.stringContaining("Nothing is known about notDeclaredAnywhere") });
  expect(await run("apples + 1")).toMatchObject({ status: "ok", result: { "text/plain": "4" } });
});
