/**
 * A kernel whose launching process dies without shutting it down (a `jupyter console` whose
 * terminal closed) exits on its own, history saved, as ipykernel does; one whose launcher lives
 * stays up. Each kernel is launched by a short-lived Node process through tsfine's own client,
 * which sets JPY_PARENT_PID as jupyter_client does. Needs the build in dist/.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const repoRoot = path.resolve(__dirname, "..");

/** A launcher process: starts a kernel, runs one cell, prints the kernel's pid, then waits to be killed. */
function launcher(historyFile: string, kernelOutput: "ignore" | "pipe" = "ignore"): { process: ChildProcess; kernelPid: Promise<number> } {
  const script = `
    const { KernelClient } = require(${JSON.stringify(path.join(repoRoot, "dist", "kernel", "client.js"))});
    (async () => {
      const client = await KernelClient.launch({ stdio: ${JSON.stringify(kernelOutput)}, env: { ...process.env, TSFINE_HISTORY_FILE: ${JSON.stringify(historyFile)} } });
      await client.execute("const launchedBy = 'a launcher that will die'");
      console.log(JSON.stringify({ kernelPid: client.process.pid }));
      setInterval(() => {}, 1000);
    })().catch((error) => { console.error(error); process.exit(1); });`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const kernelPid = new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk;
      const line = /\{.*\}/.exec(out);
      if (line) resolve((JSON.parse(line[0]) as { kernelPid: number }).kernelPid);
    });
    child.on("exit", (code) => reject(new Error(`the launcher exited (${code}) before its kernel was ready`)));
  });
  return { process: child, kernelPid };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, what: string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let dir: string;
const launched: Array<{ process: ChildProcess; kernelPid?: number }> = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-parent-watch-"));
});

afterAll(() => {
  for (const { process: child, kernelPid } of launched) {
    if (kernelPid !== undefined && alive(kernelPid)) process.kill(kernelPid, "SIGTERM");
    child.kill("SIGKILL");
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a kernel exits within seconds once its launcher is gone, history saved; a kernel whose launcher lives stays up", async () => {
  const dying = launcher(path.join(dir, "dying-history.json"));
  const living = launcher(path.join(dir, "living-history.json"));
  launched.push(dying, living);
  const [dyingKernel, livingKernel] = await Promise.all([dying.kernelPid, living.kernelPid]);
  launched[0].kernelPid = dyingKernel;
  launched[1].kernelPid = livingKernel;

  dying.process.kill("SIGKILL");
  await waitUntil(() => !alive(dyingKernel), "the orphaned kernel exits", 8000);
  expect(fs.readFileSync(path.join(dir, "dying-history.json"), "utf8")).toContain("a launcher that will die");
  // The orphan noticed within its polling period, so the other kernel has been polling as long.
  expect(alive(livingKernel)).toBe(true);
  expect(alive(living.process.pid!)).toBe(true);
}, 120_000);

test("an orphan whose stdout and stderr were pipes to its dead launcher exits too (its farewell line meets a closed pipe)", async () => {
  const piped = launcher(path.join(dir, "piped-history.json"), "pipe");
  launched.push(piped);
  const kernel = await piped.kernelPid;
  launched[launched.length - 1].kernelPid = kernel;
  piped.process.kill("SIGKILL");
  // Within the same time as the first test's orphan: not only when the 10 s deadline for closing ends it.
  await waitUntil(() => !alive(kernel), "the orphaned kernel exits", 8000);
  expect(fs.readFileSync(path.join(dir, "piped-history.json"), "utf8")).toContain("a launcher that will die");
}, 120_000);
