/**
 * Reliability and security of the real kernel (TypeScript evaluator, runtime worker, ZeroMQ):
 * untrusted and malformed messages, where sockets and files are exposed, interrupts in every
 * kind of wait (tl.fit included), restart, a client that reconnects mid-cell, wasm running out
 * of memory, load, a soak, floods of output. A monitor thread pings the heartbeat and the
 * control channel throughout; at the end a table reports cases per category, failures, peak
 * RSS, leak slopes and the worst heartbeat and control latencies.
 *
 * Sizes: SOAK_CELLS (default 1500 in `npm test`; `npm run test:reliability` sets 10 000, see the
 * soak test), FUZZ_CASES (default 300),
 * FIT_CALLS (default 200), TYPING_REQUESTS (default 600).
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { KernelClient } from "../../kernel/client";
import { CHANNELS } from "../../kernel/connection";
import { createMessage, DELIMITER, encodeMessage, JupyterMessage, MessageSigner } from "../../kernel/wire";
import { delimiterAt, intruderExecuteFrames } from "../helpers/intruder-frames";
import { waitUntil } from "../helpers/wait-until";
import { MonitorStats, ResponsivenessMonitor } from "./monitor";

jest.setTimeout(600_000);

const SOAK_CELLS = Number(process.env.SOAK_CELLS ?? 1_500);
const FUZZ_CASES = Number(process.env.FUZZ_CASES ?? 300);
const FIT_CALLS = Number(process.env.FIT_CALLS ?? 200);
const TYPING_REQUESTS = Number(process.env.TYPING_REQUESTS ?? 600);

interface CategoryReport {
  cases: number;
  failures: number;
  notes: string[];
}
const report = new Map<string, CategoryReport>();
function record(category: string, cases: number, failures: number, note?: string): void {
  const entry = report.get(category) ?? { cases: 0, failures: 0, notes: [] };
  entry.cases += cases;
  entry.failures += failures;
  if (note) entry.notes.push(note);
  report.set(category, entry);
}

let client: KernelClient;
let monitor: ResponsivenessMonitor;
let kernelLog = "";
let peakRssMb = 0;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-reliability-"));
const historyFile = path.join(scratch, "data", "history.jsonl");
const cacheHome = path.join(scratch, "cache");
const kernelEnv = { ...process.env, TSFINE_HISTORY_FILE: historyFile, XDG_CACHE_HOME: cacheHome };

const kernelPid = () => client.process!.pid!;
function procStatus(field: "VmRSS" | "VmHWM"): number {
  const status = fs.readFileSync(`/proc/${kernelPid()}/status`, "utf8");
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}
const openFds = () => fs.readdirSync(`/proc/${kernelPid()}/fd`).length;
/** Peak RSS is per process: the kernel may be replaced by a restart, so keep the highest seen. */
const notePeakRss = () => {
  try {
    peakRssMb = Math.max(peakRssMb, procStatus("VmHWM"));
  } catch {
    /* kernel gone */
  }
};

/** Least-squares slope of ys over xs. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const textOf = (result: { outputs: { header: { msg_type: string }; content: any }[] }) =>
  result.outputs
    .filter((m) => m.header.msg_type === "execute_result")
    .map((m) => m.content.data["text/plain"])
    .join("");
const errorOf = (result: { reply: JupyterMessage }) =>
  result.reply.content.status === "error" ? `${result.reply.content.ename}: ${result.reply.content.evalue}` : "";
/** A cell's value parsed from its text/plain (cells below end with JSON.stringify(...)). */
const jsonOf = (result: { outputs: { header: { msg_type: string }; content: any }[] }) => {
  const text = textOf(result);
  return JSON.parse(text.startsWith("'") ? text.slice(1, -1).replace(/\\'/g, "'") : text);
};
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const describeStats = (s: MonitorStats) =>
  `heartbeat worst ${fmt(s.heartbeat.worstMs)} (p99 ${fmt(s.heartbeat.p99Ms)}, ${s.heartbeat.missed} missed), control worst ${fmt(s.control.worstMs)} (p99 ${fmt(s.control.p99Ms)}, ${s.control.missed} missed)`;

async function launch(): Promise<KernelClient> {
  const launched = await KernelClient.launch({ stdio: "pipe", startupTimeoutMs: 60_000, env: kernelEnv });
  launched.process!.stderr!.on("data", (chunk) => (kernelLog += chunk.toString()));
  return launched;
}

beforeAll(async () => {
  client = await launch();
  await client.execute("1");
  monitor = new ResponsivenessMonitor(client.info);
});

afterAll(async () => {
  const stats = monitor ? await monitor.read() : undefined;
  await monitor?.stop();
  notePeakRss();
  await client?.shutdown(false).catch(() => undefined);
  await client?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
  const rows = [...report.entries()].map(([name, r]) => `| ${name} | ${r.cases} | ${r.failures} | ${r.notes.join("; ")} |`);
  const total = stats?.total;
  console.log(
    [
      "Reliability report",
      "| category | cases | failures | figures |",
      "|---|---|---|---|",
      ...rows,
      `peak kernel RSS: ${peakRssMb.toFixed(0)} MB; whole suite: ${total ? describeStats(total) : "no monitor"}; load average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} on ${os.cpus().length} cores`,
    ].join("\n"),
  );
});

/** Local TCP listening sockets of a process: [address, port] pairs from /proc. */
function listeningSockets(pid: number): Array<[string, number]> {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      /* closed meanwhile */
    }
  }
  const found: Array<[string, number]> = [];
  for (const table of ["tcp", "tcp6"]) {
    const lines = fs.readFileSync(`/proc/${pid}/net/${table}`, "utf8").trim().split("\n").slice(1);
    for (const line of lines) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      const [localHex, state, inode] = [fields[1], fields[3], fields[9]];
      if (state !== "0A" || !inodes.has(inode)) continue; // 0A: LISTEN
      const [addressHex, portHex] = localHex.split(":");
      const address =
        table === "tcp"
          ? addressHex
              .match(/../g)!
              .reverse()
              .map((byte) => parseInt(byte, 16))
              .join(".")
          : addressHex === "00000000000000000000000001000000"
            ? "::1"
            : addressHex === "00000000000000000000000000000000"
              ? "::"
              : addressHex;
      found.push([address, parseInt(portHex, 16)]);
    }
  }
  return found;
}

