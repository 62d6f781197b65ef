/**
 * The Jupyter message loop, ipykernel style: one table from msg_type to handler, every
 * handler delegating the language work to the Interpreter. Executions run one at a time
 * through a queue; everything else (control, completion, comms) is answered as it comes,
 * so interrupt and shutdown work while a cell runs. Knows nothing of TypeScript or sockets.
 */
import { CommMessage, CommRegistry } from "./comms";
import { History } from "./history";
import type { ExecuteOutcome, Interpreter } from "./interpreter";
import { RequestPublisher } from "./publisher";
import { JupyterMessage, PROTOCOL_VERSION } from "./wire";

export type RequestChannel = "shell" | "control";
export type IncomingChannel = RequestChannel | "stdin";

/** How the protocol talks back; kernel.ts implements it over ZeroMQ. */
export interface ProtocolChannels {
  reply(channel: RequestChannel, request: JupyterMessage, msgType: string, content: Record<string, unknown>, metadata?: Record<string, unknown>): void;
  /** metadata: the message's own (comm_open carries the widget protocol version there). */
  publish(msgType: string, content: Record<string, unknown>, parent?: JupyterMessage, buffers?: Buffer[], metadata?: Record<string, unknown>): void;
  /** Sends on stdin to the client that sent `request` (same routing identities). */
  stdin(request: JupyterMessage, msgType: string, content: Record<string, unknown>): void;
  log(text: string): void;
  /** Resolves once everything sent so far has been handed to the transport. */
  drained?(): Promise<void>;
}

export interface ProtocolOptions {
  history?: History;
  comms?: CommRegistry;
  /** Called after shutdown_reply went out; the kernel then closes its sockets. */
  onShutdown?: (restart: boolean) => void;
  /** Called once the first kernel_info reply has been handed to the transport (start-up work waits for it). */
  afterFirstKernelInfo?: () => void;
}

type Handler = (request: JupyterMessage, channel: RequestChannel) => Promise<void>;

interface PendingInput {
  resolve: (value: string) => void;
  reject: (error: Error) => void;
}

