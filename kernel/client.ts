/**
 * A Jupyter client over ZeroMQ, in TypeScript: launches a kernel with a fresh connection
 * file (or connects to one), sends requests, answers input requests, and collects the iopub
 * messages of each request until its `idle`. Used by `tsfine run` and by the tests.
 */
import { ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Dealer, Subscriber } from "zeromq";
import { ConnectionInfo, createConnectionInfo, endpoint, writeConnectionFile } from "./connection";
import { Outbox } from "./outbox";
import { cliScript } from "./package-root";
import { createMessage, decodeMessage, encodeMessage, JupyterMessage, MessageSigner } from "./wire";

export type ClientChannel = "shell" | "control" | "stdin";

export interface LaunchOptions {
  /** Command line; "{connection_file}" is replaced. Default: node --no-force-async-hooks-checks bin/tsfine.js kernel --connection-file F. */
  argv?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the kernel's stdout/stderr go (default: this process's stderr). */
  stdio?: "inherit" | "pipe" | "ignore";
  startupTimeoutMs?: number;
  /** tcp on loopback (default) or ipc socket files in a private temporary folder. */
  transport?: "tcp" | "ipc";
}

export interface ConnectOptions {
  readyTimeoutMs?: number;
  /**
   * Session id, also the routing identity of shell, control and stdin. A client that reconnects
   * with the session it had gets the replies to requests it sent before (ZeroMQ ROUTER sockets
   * route by identity). iopub messages published while it was away are gone: PUB/SUB keeps no backlog.
   */
  session?: string;
}

interface LaunchSpec {
  argv: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  stdio: "inherit" | "pipe" | "ignore";
}

function spawnKernel(spec: LaunchSpec): ChildProcess {
  const { argv, stdio } = spec;
  return spawn(argv[0], argv.slice(1), {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ["ignore", stdio === "inherit" ? process.stderr : stdio, stdio === "inherit" ? process.stderr : stdio],
  });
}

export interface ExecuteOptions {
  silent?: boolean;
  storeHistory?: boolean;
  userExpressions?: Record<string, string>;
  allowStdin?: boolean;
  stopOnError?: boolean;
  /** Reject (after sending interrupt_request) when the reply and idle take longer. */
  timeoutMs?: number;
}

export interface ExecuteResult {
  request: JupyterMessage;
  reply: JupyterMessage;
  /** Every iopub message parented to the request, in arrival order (status and execute_input included). */
  iopub: JupyterMessage[];
  /** Just the outputs: stream, display_data, update_display_data, execute_result, error, clear_output. */
  outputs: JupyterMessage[];
}

const OUTPUT_TYPES = new Set(["stream", "display_data", "update_display_data", "execute_result", "error", "clear_output"]);

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

/** Collects iopub messages for one request until status idle. */
class IopubTracker {
  readonly messages: JupyterMessage[] = [];
  idle = false;
  private waiters: Waiter<JupyterMessage[]>[] = [];

  push(message: JupyterMessage): void {
    this.messages.push(message);
    if (message.header.msg_type === "status" && message.content.execution_state === "idle") {
      this.idle = true;
      for (const waiter of this.waiters.splice(0)) waiter.resolve(this.messages);
    }
  }