/** Processes whose parent chain leads to pid. */
function descendants(pid: number): Array<{ pid: number; args: string }> {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      /* gone */
    }
  }
  const result: Array<{ pid: number; args: string }> = [];
  for (const [child] of parents) {
    let ancestor = parents.get(child);
    while (ancestor !== undefined && ancestor > 1 && ancestor !== pid) ancestor = parents.get(ancestor);
    if (ancestor !== pid) continue;
    let args = "";
    try {
      args = fs.readFileSync(`/proc/${child}/cmdline`, "utf8").split("\0").join(" ").trim();
    } catch {
      /* gone */
    }
    result.push({ pid: child, args });
  }
  return result;
}

describe("security: only signed messages run", () => {
  test("wrong key, missing, truncated, altered replay and another scheme never execute", async () => {
    const cases: Array<[string, Buffer[]]> = [];
    cases.push(["wrong key", intruderExecuteFrames(new MessageSigner("not-the-key"), "globalThis.pwned = 'wrong key'")]);
    const missing = intruderExecuteFrames(client.messageSigner, "globalThis.pwned = 'missing'");
    missing[delimiterAt(missing) + 1] = Buffer.alloc(0);
    cases.push(["missing signature", missing]);
    const truncated = intruderExecuteFrames(client.messageSigner, "globalThis.pwned = 'truncated'");
    truncated[delimiterAt(truncated) + 1] = truncated[delimiterAt(truncated) + 1].subarray(0, 12);
    cases.push(["truncated signature", truncated]);
    const altered = intruderExecuteFrames(client.messageSigner, "0");
    altered[delimiterAt(altered) + 5] = Buffer.from(JSON.stringify({ code: "globalThis.pwned = 'altered'", silent: false }));
    cases.push(["replayed with changed body", altered]);
    cases.push(["hmac-sha1 instead of sha256", intruderExecuteFrames(new MessageSigner(client.info.key, "hmac-sha1"), "globalThis.pwned = 'sha1'")]);
    for (const [, frames] of cases) await client.sendFrames("shell", frames);

    const after = await client.execute("typeof (globalThis as any).pwned");
    const failures = textOf(after) === "'undefined'" ? 0 : 1;
    record("security", cases.length, failures, "each logged, none executed");
    expect(textOf(after)).toBe("'undefined'");
    expect(kernelLog).toMatch(/signature/i);
  });
});

