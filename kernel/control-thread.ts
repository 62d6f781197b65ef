/**
 * The control channel, served from a worker thread with its own ZeroMQ socket (as ipykernel
 * serves it from a thread of its own); the heartbeat's echo runs on the same thread (heartbeat.ts). The main thread can be busy for a long turn (a runtime
 * worker that printed 100 MB hands over all of it in one event-loop turn, and relaying it costs
 * JSON and HMAC work); control requests must still be answered within a fraction of that.
 *
 * The thread verifies every message. It answers kernel_info_request and interrupt_request itself
 * and tells the main thread afterwards (which publishes busy/idle on iopub and stops the cell);
 * every other request (shutdown, anything unusual sent on control) goes to the main thread's
 * protocol, whose replies come back here to be sent.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { Router } from "zeromq";
import { echoHeartbeats } from "./heartbeat";
import { Outbox } from "./outbox";
import { ROUTER_OPTIONS } from "./sockets";
import { createMessage, decodeMessageAsync, encodeMessageFrames, JupyterMessage, MessageSigner, ReplayGuard, signatureOf } from "./wire";

/** What the thread needs to verify and answer requests. */
export interface ControlServeOptions {
  key: string;
  scheme: string;
  /** The kernel's session id, put in the header of every reply. */
  session: string;
  kernelInfo: Record<string, unknown>;
}

interface ControlThreadData {
  role: "tsfine-control";
  endpoint: string;
  heartbeatEndpoint: string;
  options: ControlServeOptions;
}

export interface ControlHandlers {
  /** A verified request for the main thread's protocol; `signature` lets it guard against replays across channels. */
  request(message: JupyterMessage, signature: string): void;
  /** A request the thread has already answered (kernel_info_request, interrupt_request). */
  answered(message: JupyterMessage, signature: string): void;
  /** An authentic request refused for its size (see decodeMessage). */
  refused(message: JupyterMessage, reason: string): void;
  dropped(reason: string): void;
}

type ToThread = { type: "send"; frames: Array<Uint8Array | string> } | { type: "stop" };
type FromThread =
  | { type: "bound" }
  | { type: "bindFailed"; error: string }
  | { type: "request" | "answered"; message: JupyterMessage; signature: string }
  | { type: "refused"; message: JupyterMessage; reason: string }
  | { type: "dropped"; reason: string };

/** Buffers cross threads as plain Uint8Arrays; the protocol expects Buffers. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function revive(message: JupyterMessage): JupyterMessage {
  return { ...message, identities: message.identities.map(asBuffer), buffers: message.buffers.map(asBuffer) };
}

/** Where the thread binds its two sockets. */
export interface ControlThreadEndpoints {
  control: string;
  heartbeat: string;
}

/**
 * Starts the thread; resolves once both its sockets are bound and it reads requests and pings
 * (rejects if it cannot bind one).
 */
export function startControlThread(endpoints: ControlThreadEndpoints, options: ControlServeOptions, handlers: ControlHandlers): Promise<ControlThread> {
  const thread = new ControlThread(endpoints, options, handlers);
  return thread.bound.then(() => thread);
}

/** The main thread's handle on the control thread. */
export class ControlThread {
  readonly bound: Promise<void>;
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private closing: Promise<void> | undefined;

