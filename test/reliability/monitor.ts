/**
 * Watches a kernel's responsiveness from a thread of its own: heartbeat echoes every 50 ms and a
 * kernel_info_request on the control channel every 100 ms, each timed in the worker. A client's
 * main thread that is busy decoding a flood of output would otherwise add its own delays to the
 * figures (jupyter_client also runs its heartbeat channel on a thread of its own).
 */
import { Worker } from "node:worker_threads";
import type { ConnectionInfo } from "../../kernel/connection";
import { endpoint } from "../../kernel/connection";

export interface ChannelStats {
  /** Round trips that came back. */
  count: number;
  /** No answer within the timeout (1 s heartbeat, 2 s control). */
  missed: number;
  worstMs: number;
  p99Ms: number;
}

export interface MonitorStats {
  heartbeat: ChannelStats;
  control: ChannelStats;
}

/** Plain JavaScript: worker threads started from jest do not go through its TypeScript transform. */
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require("node:worker_threads");
const { createHmac, randomUUID } = require("node:crypto");
const zmq = require(workerData.zeromq);
const { key, scheme, hb, control } = workerData;

let paused = false;
let stopping = false;
const fresh = () => ({ latencies: [], missed: 0 });
const windows = { heartbeat: fresh(), control: fresh() };
const totals = { heartbeat: fresh(), control: fresh() };
const note = (channel, ms) => {
  for (const bag of [windows[channel], totals[channel]]) {
    if (ms === undefined) bag.missed++;
    else bag.latencies.push(ms);
  }
};
const summary = (bag) => {
  const sorted = [...bag.latencies].sort((a, b) => a - b);
  return {
    count: sorted.length,
    missed: bag.missed,
    worstMs: sorted.length ? sorted[sorted.length - 1] : 0,
    p99Ms: sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] : 0,
  };
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function heartbeatLoop() {
  const socket = new zmq.Dealer({ linger: 0, reconnectInterval: 20, receiveTimeout: 1000 });
  socket.connect(hb);
  let n = 0;
  while (!stopping) {
    if (paused) { await sleep(50); continue; }
    const token = Buffer.from("monitor-" + ++n);
    const started = performance.now();
    await socket.send([Buffer.alloc(0), token]);
    let latency;
    try {
      for (;;) {
        const frames = await socket.receive();
        if (frames[frames.length - 1].equals(token)) { latency = performance.now() - started; break; }
      }
    } catch { /* timed out */ }
    if (!paused) note("heartbeat", latency);
    await sleep(50);
  }
  socket.close();
}

function sign(parts) {
  const algorithm = scheme.replace(/^hmac-/, "");
  const hmac = createHmac(algorithm, key);
  for (const part of parts) hmac.update(part);
  return hmac.digest("hex");
}

async function controlLoop() {
  const session = randomUUID();
  const socket = new zmq.Dealer({ linger: 0, reconnectInterval: 20, receiveTimeout: 2000, routingId: "monitor-" + session });
  socket.connect(control);
  while (!stopping) {
    if (paused) { await sleep(50); continue; }
    const msgId = randomUUID();
    const header = { msg_id: msgId, session, username: "monitor", date: new Date().toISOString(), msg_type: "kernel_info_request", version: "5.3" };
    const parts = [header, {}, {}, {}].map((part) => Buffer.from(JSON.stringify(part)));
    const started = performance.now();
    await socket.send([Buffer.from("<IDS|MSG>"), Buffer.from(sign(parts)), ...parts]);
    let latency;
    try {
      for (;;) {
        const frames = await socket.receive();
        const at = frames.findIndex((f) => f.toString() === "<IDS|MSG>");
        const parent = JSON.parse(frames[at + 3].toString());
        if (parent.msg_id === msgId) { latency = performance.now() - started; break; }
      }
    } catch { /* timed out */ }
    if (!paused) note("control", latency);
    await sleep(100);
  }
  socket.close();
}

parentPort.on("message", (message) => {
  if (message.type === "pause") paused = true;
  if (message.type === "resume") paused = false;
  if (message.type === "read") {
    parentPort.postMessage({ id: message.id, window: { heartbeat: summary(windows.heartbeat), control: summary(windows.control) }, total: { heartbeat: summary(totals.heartbeat), control: summary(totals.control) } });
    if (message.reset) { windows.heartbeat = fresh(); windows.control = fresh(); }
  }
  if (message.type === "stop") stopping = true;
});
Promise.all([heartbeatLoop(), controlLoop()]).then(() => parentPort.close());
`;

export class ResponsivenessMonitor {
  private readonly worker: Worker;
  private nextId = 0;

  constructor(info: ConnectionInfo) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        zeromq: require.resolve("zeromq"),
        key: info.key,
        scheme: info.signature_scheme,
        hb: endpoint(info, "hb"),
        control: endpoint(info, "control"),
      },
    });
  }

  /** While the kernel is meant to be away (a restart): nothing is counted. */
  pause(): void {
    this.worker.postMessage({ type: "pause" });
  }

  resume(): void {
    this.worker.postMessage({ type: "resume" });
  }

  /** Figures since the last reset (window) and since the start (total); reset starts a new window. */
  read(reset = false): Promise<{ window: MonitorStats; total: MonitorStats }> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      const onMessage = (message: { id: number; window: MonitorStats; total: MonitorStats }) => {
        if (message.id !== id) return;
        this.worker.off("message", onMessage);
        resolve(message);
      };
      this.worker.on("message", onMessage);
      this.worker.postMessage({ type: "read", id, reset });
    });
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    this.worker.postMessage({ type: "stop" });
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }
}
