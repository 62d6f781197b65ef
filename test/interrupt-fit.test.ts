/**
 * Interrupting a cell that runs tl.fit whose training step (one batch) takes ~300-600 ms: the kernel
 * waits for the batch boundary (tl/fit/stop-request.ts's shared stop signal) instead of terminating
 * JavaScript mid-step, so fit stops by itself and the runtime, its state and tf's memory stay whole.
 * Interrupting a cell whose fit awaits something else (a callback's promise, the keras engine's
 * Python): the cell is answered once fit has returned, so the next cell has its history.
 * Needs `npx tsc -p tsconfig.json` first: the runtime worker and tl run from dist/.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createInterpreter } from "../kernel/evaluator";
import type { DisplayEvent, ExecuteOutcome, Interpreter, OutputSink } from "../kernel/interpreter";
import { findInterpreter } from "../tl/engine/keras/process";
import { waitUntil } from "./helpers/wait-until";

class CollectingSink implements OutputSink {
  stderr = "";
  stream(name: "stdout" | "stderr", text: string, relayed?: () => void): void {
    relayed?.();
    if (name === "stderr") this.stderr += text;
  }
  display(_event: DisplayEvent): void {}
  clearOutput(): void {}
  input(): Promise<string> {
    return Promise.resolve("");
  }
}

let notebookDir: string;
let kernel: Interpreter;
let restarts = 0;
let count = 0;

async function run(code: string): Promise<ExecuteOutcome & { stderr: string }> {
  const sink = new CollectingSink();
  const outcome = await kernel.execute({ code, silent: false, storeHistory: true, allowStdin: false, executionCount: ++count, userExpressions: {} }, sink);
  if (/runtime restarted/.test(sink.stderr)) restarts++;
  return Object.assign(outcome, { stderr: sink.stderr });
}

async function value(code: string): Promise<string> {
  const outcome = await run(code);
  if (outcome.status === "error") throw new Error(`cell failed:\n${code}\n${outcome.ename}: ${outcome.evalue}\n${outcome.traceback.join("\n")}`);
  return outcome.result?.["text/plain"] as string;
}

beforeAll(async () => {
  notebookDir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-interrupt-fit-"));
  kernel = createInterpreter({ cwd: notebookDir, typecheck: "off", preloadBackend: false });
  await kernel.start();
}, 120_000);

afterAll(async () => {
  await kernel.shutdown(false);
  fs.rmSync(notebookDir, { recursive: true, force: true });
});

test("tl.fit interrupted mid-step stops at its batch boundary: no termination, no restart, best weights, no leaked tensors, fit works again", async () => {
  const stepFile = path.join(notebookDir, "second-epoch-step");
  await value(`
    const survivor = "kept";
    await tl.backend.init("wasm");
    tl.seed(3);
    const n = 1024;
    const data = tl.data.fromTensors(tf.randomNormal([n, 512], 0, 1, "float32", 1), Array.from({ length: n }, (_, i) => i % 10), { seed: 1 });
    // a step of 256 takes ~300-600 ms on one wasm thread of a busy 2-core machine
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [512], units: 768, activation: "relu" }),
        tf.layers.dense({ units: 768, activation: "relu" }),
        tf.layers.dense({ units: 10, activation: "softmax" }),
      ],
    });
    let history;
    const tensorsBefore = tf.memory().numTensors;
    tf.getBackend()`);
  const pending = run(`
    history = await tl.fit(model, data, {
      epochs: 100, batchSize: 256, lr: 1e-3, seed: 4, checkpoint: "best", verbose: false,
      callbacks: [{ name: "step", beforeBatch: (s) => { if (s.epoch >= 1) require("fs").writeFileSync(${JSON.stringify(stepFile)}, String(s.batch)); } }],
    });`);
  // an epoch is done and the next one's first step is starting
  await waitUntil(() => fs.existsSync(stepFile), "a step of the second epoch", { timeoutMs: 120_000 });
  const asked = Date.now();
  kernel.interrupt();
  const outcome = await pending;
  const tookMs = Date.now() - asked;
  expect(outcome).toMatchObject({ status: "error", ename: "Interrupted" });
  expect(tookMs).toBeLessThan(4000);

  const next = await run(`[survivor, history?.stopped, history?.restoredEpoch >= 1, tf.memory().numTensors - tensorsBefore]`);
  expect(next).toMatchObject({ status: "ok" });
  // fit ended by itself (a termination would have left `history` unset and recoverInterruptedFit would have said so)
  expect(next.result?.["text/plain"]).toBe(`[ 'kept', 'interrupted', true, 0 ]`);
  expect(next.stderr).not.toMatch(/tl\.fit was stopped by the interrupt/);
  expect(restarts).toBe(0);

  await expect(
    value(`tf.tidy(() => [model.getWeights().every((w) => w.isFinite().all().dataSync()[0] === 1), (model.predict(tf.randomNormal([2, 512])) as any).shape])`),
  ).resolves.toBe("[ true, [ 2, 10 ] ]");
  await expect(
    value(`
      const again = await tl.fit(model, data, { epochs: 1, batchSize: 256, seed: 5, verbose: false });
      [again.epochs.length, Number.isFinite(again.epochs[0].loss), again.stopped, tf.memory().numTensors - tensorsBefore]`),
  ).resolves.toBe("[ 1, true, undefined, 0 ]");
}, 300_000);

test("an interrupt while tl.fit awaits something that is not a training step: the cell is answered once fit has returned, so the very next cell has its history", async () => {
  const waitingFile = path.join(notebookDir, "second-phase-waiting");
  await value(`
    await tl.backend.init("wasm");
    const ftInput = tf.input({ shape: [8] });
    const ftHidden = tf.layers.dense({ units: 8, activation: "relu" }).apply(ftInput);
    const ftModel = tf.model({ inputs: ftInput, outputs: tf.layers.dense({ units: 2, activation: "softmax" }).apply(ftHidden) as tf.SymbolicTensor });
    const ftData = tl.data.fromTensors(tf.randomNormal([64, 8], 0, 1, "float32", 3), Array.from({ length: 64 }, (_, i) => i % 2), { seed: 1 });
    let ftHistory;
    let ftPhases = 0;
    0`);
  const interruptedFile = path.join(notebookDir, "second-phase-interrupted");
  // fineTune's first phase trains an epoch; the second phase's beforeFit then awaits something the
  // stop request does not end: it ends a second after the test has interrupted, so the interrupt
  // always lands in it, and fit ends only once it has, at its first batch boundary.
  const pending = run(`
    ftHistory = await tl.fineTune(ftModel, ftData, {
      freezeEpochs: 1, epochs: 2, batchSize: 16, verbose: false,
      callbacks: [{ name: "slow second phase", beforeFit: async () => {
        if (++ftPhases < 2) return;
        const fs = require("fs");
        fs.writeFileSync(${JSON.stringify(waitingFile)}, "");
        await new Promise((resolve) => {
          const poll = setInterval(() => {
            if (!fs.existsSync(${JSON.stringify(interruptedFile)})) return;
            clearInterval(poll);
            setTimeout(resolve, 1000);
          }, 20);
        });
      } }],
    });`);
  await waitUntil(() => fs.existsSync(waitingFile), "the second phase's wait", { timeoutMs: 120_000 });
  kernel.interrupt();
  fs.writeFileSync(interruptedFile, "");
  const outcome = await pending;
  expect(outcome).toMatchObject({ status: "error", ename: "Interrupted" });
  expect(outcome.stderr).not.toMatch(/did not end/);
  // the very next cell: no waiting for fit's assignment to land
  const next = await run(`[ftHistory?.stopped, ftHistory?.epochs.map((e) => e.epoch), ftPhases]`);
  expect(next.result?.["text/plain"]).toBe(`[ 'interrupted', [ 1 ], 2 ]`);
  expect(restarts).toBe(0);
}, 300_000);

test("an interrupt of a cell awaiting a promise that never settles is answered without waiting for fit's deadline, also once tl is loaded", async () => {
  const startedFile = path.join(notebookDir, "never-settles-started");
  const outcome = run(`require("fs").writeFileSync(${JSON.stringify(startedFile)}, ""); await new Promise(() => {})`);
  await waitUntil(() => fs.existsSync(startedFile), "the cell to start", { timeoutMs: 60_000 });
  kernel.interrupt();
  await expect(outcome).resolves.toMatchObject({ status: "error", ename: "Interrupted" });
  expect((await outcome).stderr).toBe("");
  await expect(value(`ftPhases`)).resolves.toBe("2");
}, 60_000);

test("an interrupt while tl.fit awaits something that ignores the stop: the cell is answered after the deadline with one sentence, and fit assigns its history once the await ends", async () => {
  const waitingFile = path.join(notebookDir, "stuck-before-fit");
  const pending = run(`
    let stuckRelease: () => void;
    let stuckHistory;
    stuckHistory = await tl.fit(ftModel, ftData, {
      epochs: 1, batchSize: 16, verbose: false,
      callbacks: [{ name: "stuck", beforeFit: () => new Promise<void>((resolve) => {
        stuckRelease = resolve;
        require("fs").writeFileSync(${JSON.stringify(waitingFile)}, "");
      }) }],
    });`);
  await waitUntil(() => fs.existsSync(waitingFile), "fit's stuck beforeFit", { timeoutMs: 60_000 });
  kernel.interrupt();
  const outcome = await pending;
  expect(outcome).toMatchObject({ status: "error", ename: "Interrupted" });
  expect(outcome.stderr).toMatch(
    /^tl\.fit did not end within \d+ s of the interrupt .*, so the cell is answered now and fit may still assign its result later\.\n$/,
  );
  expect(restarts).toBe(0);
  await expect(value(`stuckRelease(); stuckHistory === undefined`)).resolves.toBe("true");
  await waitUntil(async () => (await value(`stuckHistory?.stopped`)) === "'interrupted'", "fit's history once its await ended", {
    timeoutMs: 30_000,
    intervalMs: 100,
  });
}, 120_000);

const kerasInstalled = findInterpreter() !== undefined || process.env.CI === "true";

(kerasInstalled ? test : test.skip)(
  "an interrupt while the keras engine's Python starts: fit ends by itself without waiting for it before the cell is answered, nothing trained, no termination; the next keras fit trains",
  async () => {
    const preparedFile = path.join(notebookDir, "keras-fit-prepared");
    await value(`
    await tl.backend.init("wasm");
    const kInput = tf.input({ shape: [16] });
    const kHidden = tf.layers.dense({ units: 8, activation: "relu", name: "k_hidden", trainable: false }).apply(kInput);
    const kOut = tf.layers.dense({ units: 3, activation: "softmax", name: "k_out" }).apply(kHidden);
    const kModel = tf.model({ inputs: kInput, outputs: kOut });
    const kData = tl.data.fromTensors(tf.randomNormal([64, 16], 0, 1, "float32", 2), Array.from({ length: 64 }, (_, i) => i % 3), { seed: 1 });
    const kBefore = kModel.getWeights().map((w) => Array.from(w.dataSync()).join());
    let kHistory;
    0`);
    // The first keras fit of this kernel: its Python starts now and imports TensorFlow for seconds.
    const pending = run(`
    kHistory = await tl.fit(kModel, kData, {
      engine: "keras", epochs: 2, batchSize: 16, verbose: false,
      callbacks: [{ name: "prepared", beforeFit: () => require("fs").writeFileSync(${JSON.stringify(preparedFile)}, "") }],
    });`);
    await waitUntil(() => fs.existsSync(preparedFile), "the keras fit's preparation", { timeoutMs: 60_000 });
    kernel.interrupt();
    // The kernel answers the awaiting cell once fit has seen the stop and returned its history, so
    // the very next cell has it. That fit does not wait for Python is keras-engine.test.ts's direct test.
    await expect(pending).resolves.toMatchObject({ status: "error", ename: "Interrupted" });
    const next = await run(`[kHistory?.stopped, kHistory?.epochs.length, kModel.getWeights().every((w, i) => Array.from(w.dataSync()).join() === kBefore[i])]`);
    expect(next.result?.["text/plain"]).toBe(`[ 'interrupted', 0, true ]`);
    expect(next.stderr).not.toMatch(/tl\.fit was stopped by the interrupt/);
    expect(restarts).toBe(0);
    await expect(
      value(
        `const kAgain = await tl.fit(kModel, kData, { engine: "keras", epochs: 1, batchSize: 16, verbose: false }); [kAgain.epochs.length, kAgain.stopped]`,
      ),
    ).resolves.toBe("[ 1, undefined ]");
  },
  300_000,
);
