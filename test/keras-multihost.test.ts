/**
 * The keras engine across processes: the same script started once per host (here: two plain-Node
 * processes over 127.0.0.1, one simulated CPU device each), joined by Keras's
 * KERAS_DISTRIBUTION_* variables, trains one data-parallel model that ends where the one-process
 * run on two devices ends. And a process that cannot reach the coordinator says so in one sentence.
 * Needs `tsfine backend install keras --with jax` (.ci/run does it); skipped without it here,
 * failing under CI=true. The runs are child processes on dist/ (test/fixtures/keras-multihost-fit.js).
 */
import { execFile } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { environmentDir, readMarker } from "../tl/engine/keras/paths";

const available = readMarker(environmentDir("jax")) !== undefined || process.env.CI === "true";
const suite = available ? describe : describe.skip;
const script = path.join(__dirname, "fixtures", "keras-multihost-fit.js");

interface RunResult {
  engine?: string;
  batchLoss?: number[];
  start?: number[][];
  weights?: { name: string; values: number[] }[];
  error?: string;
}

/** One run of the fixture in its own Node process, with these variables on top of a clean keras environment. */
function run(env: Record<string, string>): Promise<RunResult> {
  const base: NodeJS.ProcessEnv = { ...process.env, TSFINE_KERAS_FRAMEWORK: "jax" };
  for (const key of ["XLA_FLAGS", "KERAS_DISTRIBUTION_JOB_ADDRESSES", "KERAS_DISTRIBUTION_NUM_PROCESSES", "KERAS_DISTRIBUTION_PROCESS_ID"]) delete base[key];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script], { env: { ...base, ...env }, encoding: "utf8", timeout: 180_000 }, (error, stdout, stderr) => {
      const last = stdout.trim().split("\n").pop();
      if (error || !last) reject(new Error(`${error?.message ?? "no output"}\n${stderr.slice(-2000)}`));
      else resolve(JSON.parse(last) as RunResult);
    });
  });
}

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function relativeL2(a: number[], b: number[]): number {
  let d = 0,
    n = 0;
  for (let j = 0; j < a.length; j++) {
    d += (a[j] - b[j]) ** 2;
    n += a[j] ** 2;
  }
  return Math.sqrt(d / Math.max(n, 1e-30));
}

suite("the keras engine across processes", () => {
  test("two processes with one device each train the model the one-process run on two devices trains", async () => {
    const port = await freePort();
    const cluster = (id: number) =>
      run({
        KERAS_DISTRIBUTION_JOB_ADDRESSES: `127.0.0.1:${port}`,
        KERAS_DISTRIBUTION_NUM_PROCESSES: "2",
        KERAS_DISTRIBUTION_PROCESS_ID: String(id),
        TSFINE_KERAS_COORDINATOR_TIMEOUT: "120",
      });
    const [one, first, second] = await Promise.all([run({ XLA_FLAGS: "--xla_force_host_platform_device_count=2" }), cluster(0), cluster(1)]);
    for (const result of [one, first, second]) expect(result.error).toBeUndefined();
    expect(one.engine).toMatch(/\(CPU:0, CPU:1\)$/);
    // Two devices, one in each process.
    expect(first.engine).toMatch(/\(CPU:\d+, CPU:\d+\)$/);
    expect(first.batchLoss).toHaveLength(6);
    for (const processRun of [first, second]) {
      const apart = processRun.batchLoss!.map((loss, i) => Math.abs(loss - one.batchLoss![i]) / one.batchLoss![i]);
      expect(Math.max(...apart)).toBeLessThan(1e-4);
      one.weights!.forEach((w, i) => expect([w.name, relativeL2(w.values, processRun.weights![i].values) < 1e-4]).toEqual([w.name, true]));
    }
    // Training moved the weights: the match is not two untouched models.
    const moved = one.weights!.map((w, i) => relativeL2(one.start![i], w.values));
    expect(Math.max(...moved)).toBeGreaterThan(1e-2);
  }, 240_000);

  test("a process that cannot reach the coordinator is one sentence", async () => {
    const port = await freePort();
    const result = await run({
      KERAS_DISTRIBUTION_JOB_ADDRESSES: `127.0.0.1:${port}`,
      KERAS_DISTRIBUTION_NUM_PROCESSES: "2",
      KERAS_DISTRIBUTION_PROCESS_ID: "1",
      TSFINE_KERAS_COORDINATOR_TIMEOUT: "2",
    });
    expect(result.error).toBe(
      `Process 1 of 2 could not reach the coordinator at 127.0.0.1:${port} (KERAS_DISTRIBUTION_JOB_ADDRESSES) within 2 s: start process 0 there, ` +
        "check the address and that the port is open, then start this process again (TSFINE_KERAS_COORDINATOR_TIMEOUT sets the wait).",
    );
  }, 120_000);
});