  untilIdle(): Promise<JupyterMessage[]> {
    if (this.idle) return Promise.resolve(this.messages);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  fail(error: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}

/** A wait that ran out of time. */
export class ClientTimeoutError extends Error {
  override name = "ClientTimeoutError";
}

/** The launched kernel process ended while we waited for it. */
export class KernelDiedError extends Error {
  override name = "KernelDiedError";
}

function withTimeout<T>(promise: Promise<T>, ms: number | undefined, what: string): Promise<T> {
  if (ms === undefined || !Number.isFinite(ms)) return promise;
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ClientTimeoutError(`Timed out after ${ms} ms waiting for ${what}.`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class KernelClient {
  readonly session: string;
  /** Answers input_request; without one, input requests get an empty line. */
  onInputRequest: (prompt: string, password: boolean, request: JupyterMessage) => string | Promise<string> = () => "";
  /** Every iopub message, whatever its parent (for tests and live displays). */
  onIopub: (message: JupyterMessage) => void = () => {};

  private readonly signer: MessageSigner;
  private readonly sockets: { shell: Dealer; control: Dealer; stdin: Dealer; iopub: Subscriber; hb: Dealer };
  private readonly outboxes: Record<ClientChannel | "hb", Outbox>;
  private readonly replies = new Map<string, Waiter<JupyterMessage>>();
  private readonly trackers = new Map<string, IopubTracker>();
  private closed = false;
  /** The kernel welcomed a subscription (JEP 65's iopub_welcome): what it publishes from now on reaches this client. */
  private iopubWelcomed = false;
  private pingCounter = 0;
  private pingChain: Promise<unknown> = Promise.resolve();
  private child: ChildProcess | undefined;
  private exitedPromise: Promise<number | null> = new Promise(() => {});
  private launchSpec: LaunchSpec | undefined;

  private constructor(
    readonly info: ConnectionInfo,
    child?: ChildProcess,
    private readonly connectionDir?: string,
    /** The connection file written for a launched kernel (mode 0600). */
    readonly connectionFile?: string,
    session: string = randomUUID(),
  ) {
    this.session = session;
    this.signer = new MessageSigner(info.key, info.signature_scheme);
    // shell and stdin share a routing id: the kernel sends input_request to the shell sender's identity.
    const identity = this.session;
    this.sockets = {
      shell: new Dealer({ routingId: identity, linger: 0, reconnectInterval: 20, receiveHighWaterMark: 1_000_000 }),
      control: new Dealer({ routingId: identity, linger: 0, reconnectInterval: 20, receiveHighWaterMark: 1_000_000 }),
      stdin: new Dealer({ routingId: identity, linger: 0, reconnectInterval: 20, receiveHighWaterMark: 1_000_000 }),
      iopub: new Subscriber({ linger: 0, reconnectInterval: 20, receiveHighWaterMark: 1_000_000 }),
      hb: new Dealer({ linger: 0, reconnectInterval: 20, receiveHighWaterMark: 1_000_000 }),
    };
    this.outboxes = {
      shell: new Outbox(this.sockets.shell),
      control: new Outbox(this.sockets.control),
      stdin: new Outbox(this.sockets.stdin),
      hb: new Outbox(this.sockets.hb),
    };
    if (child) this.attach(child);
  }

  /** The launched kernel process (the current one after restart()). */
  get process(): ChildProcess | undefined {
    return this.child;
  }

  /** Exit code of the launched kernel (null if killed by a signal); resolves when it exits. */
  get exited(): Promise<number | null> {
    return this.exitedPromise;
  }

  private attach(child: ChildProcess): void {
    this.child = child;
    const exited = new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once("exit", (code) => resolve(code));
    });
    this.exitedPromise = exited;
    void exited.then((code) => {
      // only the current process's exit fails what waits (restart() replaces the process)
      if (this.child === child) this.failPending(new KernelDiedError(`The kernel exited (code ${code}) while a request was waiting.`));
    });
  }

  private failPending(error: Error): void {
    for (const waiter of this.replies.values()) waiter.reject(error);
    this.replies.clear();
    for (const tracker of this.trackers.values()) tracker.fail(error);
    this.trackers.clear();
  }

  /** Starts a kernel process with a fresh connection file and waits until it answers kernel_info with iopub flowing. */
  static async launch(options: LaunchOptions = {}): Promise<KernelClient> {
    const dir = await fs.mkdtemp(join(tmpdir(), "tsfine-client-"));
    const info = options.transport === "ipc" ? await createConnectionInfo(join(dir, "kernel"), "ipc") : await createConnectionInfo();
    const file = join(dir, `kernel-${randomUUID()}.json`);
    await writeConnectionFile(file, info);
    const argv = (options.argv ?? [process.execPath, "--no-force-async-hooks-checks", cliScript(), "kernel", "--connection-file", "{connection_file}"]).map(
      (arg) => arg.replace("{connection_file}", file),
    );
    // As jupyter_client does: the kernel exits if this process dies without shutting it down (kernel/parent-watch.ts).
    const env = { ...(options.env ?? process.env), JPY_PARENT_PID: String(process.pid) };
    const spec: LaunchSpec = { argv, cwd: options.cwd, env, stdio: options.stdio ?? "inherit" };
    const client = new KernelClient(info, spawnKernel(spec), dir, file);
    client.launchSpec = spec;
    client.connectSockets();
    try {
      await client.untilReadyOrExit(options.startupTimeoutMs ?? 30000);
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  private async untilReadyOrExit(timeoutMs: number): Promise<void> {
    const died = this.exited.then((code) => {
      throw new Error(`The kernel exited (code ${code}) before it was ready.`);
    });
    died.catch(() => {});
    await Promise.race([this.waitForReady(timeoutMs), died]);
  }

  /** Connects to a kernel that is already running (a number: the ready timeout in ms). */
  static async connect(info: ConnectionInfo, options: number | ConnectOptions = {}): Promise<KernelClient> {
    const { readyTimeoutMs = 30000, session }: ConnectOptions = typeof options === "number" ? { readyTimeoutMs: options } : options;
    const client = new KernelClient(info, undefined, undefined, undefined, session);
    client.connectSockets();
    try {
      await client.waitForReady(readyTimeoutMs);
    } catch (error) {
      // its sockets would otherwise stay open and keep the process alive
      await client.close();
      throw error;
    }
    return client;
  }

  /**
   * Restarts a kernel this client launched, as jupyter_client's KernelManager does: a
   * shutdown_request with restart=true, wait for the process to end, start a fresh one on the
   * same connection file (same ports and key), wait until it answers. The sockets reconnect by
   * themselves; the session stays.
   */
  async restart(timeoutMs = 30000): Promise<JupyterMessage | undefined> {
    if (!this.launchSpec) throw new Error("restart() needs a kernel this client launched; ask whoever started the kernel to restart it.");
    const reply = await this.shutdown(true, timeoutMs);
    this.attach(spawnKernel(this.launchSpec));
    await this.untilReadyOrExit(timeoutMs);
    return reply;
  }

  private connectSockets(): void {
    this.sockets.shell.connect(endpoint(this.info, "shell"));
    this.sockets.control.connect(endpoint(this.info, "control"));
    this.sockets.stdin.connect(endpoint(this.info, "stdin"));
    this.sockets.iopub.connect(endpoint(this.info, "iopub"));
    this.sockets.iopub.subscribe();
    this.sockets.hb.connect(endpoint(this.info, "hb"));
    void this.receiveReplies(this.sockets.shell);
    void this.receiveReplies(this.sockets.control);
    void this.receiveStdin();
    void this.receiveIopub();
  }

  private decode(frames: Buffer[]): JupyterMessage | undefined {
    const decoded = decodeMessage(frames, this.signer);
    if (decoded.ok) return decoded.message;
    process.stderr.write(`[tsfine client] dropped a message from the kernel: ${decoded.reason}\n`);
    return undefined;
  }

  private async receiveReplies(socket: Dealer): Promise<void> {
    try {
      for await (const frames of socket) {
        const message = this.decode(frames);
        const parentId = message?.parent_header.msg_id;
        if (!message || !parentId) continue;
        const waiter = this.replies.get(parentId);
        this.replies.delete(parentId);
        waiter?.resolve(message);
      }
    } catch (error) {
      if (!this.closed) process.stderr.write(`[tsfine client] receive failed: ${error}\n`);
    }
  }

  private async receiveStdin(): Promise<void> {
    try {
      for await (const frames of this.sockets.stdin) {
        const message = this.decode(frames);
        if (!message || message.header.msg_type !== "input_request") continue;
        let value = "";
        try {
          value = await this.onInputRequest(String(message.content.prompt ?? ""), message.content.password === true, message);
        } catch (error) {
          process.stderr.write(`[tsfine client] input handler failed: ${error}\n`);
        }
        const reply = createMessage("input_reply", { value }, { session: this.session, parent: message });
        void this.outboxes.stdin.send(encodeMessage(reply, this.signer));
      }
    } catch (error) {
      if (!this.closed) process.stderr.write(`[tsfine client] stdin failed: ${error}\n`);
    }
  }

  private async receiveIopub(): Promise<void> {
    try {
      for await (const frames of this.sockets.iopub) {
        const message = this.decode(frames);
        if (!message) continue;
        if (message.header.msg_type === "iopub_welcome") this.iopubWelcomed = true;
        const parentId = message.parent_header.msg_id;
        if (parentId) this.trackers.get(parentId)?.push(message);
        this.onIopub(message);
      }
    } catch (error) {
      if (!this.closed) process.stderr.write(`[tsfine client] iopub failed: ${error}\n`);
    }
  }

  /** Sends a message (tracked: its reply and iopub messages can be awaited). */
  send(channel: ClientChannel, msgType: string, content: Record<string, unknown>, metadata: Record<string, unknown> = {}): JupyterMessage {
    const message = createMessage(msgType, content, { session: this.session, metadata });
    this.trackers.set(message.header.msg_id, new IopubTracker());
    void this.outboxes[channel].send(encodeMessage(message, this.signer));
    return message;
  }

  /** Sends frames exactly as given (tests of hostile input). */
  sendFrames(channel: ClientChannel, frames: Buffer[]): Promise<void> {
    return this.outboxes[channel].send(frames);
  }

  /** The signer this client uses, to build messages by hand. */
  get messageSigner(): MessageSigner {
    return this.signer;
  }

  /** Starts tracking iopub messages parented to a msg_id sent by other means. */
  track(msgId: string): void {
    if (!this.trackers.has(msgId)) this.trackers.set(msgId, new IopubTracker());
  }

  waitForReply(msgId: string, timeoutMs?: number): Promise<JupyterMessage> {
    const reply = new Promise<JupyterMessage>((resolve, reject) => this.replies.set(msgId, { resolve, reject }));
    return withTimeout(reply, timeoutMs, `the reply to ${msgId}`).finally(() => this.replies.delete(msgId));
  }

  /** Iopub messages parented to msgId, once its idle arrived. */
  async iopubUntilIdle(msgId: string, timeoutMs?: number): Promise<JupyterMessage[]> {
    const tracker = this.trackers.get(msgId);
    if (!tracker) throw new Error(`No iopub tracking for ${msgId}: send it with send() or call track() first.`);
    const messages = await withTimeout(tracker.untilIdle(), timeoutMs, `idle for ${msgId}`);
    this.trackers.delete(msgId);
    return messages;
  }

  /** Sends a request and resolves with its reply (iopub for it is dropped unless you await it). */
  async request(channel: "shell" | "control", msgType: string, content: Record<string, unknown> = {}, timeoutMs = 30000): Promise<JupyterMessage> {
    const message = createMessage(msgType, content, { session: this.session });
    const reply = this.waitForReply(message.header.msg_id, timeoutMs);
    void this.outboxes[channel].send(encodeMessage(message, this.signer));
    return reply;
  }

  /** Sends a request and waits for both its reply and its idle. */
  async requestWithIopub(channel: "shell" | "control", msgType: string, content: Record<string, unknown> = {}, timeoutMs = 30000) {
    const message = createMessage(msgType, content, { session: this.session });
    const id = message.header.msg_id;
    this.trackers.set(id, new IopubTracker());
    const reply = this.waitForReply(id, timeoutMs);
    void this.outboxes[channel].send(encodeMessage(message, this.signer));
    const [replyMessage, iopub] = await Promise.all([reply, this.iopubUntilIdle(id, timeoutMs)]);
    return { request: message, reply: replyMessage, iopub };
  }

  async execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    const content = {
      code,
      silent: options.silent ?? false,
      store_history: options.storeHistory ?? true,
      user_expressions: options.userExpressions ?? {},
      allow_stdin: options.allowStdin ?? true,
      stop_on_error: options.stopOnError ?? true,
    };
    const run = this.requestWithIopub("shell", "execute_request", content, Number.POSITIVE_INFINITY);
    let result;
    try {
      result = await withTimeout(run, options.timeoutMs, "the cell to finish");
    } catch (error) {
      if (error instanceof ClientTimeoutError) await this.interrupt().catch(() => {});
      throw error;
    }
    return { ...result, outputs: result.iopub.filter((m) => OUTPUT_TYPES.has(m.header.msg_type)) };
  }

  async kernelInfo(timeoutMs = 30000): Promise<JupyterMessage> {
    return this.request("shell", "kernel_info_request", {}, timeoutMs);
  }

  async interrupt(): Promise<JupyterMessage> {
    return this.request("control", "interrupt_request", {}, 10000);
  }

  /**
   * A heartbeat round trip; resolves with the latency in ms, or undefined when no echo came
   * within timeoutMs.
   */
  ping(timeoutMs = 1000): Promise<number | undefined> {
    const attempt = this.pingChain.then(async () => {
      const token = Buffer.from(`ping-${++this.pingCounter}`);
      const start = performance.now();
      this.sockets.hb.receiveTimeout = timeoutMs;
      await this.outboxes.hb.send([Buffer.alloc(0), token]);
      try {
        for (;;) {
          const frames = await this.sockets.hb.receive();
          if (frames[frames.length - 1]?.equals(token)) return performance.now() - start;
          // a late echo of an earlier timed-out ping: keep waiting for ours
        }
      } catch {
        return undefined;
      }
    });
    this.pingChain = attempt.catch(() => undefined);
    return attempt;
  }

  /** Asks the kernel to stop (or restart) and, for a launched kernel, waits for its process to end. */
  async shutdown(restart = false, timeoutMs = 10000): Promise<JupyterMessage | undefined> {
    let reply: JupyterMessage | undefined;
    try {
      reply = await this.request("control", "shutdown_request", { restart }, timeoutMs);
    } catch {
      reply = undefined;
    }
    if (this.process) {
      await withTimeout(this.exited, timeoutMs, "the kernel to exit").catch(async () => {
        this.process?.kill("SIGKILL");
        await this.exited;
      });
    }
    return reply;
  }

  /** Closes sockets, kills a launched kernel still running, removes the connection file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const socket of Object.values(this.sockets)) socket.close();
    this.failPending(new Error("The client was closed."));
    if (this.process && this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill("SIGTERM");
      await withTimeout(this.exited, 3000, "the kernel to exit").catch(() => this.process?.kill("SIGKILL"));
    }
    if (this.connectionDir) await fs.rm(this.connectionDir, { recursive: true, force: true });
  }

  /**
   * iopub is PUB/SUB: messages sent before our subscription reaches the kernel are lost.
   * Ready means a kernel_info reply, and iopub known to flow: a welcome to the subscription (JEP 65) or
   * the request's status on iopub (as nbclient does; kernels without welcomes).
   */
  private async waitForReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const message = createMessage("kernel_info_request", {}, { session: this.session });
      const id = message.header.msg_id;
      this.trackers.set(id, new IopubTracker());
      const reply = this.waitForReply(id, Math.max(1, deadline - Date.now())).catch(() => undefined);
      void this.outboxes.shell.send(encodeMessage(message, this.signer));
      const replied = await reply;
      if (!replied) break;
      if (this.iopubWelcomed) {
        this.trackers.delete(id);
        return;
      }
      const tracker = this.trackers.get(id)!;
      const sawIopub = await withTimeout(tracker.untilIdle(), 100, "iopub").then(
        () => true,
        () => tracker.messages.length > 0,
      );
      this.trackers.delete(id);
      if (sawIopub) return;
    }
    throw new Error(`The kernel did not become ready within ${timeoutMs} ms.`);
  }
}
