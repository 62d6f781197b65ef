/**
 * The `tl` a notebook user reads and completes holds tl's public API only: the kernel's own seams
 * (fit's shared stop signal, the repair of a cut step) come from tl/kernel-seams.ts instead.
 * Through the real kernel process (dist/: build first).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KernelClient } from "../kernel/client";

const KERNEL_SEAMS = ["fitActivity", "useStopSignal", "recoverInterruptedFit"];

let client: KernelClient;
let notebookDir: string;

beforeAll(async () => {
  notebookDir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-tl-namespace-"));
  client = await KernelClient.launch({ cwd: notebookDir, stdio: "ignore", startupTimeoutMs: 60_000 });
}, 90_000);

afterAll(async () => {
  await client?.close();
  fs.rmSync(notebookDir, { recursive: true, force: true });
});

async function complete(code: string): Promise<string[]> {
  // the first completion against tf's declarations waits for the full program
  const reply = await client.request("shell", "complete_request", { code, cursor_pos: code.length }, 120_000);
  expect(reply.content.status).toBe("ok");
  return reply.content.matches as string[];
}

test("tl.fi<Tab> offers fit and fineTune, not the kernel's fitActivity", async () => {
  const matches = await complete("tl.fi");
  expect(matches).toEqual(expect.arrayContaining(["fit", "fineTune"]));
  expect(matches).not.toContain("fitActivity");
  const all = await complete("tl.");
  expect(all).toEqual(expect.arrayContaining(["fit", "fineTune", "lrFind", "requestStop", "freeze"]));
  for (const seam of KERNEL_SEAMS) expect(all).not.toContain(seam);
}, 180_000);

test("the tl a cell runs with has none of the kernel's seams either", async () => {
  const { reply, outputs } = await client.execute(`JSON.stringify(${JSON.stringify(KERNEL_SEAMS)}.filter((name) => name in tl))`);
  expect(reply.content.status).toBe("ok");
  const result = outputs.find((m) => m.header.msg_type === "execute_result");
  expect((result?.content.data as Record<string, string>)["text/plain"]).toBe(`'[]'`);
}, 180_000);