describe("security: exposure", () => {
  test("the kernel listens only where the connection file says (127.0.0.1)", async () => {
    const sockets = listeningSockets(kernelPid());
    const expected = CHANNELS.map((channel) => client.info[`${channel}_port`]).sort((a, b) => a - b);
    const ports = sockets.map(([, port]) => port).sort((a, b) => a - b);
    const elsewhere = sockets.filter(([address]) => address !== "127.0.0.1");
    record(
      "security",
      1,
      elsewhere.length === 0 && JSON.stringify(ports) === JSON.stringify(expected) ? 0 : 1,
      `listening: ${sockets.map(([a, p]) => `${a}:${p}`).join(" ")}`,
    );
    expect(elsewhere).toEqual([]);
    expect(ports).toEqual(expected);
  });

  test("connection file, history and the model cache are readable by the user only", async () => {
    // a tiny model, saved by the kernel and served over local HTTP, loaded back by URL into the cache
    const served = path.join(scratch, "served");
    const saved = await client.execute(
      `await tl.save(tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2 })] }), ${JSON.stringify(served)}); "saved"`,
    );
    expect(errorOf(saved)).toBe("");
    const server = http.createServer((request, response) => {
      const file = path.join(served, path.basename(request.url ?? ""));
      if (!fs.existsSync(file)) return void response.writeHead(404).end();
      response.writeHead(200).end(fs.readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const loaded = await client.execute(`(await tl.backbone("http://127.0.0.1:${port}/model.json")).outputs[0].shape.join("x")`);
      expect(errorOf(loaded)).toBe("");
    } finally {
      server.close();
    }
    await client.request("shell", "history_request", { hist_access_type: "tail", n: 1, output: false });
    // history is written half a second after a cell; give it time
    const deadline = Date.now() + 10_000;
    while (!fs.existsSync(historyFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    const cacheFiles: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else cacheFiles.push(full);
      }
    };
    walk(path.join(cacheHome, "tsfine"));
    const modeOf = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);
    const files = [client.connectionFile!, historyFile, ...cacheFiles];
    const open = files.filter((file) => modeOf(file) !== "600").map((file) => `${file} ${modeOf(file)}`);
    const openDirs = [path.dirname(historyFile), path.join(cacheHome, "tsfine"), ...cacheFiles.map(path.dirname)]
      .filter((dir) => (fs.statSync(dir).mode & 0o077) !== 0)
      .map((dir) => `${dir} ${modeOf(dir)}`);
    record(
      "security",
      files.length,
      open.length + openDirs.length,
      `${files.length} files 0600 (connection, history, ${cacheFiles.length} cache)${open.length + openDirs.length ? `; open: ${[...open, ...openDirs].join(", ")}` : ""}`,
    );
    expect(cacheFiles.length).toBeGreaterThanOrEqual(2);
    expect(open).toEqual([]);
    expect(openDirs).toEqual([]);
  });
});

describe("hostile and malformed input", () => {
  test(`${FUZZ_CASES} malformed messages, a 100 MB message and binary buffers: the kernel answers what it can and still computes 1+1`, async () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const signer = client.messageSigner;
    const signedParts = (parts: Buffer[]) => [Buffer.from(DELIMITER), Buffer.from(signer.sign(parts)), ...parts];
    const j = (v: unknown) => Buffer.from(JSON.stringify(v));
    const header = (msgType: unknown) => ({
      msg_id: `fuzz-${rand()}`,
      session: "fuzz",
      username: "fuzz",
      date: new Date().toISOString(),
      msg_type: msgType,
      version: "5.3",
    });
    const generators: Array<() => Buffer[]> = [
      () => [Buffer.from("just one frame")],
      () => [Buffer.from("id"), Buffer.from("no delimiter"), j({})],
      () => signedParts([Buffer.from("{not json"), j({}), j({}), j({})]),
      () => signedParts([j(header("execute_request")), j({}), j({}), Buffer.from("[")]),
      () => signedParts([j(header(42)), j({}), j({}), j({})]),
      () => signedParts([j("a string header"), j({}), j({}), j({})]),
      () => signedParts([j(header(`no_such_request_${Math.floor(rand() * 100)}`)), j({}), j({}), j({})]),
      () => signedParts([j(header("execute_request")), j({}), j({}), j({ code: 42, silent: "maybe" })]),
      () => signedParts([j(header("complete_request")), j({}), j({}), j({ code: null, cursor_pos: "x" })]),
      () => signedParts([j(header("inspect_request")), j({}), j({}), j({ code: "Math", cursor_pos: -5, detail_level: 9 })]),
      () => signedParts([j(header("history_request")), j({}), j({}), j({ hist_access_type: "nope", n: "ten" })]),
      () => signedParts([j(header("comm_open")), j({}), j({}), j({ comm_id: 5, target_name: {} })]),
      () => signedParts([j(header("is_complete_request")), j({}), j({}), j([])]),
      () => [...signedParts([j(header("kernel_info_request")), j({}), j({}), j({})]), Buffer.alloc(1024, 7), Buffer.from([0, 255, 1])],
      () =>
        Array.from({ length: 1 + Math.floor(rand() * 8) }, () => Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)))),
    ];
    for (let i = 0; i < FUZZ_CASES; i++) await client.sendFrames(pick(["shell", "control"]), pick(generators)());

    // 100 MB of code: authentic, but far beyond what the kernel parses; it answers with an error instead
    const rssBefore = procStatus("VmRSS");
    await monitor.read(true);
    const huge = createMessage(
      "execute_request",
      { code: `"${"x".repeat(100 * 1024 * 1024)}".length`, silent: true, store_history: false, user_expressions: {}, allow_stdin: false },
      { session: client.session },
    );
    const hugeId = huge.header.msg_id;
    client.track(hugeId);
    const started = Date.now();
    const hugeReply = client.waitForReply(hugeId, 120_000);
    await client.sendFrames("shell", encodeMessage(huge, signer));
    const [reply] = await Promise.all([hugeReply, client.iopubUntilIdle(hugeId, 120_000)]);
    const hugeMs = Date.now() - started;
    const during = (await monitor.read(true)).window;
    const rssGrowth = procStatus("VmRSS") - rssBefore;

    const result = await client.execute("1+1", { timeoutMs: 120_000 });
    const ok = textOf(result) === "2" && reply.content.ename === "MessageTooLarge";
    record(
      "malformed input",
      FUZZ_CASES + 1,
      ok ? 0 : 1,
      `100 MB execute_request refused with ${reply.content.ename} in ${hugeMs} ms (RSS +${rssGrowth.toFixed(0)} MB; ${describeStats(during)})`,
    );
    expect(reply.content.status).toBe("error");
    expect(reply.content.evalue).toMatch(/100\.0 MB.*at most 32\.0 MB/);
    expect(textOf(result)).toBe("2");
    expect(kernelLog).toMatch(/dropped a message on shell: no <IDS\|MSG> delimiter/);
    expect(client.process!.exitCode).toBeNull();
  });
});