const HELP_LINKS = [
  { text: "tsfine", url: "https://github.com/tsfine/tsfine#readme" },
  { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
  { text: "TensorFlow.js API", url: "https://js.tensorflow.org/api/latest/" },
];

const SHUTDOWN_GRACE_MS = 3000;

function describeError(error: unknown): { ename: string; evalue: string; traceback: string[] } {
  const err = error instanceof Error ? error : new Error(String(error));
  return { ename: err.name || "Error", evalue: err.message, traceback: [`${err.name || "Error"}: ${err.message}`] };
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function commMessage(request: JupyterMessage, output?: RequestPublisher): CommMessage {
  return { data: asObject(request.content.data), metadata: request.metadata, buffers: request.buffers, parent: request, output };
}

export class KernelProtocol {
  readonly history: History;
  readonly comms: CommRegistry;
  private executionCount = 0;
  private readonly queue: JupyterMessage[] = [];
  private draining = false;
  private started: Promise<void> | undefined;
  private startError: unknown;
  private startTimer: NodeJS.Timeout | undefined;
  private runningRequest: JupyterMessage | undefined;
  private pendingInput: PendingInput | undefined;
  private runningPublisher: RequestPublisher | undefined;
  /** The publisher of the executing request until its reply went out (its output may still be queued). */
  private unansweredPublisher: RequestPublisher | undefined;
  private lastPublisher: RequestPublisher | undefined;
  private commParent: JupyterMessage | undefined;
  private shuttingDown = false;
  private answeredKernelInfo = false;

  private readonly handlers: Record<string, Handler> = {
    kernel_info_request: (r, c) => this.kernelInfo(r, c),
    execute_request: async (r) => this.enqueue(r),
    complete_request: (r, c) => this.complete(r, c),
    inspect_request: (r, c) => this.inspect(r, c),
    is_complete_request: (r, c) => this.isComplete(r, c),
    history_request: (r, c) => this.historyRequest(r, c),
    comm_info_request: (r, c) => this.commInfo(r, c),
    comm_open: (r) => this.commOpen(r),
    comm_msg: (r) => this.commMsg(r),
    comm_close: (r) => this.commClose(r),
    interrupt_request: (r, c) => this.interrupt(r, c),
    shutdown_request: (r, c) => this.shutdown(r, c),
    debug_request: (r, c) => this.debugRequest(r, c),
  };

  constructor(
    private readonly interpreter: Interpreter,
    private readonly channels: ProtocolChannels,
    private readonly options: ProtocolOptions = {},
  ) {
    this.history = options.history ?? new History();
    this.comms = options.comms ?? new CommRegistry();
    this.comms.setPublisher((type, content, buffers, answered, metadata) => {
      // a reply to a front-end message is its child; a comm used by the running cell speaks for that
      // cell; otherwise for the last comm message
      const parent = (answered as JupyterMessage | undefined) ?? (this.runningPublisher ? this.runningRequest : this.commParent);
      this.channels.publish(type, content, parent, buffers, metadata);
    });
    interpreter.setDebugEventSink?.((event) => this.channels.publish("debug_event", event));
    this.interpreter.attachComms?.(this.comms);
  }

  /**
   * Schedules the interpreter's start: right after the first kernel_info_reply has left
   * (clients ask for it first; a start that warms up synchronously must not delay it), on
   * the first request that needs the interpreter, or after startDelayMs, whichever is first.
   */
  start(startDelayMs = 1000): void {
    this.startTimer = setTimeout(() => void this.ensureStarted(), startDelayMs);
    this.startTimer.unref();
  }

  private ensureStarted(): Promise<void> {
    if (this.startTimer) clearTimeout(this.startTimer);
    // new Promise(...) also catches a start() that throws synchronously
    this.started ??= new Promise<void>((resolve) => resolve(this.interpreter.start())).catch((error) => {
      this.startError = error;
      this.channels.log(`interpreter failed to start: ${error instanceof Error ? error.stack : error}`);
    });
    return this.started;
  }

  get currentExecutionCount(): number {
    return this.executionCount;
  }

  /** Entry point for every decoded message. Never throws. */
  async handle(channel: IncomingChannel, message: JupyterMessage): Promise<void> {
    try {
      if (channel === "stdin") return this.handleStdin(message);
      if (this.shuttingDown) return;
      const type = message.header.msg_type;
      const handler = Object.prototype.hasOwnProperty.call(this.handlers, type) ? this.handlers[type] : undefined;
      if (type === "execute_request" && handler) return await handler(message, channel);
      this.channels.publish("status", { execution_state: "busy" }, message);
      try {
        if (handler) await handler(message, channel);
        else this.unknown(message, channel);
      } catch (error) {
        this.channels.log(`handler for ${type} failed: ${error instanceof Error ? error.stack : error}`);
        this.replyError(message, channel, error);
      } finally {
        this.channels.publish("status", { execution_state: "idle" }, message);
      }
      if (type === "kernel_info_request") this.kernelInfoAnswered();
    } catch (error) {
      this.channels.log(`handler for ${message.header.msg_type} failed: ${error instanceof Error ? error.stack : error}`);
    }
  }

  /**
   * A request already answered by the control thread (kernel_info_request, interrupt_request):
   * what remains is the main thread's part, the busy/idle pair on iopub and stopping the cell.
   */
  answeredElsewhere(channel: RequestChannel, message: JupyterMessage): void {
    if (this.shuttingDown) return;
    const type = message.header.msg_type;
    this.channels.publish("status", { execution_state: "busy" }, message);
    if (type === "interrupt_request") this.interruptNow();
    this.channels.publish("status", { execution_state: "idle" }, message);
    if (type === "kernel_info_request") this.kernelInfoAnswered();
  }

  private kernelInfoAnswered(): void {
    if (this.answeredKernelInfo) return;
    this.answeredKernelInfo = true;
    void (this.channels.drained?.() ?? Promise.resolve()).then(() =>
      setImmediate(() => {
        this.options.afterFirstKernelInfo?.();
        if (!this.started) void this.ensureStarted();
      }),
    );
  }

  /**
   * Answers an authentic request that the kernel will not process (too large to parse): an
   * error reply between busy and idle, so the client that waits for both is not left hanging.
   */
  refuse(channel: IncomingChannel, request: JupyterMessage, reason: string): void {
    const type = request.header.msg_type;
    if (channel === "stdin" || !type.endsWith("_request")) return;
    this.channels.publish("status", { execution_state: "busy" }, request);
    const content: Record<string, unknown> = { status: "error", ename: "MessageTooLarge", evalue: reason, traceback: [reason] };
    if (type === "execute_request") content.execution_count = this.executionCount;
    this.channels.reply(channel, request, type.replace(/_request$/, "_reply"), content);
    this.channels.publish("status", { execution_state: "idle" }, request);
  }

  /** Text from a background callback (uncaught error, late output): stderr of the running or last cell. */
  reportBackgroundOutput(text: string): void {
    const publisher = this.runningPublisher ?? this.lastPublisher;
    if (publisher) publisher.stream("stderr", text);
  }

  private unknown(request: JupyterMessage, channel: RequestChannel): void {
    const type = request.header.msg_type;
    this.channels.log(`unknown message type "${type}" on ${channel}`);
    const error = Object.assign(new Error(`tsfine does not handle ${type}`), { name: "UnknownMessageType" });
    this.replyError(request, channel, error);
  }

  /** An error reply, for message types that have a reply (name_request → name_reply). */
  private replyError(request: JupyterMessage, channel: RequestChannel, error: unknown): void {
    const type = request.header.msg_type;
    if (!type.endsWith("_request")) return;
    const { ename, evalue } = describeError(error);
    this.channels.reply(channel, request, type.replace(/_request$/, "_reply"), { status: "error", ename, evalue, traceback: [] });
  }

  private async kernelInfo(request: JupyterMessage, channel: RequestChannel): Promise<void> {
    this.channels.reply(channel, request, "kernel_info_reply", this.kernelInfoContent());
  }

  /** The content of every kernel_info_reply (the control thread answers with it too). */
  kernelInfoContent(): Record<string, unknown> {
    return {
      status: "ok",
      protocol_version: PROTOCOL_VERSION,
      implementation: "tsfine",
      implementation_version: this.interpreter.implementationVersion(),
      language_info: this.interpreter.languageInfo(),
      banner: this.interpreter.banner(),
      help_links: HELP_LINKS,
      debugger: this.interpreter.debugRequest !== undefined,
      supported_features: this.interpreter.debugRequest !== undefined ? ["debugger"] : [],
    };
  }

  // ---- execution queue -------------------------------------------------------------

  private enqueue(request: JupyterMessage): void {
    this.queue.push(request);
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.shuttingDown) {
        const request = this.queue.shift()!;
        this.runningRequest = request;
        this.channels.publish("status", { execution_state: "busy" }, request);
        try {
          const failed = await this.execute(request);
          if (failed && request.content.stop_on_error !== false) this.abortQueued();
        } catch (error) {
          this.channels.log(`execute failed: ${error instanceof Error ? error.stack : error}`);
        } finally {
          this.channels.publish("status", { execution_state: "idle" }, request);
        }
      }
    } finally {
      this.draining = false;
      this.runningRequest = undefined;
    }
  }

  /** stop_on_error: the requests already queued behind a failed cell are answered "aborted", not run. */
  private abortQueued(): void {
    const aborted = this.queue.splice(0, this.queue.length);
    for (const request of aborted) {
      this.channels.publish("status", { execution_state: "busy" }, request);
      this.channels.reply("shell", request, "execute_reply", { status: "aborted", execution_count: this.executionCount }, { status: "aborted" });
      this.channels.publish("status", { execution_state: "idle" }, request);
    }
  }

  /** Runs one execute_request; true when the cell failed. */
  private async execute(request: JupyterMessage): Promise<boolean> {
    const content = request.content;
    if (typeof content.code !== "string") {
      this.channels.reply("shell", request, "execute_reply", {
        status: "error",
        execution_count: this.executionCount,
        ename: "BadRequest",
        evalue: "execute_request.content.code must be a string",
        traceback: [],
      });
      return true;
    }
    const code: string = content.code;
    const silent = content.silent === true;
    const storeHistory = !silent && content.store_history !== false;
    const allowStdin = content.allow_stdin !== false;
    if (storeHistory) this.executionCount += 1;
    const count = this.executionCount;
    if (!silent) this.channels.publish("execute_input", { code, execution_count: count }, request);
    if (storeHistory) this.history.record(count, code);

    const publisher = new RequestPublisher(
      (type, body) => this.channels.publish(type, body, request),
      allowStdin ? (prompt, password) => this.askInput(request, prompt, password) : undefined,
      silent,
    );
    this.runningPublisher = publisher;
    this.unansweredPublisher = publisher;
    this.lastPublisher = publisher;
    const started = new Date().toISOString();
    let outcome: ExecuteOutcome;
    try {
      await this.ensureStarted();
      if (this.startError) throw this.startError;
      outcome = await this.interpreter.execute(
        {
          code,
          silent,
          storeHistory,
          allowStdin,
          executionCount: count,
          userExpressions: Object.fromEntries(Object.entries(asObject(content.user_expressions)).filter(([, v]) => typeof v === "string")) as Record<
            string,
            string
          >,
        },
        publisher,
      );
    } catch (error) {
      outcome = { status: "error", ...describeError(error) };
    } finally {
      this.runningPublisher = undefined;
      this.rejectPendingInput(() => new Error("The cell finished before the input was answered."));
    }

    const metadata = { started, status: outcome.status };
    if (outcome.status === "ok") {
      if (outcome.result) {
        publisher.result(count, outcome.result);
        const text = outcome.result["text/plain"];
        if (storeHistory && typeof text === "string") this.history.recordOutput(count, text);
      }
      for (const event of outcome.trailing ?? []) publisher.display(event);
      await this.finishOutput(publisher);
      this.channels.reply(
        "shell",
        request,
        "execute_reply",
        { status: "ok", execution_count: count, user_expressions: outcome.userExpressions ?? {}, payload: outcome.payload ?? [] },
        metadata,
      );
      return false;
    }
    const { ename, evalue, traceback } = outcome;
    publisher.error({ ename, evalue, traceback });
    for (const event of outcome.trailing ?? []) publisher.display(event);
    await this.finishOutput(publisher);
    this.channels.reply("shell", request, "execute_reply", { status: "error", execution_count: count, ename, evalue, traceback }, metadata);
    return true;
  }

  /** Waits until the cell's outputs went out; from then on an interrupt has nothing of it to drop. */
  private async finishOutput(publisher: RequestPublisher): Promise<void> {
    await publisher.finish();
    if (this.unansweredPublisher === publisher) this.unansweredPublisher = undefined;
  }

  // ---- stdin -------------------------------------------------------------------------

  private askInput(request: JupyterMessage, prompt: string, password: boolean): Promise<string> {
    this.rejectPendingInput(() => new Error("A newer input request replaced this one."));
    return new Promise<string>((resolve, reject) => {
      this.pendingInput = { resolve, reject };
      this.channels.stdin(request, "input_request", { prompt, password });
    });
  }

  /** The error is made only when an input is pending: an Error captures a stack, which every execute paid for (~50 us). */
  private rejectPendingInput(error: () => Error): void {
    const pending = this.pendingInput;
    this.pendingInput = undefined;
    pending?.reject(error());
  }

  private handleStdin(message: JupyterMessage): void {
    if (message.header.msg_type !== "input_reply") {
      this.channels.log(`ignored ${message.header.msg_type} on stdin`);
      return;
    }
    const pending = this.pendingInput;
    if (!pending) {
      this.channels.log("input_reply with no input_request waiting");
      return;
    }
    this.pendingInput = undefined;
    pending.resolve(typeof message.content.value === "string" ? message.content.value : String(message.content.value ?? ""));
  }

  // ---- language requests -------------------------------------------------------------

  private async languageRequest(
    request: JupyterMessage,
    channel: RequestChannel,
    replyType: string,
    work: () => Promise<Record<string, unknown>>,
  ): Promise<void> {
    let content: Record<string, unknown>;
    try {
      await this.ensureStarted();
      content = { status: "ok", ...(await work()) };
    } catch (error) {
      content = { status: "error", ...describeError(error) };
    }
    this.channels.reply(channel, request, replyType, content);
  }

  private cursor(request: JupyterMessage): { code: string; cursorPos: number } {
    const code = typeof request.content.code === "string" ? request.content.code : "";
    const raw = request.content.cursor_pos;
    const cursorPos = typeof raw === "number" && Number.isInteger(raw) ? Math.max(0, Math.min(raw, code.length)) : code.length;
    return { code, cursorPos };
  }

  private complete(request: JupyterMessage, channel: RequestChannel): Promise<void> {
    return this.languageRequest(request, channel, "complete_reply", async () => {
      const { code, cursorPos } = this.cursor(request);
      const reply = await this.interpreter.complete(code, cursorPos);
      return { matches: reply.matches, cursor_start: reply.cursorStart, cursor_end: reply.cursorEnd, metadata: reply.metadata };
    });
  }

  private inspect(request: JupyterMessage, channel: RequestChannel): Promise<void> {
    return this.languageRequest(request, channel, "inspect_reply", async () => {
      const { code, cursorPos } = this.cursor(request);
      const detail = request.content.detail_level === 1 ? 1 : 0;
      const reply = await this.interpreter.inspect(code, cursorPos, detail);
      return { found: reply.found, data: reply.data, metadata: reply.metadata };
    });
  }

  private isComplete(request: JupyterMessage, channel: RequestChannel): Promise<void> {
    return this.languageRequest(request, channel, "is_complete_reply", async () => {
      const code = typeof request.content.code === "string" ? request.content.code : "";
      return { ...(await this.interpreter.isComplete(code)) };
    });
  }

  private async historyRequest(request: JupyterMessage, channel: RequestChannel): Promise<void> {
    const c = request.content;
    const output = c.output === true;
    const n = typeof c.n === "number" ? c.n : undefined;
    let history;
    switch (c.hist_access_type) {
      case "tail":
        history = this.history.tail(n ?? 10, output);
        break;
      case "range":
        history = this.history.range(
          typeof c.session === "number" ? c.session : 0,
          typeof c.start === "number" ? c.start : 0,
          typeof c.stop === "number" ? c.stop : undefined,
          output,
        );
        break;
      case "search":
        history = this.history.search(typeof c.pattern === "string" ? c.pattern : "*", n, c.unique === true, output);
        break;
      default:
        this.channels.reply(channel, request, "history_reply", {
          status: "error",
          ename: "BadRequest",
          evalue: `hist_access_type must be tail, range or search, got ${JSON.stringify(c.hist_access_type)}`,
          traceback: [],
        });
        return;
    }
    this.channels.reply(channel, request, "history_reply", { status: "ok", history });
  }

  // ---- comms -------------------------------------------------------------------------

  private async commInfo(request: JupyterMessage, channel: RequestChannel): Promise<void> {
    const target = typeof request.content.target_name === "string" ? request.content.target_name : undefined;
    this.channels.reply(channel, request, "comm_info_reply", { status: "ok", comms: this.comms.list(target) });
  }

  private async commOpen(request: JupyterMessage): Promise<void> {
    this.commParent = request;
    const { comm_id, target_name } = request.content;
    if (typeof comm_id !== "string" || typeof target_name !== "string") {
      this.channels.log("comm_open without comm_id/target_name strings");
      return;
    }
    const problem = this.comms.handleOpen(comm_id, target_name, commMessage(request));
    if (problem) this.channels.log(problem);
  }

  /** The kernel stays busy while the comm's handlers (a widget's callbacks) run, and their output is out before idle, as ipykernel does. */
  private async commMsg(request: JupyterMessage): Promise<void> {
    this.commParent = request;
    const output = new RequestPublisher((type, body) => this.channels.publish(type, body, request), undefined);
    const problem = await this.comms.handleMessage(String(request.content.comm_id), commMessage(request, output));
    await output.finish();
    if (problem) this.channels.log(problem);
  }

  private async commClose(request: JupyterMessage): Promise<void> {
    this.commParent = request;
    const problem = this.comms.handleClose(String(request.content.comm_id), commMessage(request));
    if (problem) this.channels.log(problem);
  }

  // ---- control -----------------------------------------------------------------------

  private async interrupt(request: JupyterMessage, channel: RequestChannel): Promise<void> {
    this.interruptNow();
    this.channels.reply(channel, request, "interrupt_reply", { status: "ok" });
  }

  /**
   * Stops the running cell (also what SIGINT does). A cell waiting for input stops waiting; text
   * it printed that is still queued is dropped.
   */
  interruptNow(): void {
    this.rejectPendingInput(() => Object.assign(new Error("Interrupted while waiting for input."), { name: "KeyboardInterrupt" }));
    this.unansweredPublisher?.dropUnsentText();
    try {
      this.interpreter.interrupt();
    } catch (error) {
      this.channels.log(`interrupt failed: ${error}`);
    }
  }

  /** The debugger answers on the main thread, which stays free while the runtime worker is paused in it. */
  private async debugRequest(request: JupyterMessage, channel: RequestChannel): Promise<void> {
    if (!this.interpreter.debugRequest) return this.unknown(request, channel);
    await this.ensureStarted();
    if (this.startError) throw this.startError;
    this.channels.reply(channel, request, "debug_reply", await this.interpreter.debugRequest(request.content));
  }

  private async shutdown(request: JupyterMessage, channel: RequestChannel): Promise<void> {
    const restart = request.content.restart === true;
    this.shuttingDown = true;
    this.interruptNow();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref());
    await Promise.race([this.interpreter.shutdown(restart).catch((error) => this.channels.log(`interpreter shutdown failed: ${error}`)), timeout]);
    await this.history.save();
    const content = { status: "ok", restart };
    this.channels.reply(channel, request, "shutdown_reply", content);
    this.channels.publish("shutdown_reply", content, request);
    // The idle status goes out in handle()'s finally; stop after it.
    setImmediate(() => this.options.onShutdown?.(restart));
  }
}