  constructor(
    endpoints: ControlThreadEndpoints,
    options: ControlServeOptions,
    private readonly handlers: ControlHandlers,
  ) {
    const data: ControlThreadData = { role: "tsfine-control", endpoint: endpoints.control, heartbeatEndpoint: endpoints.heartbeat, options };
    this.worker = new Worker(__filename, { workerData: data });
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once("exit", () => resolve()));
    this.bound = new Promise((resolve, reject) => {
      this.worker.once("error", reject);
      this.worker.on("message", (message: FromThread) => {
        if (message.type === "bound") resolve();
        else if (message.type === "bindFailed") reject(new Error(message.error));
        else this.dispatch(message);
      });
    });
    this.bound.then(
      () => this.worker.on("error", (error) => process.stderr.write(`[tsfine] control thread failed: ${error}\n`)),
      () => undefined,
    );
  }

  /** Queues a reply; the thread sends replies in the order they were queued. */
  send(frames: Array<Buffer | string>): Promise<void> {
    this.post({ type: "send", frames });
    return Promise.resolve();
  }

  /** Sends what is queued, closes the socket and ends the thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.bound.catch(() => undefined);
      this.post({ type: "stop" });
      // Terminating a thread that holds a ZeroMQ socket aborts the process: only if it hangs.
      const timer = setTimeout(() => void this.worker.terminate(), 3000);
      await this.exited;
      clearTimeout(timer);
    })();
    return this.closing;
  }

  private post(message: ToThread): void {
    this.worker.postMessage(message);
  }

  private dispatch(message: FromThread): void {
    switch (message.type) {
      case "request":
        this.handlers.request(revive(message.message), message.signature);
        return;
      case "answered":
        this.handlers.answered(revive(message.message), message.signature);
        return;
      case "refused":
        this.handlers.refused(revive(message.message), message.reason);
        return;
      case "dropped":
        this.handlers.dropped(message.reason);
        return;
    }
  }
}

// ---- inside the thread ---------------------------------------------------------------

function tell(message: FromThread): void {
  parentPort!.postMessage(message);
}

/** The reply to a request the thread answers without waiting for the main thread; undefined for the rest. */
function answer(request: JupyterMessage, options: ControlServeOptions): { type: string; content: Record<string, unknown> } | undefined {
  switch (request.header.msg_type) {
    case "kernel_info_request":
      return { type: "kernel_info_reply", content: options.kernelInfo };
    case "interrupt_request":
      return { type: "interrupt_reply", content: { status: "ok" } };
    default:
      return undefined;
  }
}

async function serveRequests(socket: Router, outbox: Outbox, options: ControlServeOptions): Promise<void> {
  const signer = new MessageSigner(options.key, options.scheme);
  const replays = new ReplayGuard();
  for await (const frames of socket) {
    const decoded = await decodeMessageAsync(frames, signer, replays);
    if (!decoded.ok) {
      tell({ type: "dropped", reason: decoded.reason });
      if (decoded.refused) tell({ type: "refused", message: decoded.refused, reason: decoded.reason });
      continue;
    }
    const request = decoded.message;
    const signature = signatureOf(frames);
    const reply = answer(request, options);
    if (!reply) {
      tell({ type: "request", message: request, signature });
      continue;
    }
    const message = createMessage(reply.type, reply.content, { session: options.session, parent: request, identities: request.identities });
    void outbox.send(encodeMessageFrames(message, signer));
    tell({ type: "answered", message: request, signature });
  }
}

async function runThread({ endpoint, heartbeatEndpoint, options }: ControlThreadData): Promise<void> {
  const { Router } = await import("zeromq");
  const socket = new Router(ROUTER_OPTIONS);
  const heartbeat = new Router({ linger: 0 });
  const bind = async (router: Router, at: string, channel: string) => {
    try {
      await router.bind(at);
    } catch (error) {
      throw new Error(`Cannot bind the ${channel} channel to ${at}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  };
  try {
    await Promise.all([bind(socket, endpoint, "control"), bind(heartbeat, heartbeatEndpoint, "heartbeat")]);
  } catch (error) {
    tell({ type: "bindFailed", error: (error as Error).message });
    socket.close();
    heartbeat.close();
    parentPort!.close();
    return;
  }
  const echoing = echoHeartbeats(heartbeat);
  const outbox = new Outbox(socket, (error) => tell({ type: "dropped", reason: `send failed: ${error}` }));
  const serving = serveRequests(socket, outbox, options).catch(() => undefined);
  parentPort!.on("message", (message: ToThread) => {
    if (message.type === "send") {
      void outbox.send(message.frames.map((frame) => (typeof frame === "string" ? frame : asBuffer(frame))));
      return;
    }
    void outbox.drain().then(async () => {
      socket.close();
      heartbeat.close();
      await Promise.all([serving, echoing]);
      parentPort!.close();
    });
  });
  tell({ type: "bound" });
}

if (!isMainThread && (workerData as ControlThreadData | undefined)?.role === "tsfine-control") {
  void runThread(workerData as ControlThreadData);
}