describe("faults: interrupts keep the kernel's state", () => {
  /** Runs `code` and interrupts it once `hasStarted` says the cell is running. */
  async function interruptOnceStarted(code: string, hasStarted: () => boolean) {
    const running = client.execute(code, { allowStdin: true });
    await waitUntil(hasStarted, "the cell to start");
    const started = Date.now();
    await client.interrupt();
    const result = await running;
    return { result, ms: Date.now() - started };
  }

  test("sync loop, pending await, %%sh child process and a waiting input_request are all interrupted within 1 s", async () => {
    await client.execute("const survivor = { value: 41 };");
    const previous = client.onInputRequest;
    let asked = false;
    client.onInputRequest = () => ((asked = true), new Promise(() => {})); // a user who never answers
    // each cell says it is running: by a file it writes (a print would wait behind a sync loop) or its input_request
    const marker = path.join(scratch, "interrupt-case-started");
    const markerWritten = () => fs.existsSync(marker);
    const cases: Record<string, [string, () => boolean]> = {
      "sync loop": [`require("fs").writeFileSync(${JSON.stringify(marker)}, ""); while (true) {}`, markerWritten],
      "pending await": [`require("fs").writeFileSync(${JSON.stringify(marker)}, ""); await new Promise(() => {})`, markerWritten],
      "%%sh sleep": [`%%sh\ntouch ${JSON.stringify(marker)}; sleep 30; echo never`, markerWritten],
      input_request: ["const answer = await tsfine.input('name? ')", () => asked],
    };
    let failures = 0;
    const timings: string[] = [];
    for (const [name, [code, hasStarted]] of Object.entries(cases)) {
      fs.rmSync(marker, { force: true });
      const { result, ms } = await interruptOnceStarted(code, hasStarted);
      const lostState = textOf(await client.execute("survivor.value")) !== "41";
      timings.push(`${name} ${ms} ms${lostState ? " (state lost)" : ""}`);
      if (result.reply.content.status !== "error" || ms > 1000 || lostState) failures++;
    }
    client.onInputRequest = previous;
    // only the kernel's own children count: other jobs on this machine may sleep too
    await new Promise((r) => setTimeout(r, 200));
    const sleeping = descendants(kernelPid()).filter((p) => /\bsleep 30\b/.test(p.args));
    if (sleeping.length) failures++;
    const after = await client.execute("survivor.value + 1");
    if (textOf(after) !== "42") failures++;
    record("interrupts", Object.keys(cases).length, failures, timings.join(", "));
    expect(sleeping).toEqual([]);
    expect(textOf(after)).toBe("42");
    expect(failures).toBe(0);
  });

  test("tl.fit stops at a batch boundary, keeps the best weights, and the model still predicts", async () => {
    const setup = await client.execute(`
const fitXs = tf.randomNormal([240, 16], 0, 1, "float32", 1);
const fitYs = tf.tidy(() => fitXs.slice([0, 0], [240, 1]).reshape([240]).greater(0).cast("int32"));
const fitData = tl.data.fromTensors(fitXs, fitYs, { validation: 0.25, seed: 1 });
const fitModel = tf.sequential({ layers: [tf.layers.dense({ inputShape: [16], units: 32, activation: "relu" }), tf.layers.dense({ units: 2, activation: "softmax" })] });
const fitLog = { batches: 0, epochs: 0, best: Infinity, bestWeights: [] as number[][] };
const fitWatch = {
  name: "watch",
  afterBatch() { fitLog.batches++; },
  afterEpoch(state: { current?: { valLoss?: number } }) {
    fitLog.epochs++;
    console.log("epoch " + fitLog.epochs);
    const valLoss = state.current?.valLoss ?? Infinity;
    if (valLoss < fitLog.best) { fitLog.best = valLoss; fitLog.bestWeights = fitModel.getWeights().map((w) => Array.from(w.dataSync())); }
  },
};
// checked here, where fitModel's type is known (see the report: carried tf types degrade to any)
async function fitCheck(): Promise<string> {
  const batchesThen = fitLog.batches;
  await new Promise((r) => setTimeout(r, 500));
  const now = fitModel.getWeights().map((w) => Array.from(w.dataSync()));
  const maxDiff = fitLog.bestWeights.length === 0 ? Infinity : Math.max(...now.flatMap((w, i) => w.map((v, j) => Math.abs(v - fitLog.bestWeights[i][j]))));
  const predicted = tf.tidy(() => {
    const out = fitModel.predict(tf.ones([3, 16]));
    return Array.from((Array.isArray(out) ? out[0] : out).dataSync());
  });
  return JSON.stringify({ epochs: fitLog.epochs, batchesThen, batchesLater: fitLog.batches, maxDiff, predicted });
}
fitData.validation?.size`);
    expect(errorOf(setup)).toBe("");
    // interrupted once two epochs are done (their end is printed), in the middle of the third
    const running = client.execute(
      `await tl.fit(fitModel, fitData, { epochs: 100000, batchSize: 8, lr: 0.05, checkpoint: "best", verbose: false, callbacks: [fitWatch] })`,
    );
    let printed = "";
    const previousIopub = client.onIopub;
    client.onIopub = (m) => {
      if (m.header.msg_type === "stream") printed += m.content.text;
    };
    const deadline = Date.now() + 120_000;
    while (!printed.includes("epoch 2") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    client.onIopub = previousIopub;
    await new Promise((r) => setTimeout(r, 100));
    const interruptedAt = Date.now();
    await client.interrupt();
    const result = await running;
    const ms = Date.now() - interruptedAt;
    // a later cell: is training still going on behind our back? are the weights the best epoch's?
    const check = await client.execute(`await fitCheck()`);
    const figures = errorOf(check) ? undefined : jsonOf(check);
    const stopped = figures && figures.batchesLater === figures.batchesThen;
    const bestKept = figures && figures.epochs >= 1 && figures.maxDiff < 1e-6;
    const predicts = figures && figures.predicted.length === 6 && figures.predicted.every((v: number) => Number.isFinite(v));
    const failures = [result.reply.content.status === "error" && ms < 1000, stopped, bestKept, predicts].filter((ok) => !ok).length;
    record(
      "interrupts",
      1,
      failures,
      figures
        ? `tl.fit interrupted in ${ms} ms after ${figures.epochs} epochs: training ${stopped ? "stopped" : `went on (${figures.batchesThen}→${figures.batchesLater} batches)`}, weights ${bestKept ? "= best epoch" : `differ from the best epoch by ${figures.maxDiff}`}, predicts ${predicts ? "yes" : "no"}`
        : `tl.fit check failed: ${errorOf(check)}`,
    );
    expect(result.reply.content.status).toBe("error");
    expect(errorOf(check)).toBe("");
    expect({ stopped, bestKept, predicts }).toEqual({ stopped: true, bestKept: true, predicts: true });
  });
});

describe("faults: restart and reconnect", () => {
  test("a client that disconnects mid-cell and reconnects with its session gets the reply and the later outputs", async () => {
    // Two clients of the one kernel: `first` sends a cell and goes away mid-cell; `second` comes back
    // with the same session (= ZeroMQ routing identity). The reply on shell is routed to that identity;
    // iopub is PUB/SUB, so what was published while nobody listened is gone (jupyter_server buffers it
    // for browser reconnects on its side; a kernel cannot).
    // The cell moves on when the test says so (a file appears), not after fixed delays, so on a machine
    // of any speed "before" goes out to `first`, "while away" after it left and "after" once `second` listens.
    const session = `reconnecting-${Date.now()}`;
    const [gone, away, back] = ["gone", "away", "back"].map((name) => path.join(scratch, `${session}-${name}`));
    const signal = (file: string) => fs.writeFileSync(file, "");
    const first = await KernelClient.connect(client.info, { session });
    const request = first.send("shell", "execute_request", {
      code: [
        "function untilFile(file: string): Promise<void> {",
        "  const started = Date.now();",
        "  return new Promise((resolve, reject) => {",
        "    function poll(): void {",
        '      if (require("fs").existsSync(file)) resolve();',
        "      else if (Date.now() - started > 120_000) reject(new Error(`the test never wrote ${file}`));",
        "      else setTimeout(poll, 20);",
        "    }",
        "    poll();",
        "  });",
        "}",
        'console.log("before");',
        `await untilFile(${JSON.stringify(gone)});`,
        'console.log("while away");',
        `require("fs").writeFileSync(${JSON.stringify(away)}, "");`,
        `await untilFile(${JSON.stringify(back)});`,
        'console.log("after");',
        "6 * 7",
      ].join("\n"),
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    });
    const id = request.header.msg_id;
    const seenByFirst: string[] = [];
    first.onIopub = (m) => {
      if (m.parent_header.msg_id === id && m.header.msg_type === "stream") seenByFirst.push(m.content.text);
    };
    let second: KernelClient | undefined;
    try {
      await waitUntil(() => seenByFirst.join("").includes("before"), "the first client sees the cell's first print", { timeoutMs: 60_000, intervalMs: 20 });
      await first.close();
      signal(gone);
      await waitUntil(() => fs.existsSync(away), "the cell prints while no client listens", { timeoutMs: 60_000, intervalMs: 20 });
      second = await KernelClient.connect(client.info, { session });
      second.track(id);
      // connect() returns once iopub is subscribed: what the cell prints from now on reaches `second`
      signal(back);
      const [reply, iopub] = await Promise.all([second.waitForReply(id, 60_000), second.iopubUntilIdle(id, 60_000)]);
      const seenBySecond = iopub
        .filter((m) => m.header.msg_type === "stream")
        .map((m) => m.content.text)
        .join("");
      const result = iopub.find((m) => m.header.msg_type === "execute_result")?.content.data["text/plain"];
      const failures = [reply.content.status === "ok", seenBySecond.includes("after"), result === "42", seenByFirst.join("").includes("before")].filter(
        (ok) => !ok,
      ).length;
      record(
        "restart/reconnect",
        1,
        failures,
        `reconnected client got the reply and ${JSON.stringify(seenBySecond.trim())} + result ${result}; printed while no client listened: ${seenBySecond.includes("while away") ? "delivered" : "lost (PUB/SUB)"}`,
      );
      expect(reply.content.status).toBe("ok");
      expect(seenBySecond).toContain("after");
      expect(result).toBe("42");
    } finally {
      // a test that failed half-way still lets the cell end, so the next tests do not queue behind it
      signal(gone);
      signal(back);
      await first.close();
      await second?.close();
    }
    expect(textOf(await client.execute("survivor.value"))).toBe("41");
  });

  test("restart (shutdown_request restart=true): a fresh kernel on the same connection file works", async () => {
    notePeakRss();
    monitor.pause();
    const started = Date.now();
    let reply;
    try {
      reply = await client.restart(60_000);
    } finally {
      monitor.resume();
    }
    const restartMs = Date.now() - started;
    const fresh = await client.execute("typeof (globalThis as any).survivor");
    const sum = await client.execute("1+1");
    const count = sum.reply.content.execution_count;
    const failures = [reply?.content.restart === true, textOf(fresh) === "'undefined'", textOf(sum) === "2", count === 2].filter((ok) => !ok).length;
    record("restart/reconnect", 1, failures, `restart in ${restartMs} ms; old state gone, 1+1 = ${textOf(sum)}, execution count ${count}`);
    expect(reply?.content).toMatchObject({ status: "ok", restart: true });
    expect(textOf(fresh)).toBe("'undefined'");
    expect(textOf(sum)).toBe("2");
    expect(count).toBe(2);
    await client.execute("const survivor = { value: 41 };");
  });
});

describe("load", () => {
  test("1000 execute requests queued at once: all answered in order with consecutive counts", async () => {
    const first = (await client.execute("0")).reply.content.execution_count as number;
    const started = Date.now();
    const pending = Array.from({ length: 1000 }, (_, i) => client.execute(`${i} * 2`, { timeoutMs: 900_000 }));
    const results = await Promise.all(pending);
    const ms = Date.now() - started;
    let failures = 0;
    results.forEach((r, i) => {
      if (r.reply.content.execution_count !== first + 1 + i || textOf(r) !== String(i * 2)) failures++;
    });
    record("load", 1000, failures, `in order, counts consecutive, ${(ms / 1000).toFixed(1)} s (${(ms / 1000).toFixed(1)} ms per cell)`);
    expect(failures).toBe(0);
  });

  test("complete and inspect are answered while a long cell runs", async () => {
    const running = client.execute("const t0 = Date.now(); while (Date.now() - t0 < 2000) {}");
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const complete = await client.request("shell", "complete_request", { code: "Math.fl", cursor_pos: 7 });
    const inspect = await client.request("shell", "inspect_request", { code: "Math.max", cursor_pos: 8, detail_level: 0 });
    const answeredMs = Date.now() - started;
    await running;
    const failures = (complete.content.matches.includes("floor") ? 0 : 1) + (inspect.content.found ? 0 : 1) + (answeredMs < 1500 ? 0 : 1);
    record("load", 2, failures, `complete+inspect during a 2 s cell in ${answeredMs} ms`);
    expect(failures).toBe(0);
  });
});

describe("soak", () => {
  // 10 000 cells do not fit the CI budget on 2 cores (35-50 ms per cell, each one type-checked:
  // 485 s measured); `npm run test:reliability` runs them (SOAK_CELLS=10000), npm test 1 500.
  test(`${SOAK_CELLS} small cells: RSS and fds stay flat`, async () => {
    const fdsBefore = openFds();
    const xs: number[] = [];
    const rss: number[] = [];
    const batch = 50; // an RSS sample after every 50 cells
    const started = Date.now();
    for (let done = 0; done < SOAK_CELLS; done += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, SOAK_CELLS - done) }, (_, i) => client.execute(`const soak = { n: ${done + i}, s: "${"y".repeat(64)}" }; soak.n`)),
      );
      // Until ~400-600 cells RSS still rises to the heaps' working size (the language worker's
      // grows by up to 64 MB of garbage between collections); a leak is growth that goes on after.
      if (done >= SOAK_CELLS * 0.4) {
        xs.push(done + batch);
        rss.push(procStatus("VmRSS"));
      }
    }
    const ms = Date.now() - started;
    const mbPer1000 = slope(xs, rss) * 1000;
    const fdsAfter = openFds();
    // What a kernel must keep per cell (history, the names it declared, source maps of recent
    // cells) is 2-4 KB. RSS does not follow that closely: each thread's heap and malloc arenas
    // grow in steps of ~10 MB to new high-water marks, so over ~900 cells the least-squares slope
    // measured 6-25 MB per 1000 cells (11 MB per 1000 over 3000 cells, flattening). The bound
    // catches a real per-cell leak of tens of KB, and what the language worker's uncollected
    // garbage did before it collected after 64 MB of growth (kernel/evaluator/garbage-collector.ts):
    // 121 MB per 1000 cells in CI.
    const RSS_BOUND_MB_PER_1000 = 40;
    const failures = (fdsAfter <= fdsBefore + 2 ? 0 : 1) + (mbPer1000 < RSS_BOUND_MB_PER_1000 ? 0 : 1);
    record(
      "soak",
      SOAK_CELLS,
      failures,
      `RSS slope ${mbPer1000.toFixed(2)} MB/1000 cells after the first ${xs[0] - batch} (bound ${RSS_BOUND_MB_PER_1000}), fds ${fdsBefore}→${fdsAfter}, ${(ms / SOAK_CELLS).toFixed(1)} ms per cell`,
    );
    expect(fdsAfter).toBeLessThanOrEqual(fdsBefore + 2);
    expect(mbPer1000).toBeLessThan(RSS_BOUND_MB_PER_1000);
  });

  test(`${TYPING_REQUESTS} completions and inspections of a text that changes each time (typing): RSS stays bounded`, async () => {
    // Each new text is a new TypeScript program in the language worker, and its garbage is collected after
    // 64 MB of growth. Before completions and inspections triggered that collection too, RSS rose by ~280 MB
    // over 600 such requests (V8 let the heap grow to several times its live size); now by ~40-90 MB.
    // The whole program (tf's declarations: ~100 MB live) is built first, as any notebook using tf has it.
    expect(errorOf(await client.execute("tf.tensor([1, 2]).shape"))).toBe("");
    const ask = (i: number) => {
      const code = `const typed${i} = ${i};\nMath.fl`;
      return i % 2 === 0
        ? client.request("shell", "complete_request", { code, cursor_pos: code.length })
        : client.request("shell", "inspect_request", { code, cursor_pos: code.length - 3, detail_level: 0 });
    };
    for (let i = 0; i < 20; i++) await ask(-1 - i);
    const before = procStatus("VmRSS");
    let highest = before;
    let failures = 0;
    for (let i = 0; i < TYPING_REQUESTS; i++) {
      const reply = await ask(i);
      if (i % 2 === 0 ? !reply.content.matches.includes("floor") : !reply.content.found) failures++;
      if (i % 50 === 49) highest = Math.max(highest, procStatus("VmRSS"));
    }
    const grewMb = highest - before;
    const BOUND_MB = 150;
    record(
      "soak",
      TYPING_REQUESTS,
      failures + (grewMb < BOUND_MB ? 0 : 1),
      `${TYPING_REQUESTS} complete/inspect on changing text: RSS ${before.toFixed(0)} → highest ${highest.toFixed(0)} MB (bound +${BOUND_MB})`,
    );
    expect(failures).toBe(0);
    expect(grewMb).toBeLessThan(BOUND_MB);
  });

  test(`${FIT_CALLS} fit/predict calls: tf.memory() stays flat`, async () => {
    const setup = await client.execute(`
const soakXs = tf.randomNormal([64, 8], 0, 1, "float32", 3);
const soakData = tl.data.fromTensors(soakXs, Array.from({ length: 64 }, (_, i) => i % 2), { seed: 2 });
const soakModel = tf.sequential({ layers: [tf.layers.dense({ inputShape: [8], units: 16, activation: "relu" }), tf.layers.dense({ units: 2, activation: "softmax" })] });
const soakProbe = tf.ones([4, 8]);
tf.memory().numTensors`);
    expect(errorOf(setup)).toBe("");
    const perCell = 10;
    const calls: number[] = [];
    const tensors: number[] = [];
    const bytes: number[] = [];
    let failures = 0;
    for (let done = 0; done < FIT_CALLS; done += perCell) {
      const result = await client.execute(`
for (let i = 0; i < ${perCell}; i++) {
  await tl.fit(soakModel, soakData, { epochs: 1, batchSize: 16, verbose: false });
  tf.tidy(() => { soakModel.predict(soakProbe); });
}
JSON.stringify(tf.memory())`);
      if (errorOf(result)) {
        failures++;
        continue;
      }
      const memory = jsonOf(result);
      calls.push(done + perCell);
      tensors.push(memory.numTensors);
      bytes.push(memory.numBytes);
    }
    const tensorSlope = slope(calls, tensors);
    const byteSlope = slope(calls, bytes);
    record(
      "soak",
      FIT_CALLS,
      failures,
      `${FIT_CALLS} fit+predict: tf.memory slope ${tensorSlope.toFixed(3)} tensors/call, ${byteSlope.toFixed(0)} bytes/call (numTensors ${tensors[0]}→${tensors[tensors.length - 1]})`,
    );
    expect(failures).toBe(0);
    expect(tensorSlope).toBeLessThanOrEqual(0.01);
    expect(byteSlope).toBeLessThanOrEqual(1);
  });
});

/**
 * What is asserted about responsiveness during a flood. The target is 100 ms worst case for
 * heartbeat and control; both are served from the control thread (heartbeat.ts,
 * control-thread.ts), so the main thread relaying the flood does not delay them. Asserted: nothing
 * missed (heartbeat within 1 s, control within 2 s) and the p99 of each under 100 ms; a flood
 * window holds 10-40 samples, so there p99 is the worst sample. What is left is the operating
 * system: on 2 shared cores the kernel's main thread, its runtime worker, ZeroMQ's I/O threads and
 * this test client (which decodes the same 100 MB) compete for the CPU, and on a machine loaded to
 * ~10 by other jobs about one flood in 15-25 saw heartbeat and control stall together for ~160 ms
 * (the control thread's own 5 ms timer fired that late: the thread was not scheduled). The whole
 * suite's worst is reported, not asserted.
 */
const isResponsive = (s: MonitorStats) => s.heartbeat.missed === 0 && s.control.missed === 0 && s.heartbeat.p99Ms < 100 && s.control.p99Ms < 100;
function expectResponsive(s: MonitorStats): void {
  expect(s.heartbeat.missed).toBe(0);
  expect(s.control.missed).toBe(0);
  expect(s.heartbeat.p99Ms).toBeLessThan(100);
  expect(s.control.p99Ms).toBeLessThan(100);
}

describe("floods of output", () => {
  test("a cell printing 100 MB arrives as a bounded number of messages; heartbeat and control answered throughout", async () => {
    await monitor.read(true);
    const rssBefore = procStatus("VmRSS");
    const result = await client.execute("const chunk = 'z'.repeat(1024 * 1024 - 1) + '\\n'; for (let i = 0; i < 100; i++) process.stdout.write(chunk);", {
      timeoutMs: 300_000,
    });
    const rssAfter = procStatus("VmRSS");
    const during = (await monitor.read(true)).window;
    const streams = result.outputs.filter((m) => m.header.msg_type === "stream");
    const bytes = streams.reduce((n, m) => n + m.content.text.length, 0);
    const responsive = isResponsive(during);
    record(
      "output floods",
      1,
      bytes === 100 * 1024 * 1024 && streams.length < 2000 && responsive ? 0 : 1,
      `100 MB in ${streams.length} stream messages (RSS ${rssBefore.toFixed(0)}→${rssAfter.toFixed(0)} MB), ${describeStats(during)}`,
    );
    expect(bytes).toBe(100 * 1024 * 1024);
    expect(streams.length).toBeLessThan(2000);
    expectResponsive(during);
  });

  test("10 000 display updates send a bounded number of messages ending with the last state", async () => {
    await monitor.read(true);
    const result = await client.execute("const out = display.live('start'); for (let i = 1; i <= 10000; i++) out.update(`update ${i}`);");
    const during = (await monitor.read(true)).window;
    const updates = result.outputs.filter((m) => m.header.msg_type === "update_display_data");
    const last = updates[updates.length - 1]?.content.data["text/plain"];
    const responsive = isResponsive(during);
    record(
      "output floods",
      1,
      updates.length < 500 && String(last).includes("update 10000") && responsive ? 0 : 1,
      `10 000 updates → ${updates.length} messages, ${describeStats(during)}`,
    );
    expect(updates.length).toBeLessThan(500);
    expect(String(last)).toContain("update 10000");
    expectResponsive(during);
  });

  test("an interrupt during a 512 MB print is answered at once and ends the cell's output within seconds; state survives", async () => {
    await client.execute("const floodSurvivor = 41;");
    await monitor.read(true);
    const previousListener = client.onIopub;
    const firstStream = new Promise<void>((resolve) => {
      client.onIopub = (message) => {
        previousListener(message);
        if (message.header.msg_type === "stream") resolve();
      };
    });
    const running = client.execute("{ const chunk = 'y'.repeat(1024 * 1024 - 1) + '\\n'; for (let i = 0; i < 512; i++) process.stdout.write(chunk); }", {
      timeoutMs: 300_000,
    });
    await firstStream; // the flood is under way
    client.onIopub = previousListener;
    const interruptedAt = performance.now();
    const interruptReply = await client.interrupt();
    const replyMs = performance.now() - interruptedAt;
    const result = await running;
    const endedMs = performance.now() - interruptedAt;
    const during = (await monitor.read(true)).window;
    const streams = result.outputs.filter((m) => m.header.msg_type === "stream");
    const printedMb = streams.reduce((n, m) => n + m.content.text.length, 0) / 2 ** 20;
    const note = streams.map((m) => m.content.text).find((text) => text.includes("[tsfine] interrupted")) ?? "";
    const after = textOf(await client.execute("floodSurvivor + 1"));
    record(
      "output floods",
      1,
      interruptReply.content.status === "ok" && endedMs < 5000 && after === "42" ? 0 : 1,
      `interrupt during a 512 MB print: reply in ${fmt(replyMs)}, cell ended ${fmt(endedMs)} after it, ${printedMb.toFixed(0)} MB reached the client (${note.trim() || "no note"}), ${describeStats(during)}`,
    );
    expect(interruptReply.content.status).toBe("ok");
    expect(endedMs).toBeLessThan(5000);
    expect(printedMb).toBeLessThan(512);
    expect(after).toBe("42");
  });

  test("a print loop interrupted after 3 s: kernel memory stays bounded, the interrupt lands within 1 s, state survives", async () => {
    await client.execute("const loopSurvivor = 41;");
    const rssBefore = procStatus("VmRSS");
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, procStatus("VmRSS"))), 50);
    const running = client.execute(`while (true) console.log("x".repeat(1000))`, { timeoutMs: 120_000 });
    await new Promise((r) => setTimeout(r, 3000));
    const interruptedAt = performance.now();
    await client.interrupt();
    const result = await running;
    const endedMs = performance.now() - interruptedAt;
    clearInterval(sampler);
    const growthMb = rssPeak - rssBefore;
    const printedMb = result.outputs.filter((m) => m.header.msg_type === "stream").reduce((n, m) => n + m.content.text.length, 0) / 2 ** 20;
    const after = textOf(await client.execute("loopSurvivor + 1"));
    record(
      "output floods",
      1,
      growthMb < 400 && endedMs < 1000 && after === "42" ? 0 : 1,
      `print loop interrupted after 3 s: RSS ${rssBefore.toFixed(0)}→peak ${rssPeak.toFixed(0)} MB, cell ended ${fmt(endedMs)} after the interrupt, ${printedMb.toFixed(0)} MB reached the client`,
    );
    expect(after).toBe("42");
    // measured: +844 MB with no bound on the output in flight, +170-280 MB with it (32 M characters)
    expect(growthMb).toBeLessThan(400);
    expect(endedMs).toBeLessThan(1000);
  });
});

// Last: a batch that does reach wasm's memory limit aborts the WebAssembly module and takes every
// tensor with it, so nothing after this test depends on tf.
describe("faults: out of memory", () => {
  test("a batch too large for wasm memory: a clear error naming a batch size, the kernel and earlier state survive", async () => {
    const setup = await client.execute(`
const oomData = tl.data.fromTensors(tf.randomNormal([4096, 32, 32, 3], 0, 1, "float32", 2), Array.from({ length: 4096 }, (_, i) => i % 2), { seed: 1 });
const oomModel = tf.sequential({ layers: [
  tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 512, kernelSize: 3, padding: "same", activation: "relu" }),
  tf.layers.globalAveragePooling2d({}),
  tf.layers.dense({ units: 2, activation: "softmax" }),
] });
function oomAfter(): string {
  const out = oomModel.predict(tf.ones([2, 32, 32, 3]));
  const predicts = (Array.isArray(out) ? out[0] : out).shape;
  return JSON.stringify({ survivor: survivor.value, sum: tf.tensor([1, 2, 3]).sum().dataSync()[0], predicts });
}
tf.getBackend()`);
    expect(errorOf(setup)).toBe("");
    const backend = textOf(setup);
    // one batch of 4096 needs > 8 GB of activations; wasm memory ends at 4 GiB
    const oom = await client.execute(`await tl.fit(oomModel, oomData, { epochs: 1, batchSize: 4096, verbose: false })`, { timeoutMs: 300_000 });
    const message = errorOf(oom);
    const after = await client.execute(`oomAfter()`);
    const state = errorOf(after) ? undefined : jsonOf(after);
    const namesBatch = /batch ?size[^.]*\b\d+\b/i.test(message);
    const survived = state?.survivor === 41 && state?.sum === 6 && state?.predicts?.join("x") === "2x2";
    record(
      "out of memory",
      1,
      (namesBatch ? 0 : 1) + (survived ? 0 : 1),
      `${backend}: fit with batch 4096 → ${JSON.stringify(message.slice(0, 200))}; afterwards ${state ? JSON.stringify(state) : errorOf(after).slice(0, 200)}`,
    );
    expect(oom.reply.content.status).toBe("error");
    expect(message).toMatch(/batch ?size[^.]*\b\d+\b/i);
    expect(survived).toBe(true);
  });
});
