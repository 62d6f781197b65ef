import { BaseKernel, type IKernel } from "@jupyterlite/services";
import type { KernelMessage } from "@jupyterlab/services";
import type { JSONObject } from "@lumino/coreutils";
import { createStopSignalBuffer, readStopSignal, requestStopThrough } from "../../../tl/fit/stop-request";
import { LIMITS } from "../limits";
import type {
  CompleteReply,
  ErrorReply,
  ExecuteReply,
  FromWorker,
  InspectReply,
  IsCompleteReply,
  ThrownFailure,
  ToWorker,
  WidgetStates,
  WorkerRequest,
} from "../messages";
import { CommTable, kernelMessage, toBytes } from "./comms";

type Request = { type: WorkerRequest["type"]; resolve(value: unknown): void; parent: KernelMessage.IHeader<KernelMessage.MessageType> | undefined };

/** What a request that was waiting on a replaced worker answers. */
const EMPTY_REPLIES: Record<Exclude<WorkerRequest["type"], "execute">, CompleteReply | InspectReply | IsCompleteReply | ThrownFailure[] | WidgetStates> = {
  complete: { matches: [], cursorStart: 0, cursorEnd: 0, metadata: {} },
  inspect: { found: false, data: {}, metadata: {} },
  isComplete: { status: "unknown" },
  commMessage: [{ name: "Interrupted", message: "the widget's callback did not stop, so the kernel's worker was replaced: state is lost" }],
  widgetStates: { states: {}, buffer_paths: [], buffers: [] },
};

/** The interrupted cells being watched, and how long they may still take (set by what the worker or the stop signal says). */
interface InterruptWatch {
  running: Array<[number, Request]>;
  since: number;
  allowMs: number;
  timer: ReturnType<typeof setInterval> | undefined;
}

const WIDGET_TARGET = "jupyter.widget";
const WIDGET_CONTROL_TARGET = "jupyter.widget.control";

/** How long an interrupted cell has to end by itself (a pending await ends at once) before its worker is replaced. */
const INTERRUPT_GRACE_MS = 1500;
/** A training tl.fit gets three of its longest steps (at least this) to reach its batch boundary. */
const FIT_WAIT_MIN_MS = 2000;
/** Its first step has no measure yet (and compiles the GPU's programs): it gets this long. */
const FIRST_STEP_WAIT_MS = 30_000;
const WATCH_POLL_MS = 100;

/** The reply a cell gets when its worker had to be replaced: nothing a page can do stops synchronous JavaScript otherwise. */
const STATE_LOST: ErrorReply = {
  status: "error",
  ename: "Interrupted",
  evalue: "the cell did not stop, so the kernel's worker was replaced: state from earlier cells is lost; run them again",
  traceback: [
    "\u001b[31mInterrupted\u001b[0m: the cell did not stop, so the kernel's worker was replaced: state from earlier cells is lost; run them again.",
    "A loop that never awaits can only be stopped this way in the browser.",
  ],
};

/**
 * tsfine's JupyterLite kernel: the page side. Every cell runs in one worker (worker/kernel-worker.ts),
 * which keeps the notebook's state; this class turns the worker's messages into Jupyter messages for
 * the request they belong to.
 */
export class TsfineLiteKernel extends BaseKernel {
  private worker!: Worker;
  private started!: Promise<string>;
  private readonly requests = new Map<number, Request>();
  private nextId = 1;
  private readonly assetsUrl: string;

  constructor(options: IKernel.IOptions & { assetsUrl: string }) {
    super(options);
    this.assetsUrl = options.assetsUrl;
    this.startWorker();
  }

  private startWorker(): void {
    const worker = new Worker(new URL("tsfine-worker.js", this.assetsUrl));
    this.worker = worker;
    // A cross-origin isolated page shares tl.fit's stop flag and state with the worker: the page sets the
    // flag even while a training step keeps the worker from reading messages, and sees that fit is training.
    this.stopSignal = crossOriginIsolated ? createStopSignalBuffer() : undefined;
    this.started = new Promise((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<FromWorker>) => {
        const message = event.data;
        if (message.type === "started") resolve(message.banner);
        else if (message.type === "failed") reject(new Error(message.message));
        else this.onWorkerMessage(message);
      };
      worker.onerror = (event) => reject(new Error(`The kernel's worker did not start: ${event.message}`));
    });
    this.started.catch(() => undefined);
    this.post({ type: "start", assetsUrl: this.assetsUrl, stopSignal: this.stopSignal });
  }

  private stopSignal: SharedArrayBuffer | undefined;
  private watch: InterruptWatch | undefined;

  /**
   * Stops the running cell (JupyterLite's own interrupt only drops the queued ones; plugin.ts calls both).
   * A pending await ends at once and the state is kept; a training tl.fit ends at its next batch boundary;
   * a cell still running after that is synchronous code, and its worker is replaced.
   */
  interrupt(): void {
    const running = [...this.requests.entries()].filter(([, request]) => request.type === "execute");
    if (running.length === 0) return;
    if (this.stopSignal) requestStopThrough(this.stopSignal);
    this.post({ type: "interrupt" });
    this.watchInterrupted(running, INTERRUPT_GRACE_MS);
  }

  /** Replaces the worker if the interrupted requests have not answered within their allowance. */
  private watchInterrupted(running: Array<[number, Request]>, allowMs: number): void {
    if (this.watch) clearInterval(this.watch.timer);
    const watch: InterruptWatch = { running, since: performance.now(), allowMs, timer: undefined };
    watch.timer = setInterval(() => this.checkInterrupted(watch), WATCH_POLL_MS);
    this.watch = watch;
  }

  private checkInterrupted(watch: InterruptWatch): void {
    const stopped = () => {
      clearInterval(watch.timer);
      if (this.watch === watch) this.watch = undefined;
    };
    if (!watch.running.some(([id]) => this.requests.has(id))) return stopped();
    const fit = this.stopSignal ? readStopSignal(this.stopSignal) : undefined;
    if (fit && fit.activity !== "idle") {
      const stepWait = fit.longestStepMs === 0 ? FIRST_STEP_WAIT_MS : Math.max(FIT_WAIT_MIN_MS, 3 * fit.longestStepMs);
      watch.allowMs = Math.max(watch.allowMs, stepWait + INTERRUPT_GRACE_MS);
    }
    if (performance.now() - watch.since < watch.allowMs) return;
    stopped();
    this.worker.terminate();
    for (const [id, request] of this.requests) {
      this.requests.delete(id);
      request.resolve(request.type === "execute" ? STATE_LOST : EMPTY_REPLIES[request.type]);
    }
    // The old worker's widgets are gone: their comms close, and the front end removes their views.
    for (const commId of this.comms.widgetComms()) {
      this.comms.closed(commId);
      this.handleComm("comm_close", { comm_id: commId, data: {} }, {}, []);
    }
    this.startWorker();
  }

  get ready(): Promise<void> {
    return this.started.then(() => undefined);
  }

  dispose(): void {
    if (this.isDisposed) return;
    if (this.watch) clearInterval(this.watch.timer);
    this.worker.terminate();
    super.dispose();
  }

  private post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  private request<T>(message: WorkerRequest): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve) => {
      this.requests.set(id, { type: message.type, resolve: resolve as (value: unknown) => void, parent: this.parentHeader });
      this.post({ ...message, id } as ToWorker);
    });
  }

  private onWorkerMessage(message: Exclude<FromWorker, { type: "started" | "failed" }>): void {
    const request = "id" in message ? this.requests.get(message.id) : undefined;
    const parent = request?.parent ?? this.parentHeader;
    switch (message.type) {
      case "stream":
        this.stream({ name: message.name, text: message.text }, parent);
        break;
      case "display": {
        const data = message.data as KernelMessage.IDisplayDataMsg["content"]["data"];
        const metadata = message.metadata as KernelMessage.IDisplayDataMsg["content"]["metadata"];
        if (message.update && message.displayId) this.updateDisplayData({ data, metadata, transient: { display_id: message.displayId } }, parent);
        else this.displayData({ data, metadata, transient: message.displayId ? { display_id: message.displayId } : {} }, parent);
        break;
      }
      case "clear":
        this.clearOutput({ wait: message.wait }, parent);
        break;
      case "interrupting":
        // tl.fit stops at its next batch boundary: give it that long before replacing the worker.
        if (this.watch) this.watch.allowMs = Math.max(this.watch.allowMs, performance.now() - this.watch.since + message.waitMs + INTERRUPT_GRACE_MS);
        break;
      case "comm":
        this.fromWorkerComm(message, parent);
        break;
      case "reply":
        this.requests.delete(message.id);
        request?.resolve(message.value);
        break;
    }
  }

  async kernelInfoRequest(): Promise<KernelMessage.IInfoReplyMsg["content"]> {
    const banner = await this.started.catch((error: Error) => `tsfine could not start: ${error.message}`);
    return {
      implementation: "tsfine-lite",
      implementation_version: TSFINE_VERSION,
      language_info: {
        name: "typescript",
        version: TYPESCRIPT_VERSION,
        mimetype: "text/typescript",
        file_extension: ".ts",
        codemirror_mode: { name: "javascript", typescript: true },
      },
      protocol_version: "5.3",
      status: "ok",
      banner: [banner, "This browser kernel cannot do:", ...Object.values(LIMITS).map((limit) => `  ${limit}`)].join("\n"),
      help_links: [],
    };
  }

  async executeRequest(content: KernelMessage.IExecuteRequestMsg["content"]): Promise<KernelMessage.IExecuteReplyMsg["content"]> {
    try {
      await this.started;
    } catch (error) {
      return this.error({ status: "error", ename: "KernelStartError", evalue: (error as Error).message, traceback: [(error as Error).message] });
    }
    const executionCount = this.executionCount;
    const parent = this.parentHeader;
    const reply = await this.request<ExecuteReply>({ type: "execute", code: content.code, executionCount });
    if (reply.status === "error") return this.error(reply);
    if (reply.data)
      this.publishExecuteResult(
        { execution_count: executionCount, data: reply.data as KernelMessage.IExecuteResultMsg["content"]["data"], metadata: {} },
        parent,
      );
    return { status: "ok", execution_count: executionCount, user_expressions: {}, payload: reply.payload ?? [] } as KernelMessage.IExecuteReplyMsg["content"];
  }

  private error(reply: ErrorReply): KernelMessage.IExecuteReplyMsg["content"] {
    const { ename, evalue, traceback } = reply;
    this.publishExecuteError({ ename, evalue, traceback });
    return { status: "error", execution_count: this.executionCount, ename, evalue, traceback } as KernelMessage.IExecuteReplyMsg["content"];
  }

  async completeRequest(content: KernelMessage.ICompleteRequestMsg["content"]): Promise<KernelMessage.ICompleteReplyMsg["content"]> {
    await this.started;
    const reply = await this.request<CompleteReply>({ type: "complete", code: content.code, cursorPos: content.cursor_pos });
    return { status: "ok", matches: reply.matches, cursor_start: reply.cursorStart, cursor_end: reply.cursorEnd, metadata: reply.metadata as JSONObject };
  }

  async inspectRequest(content: KernelMessage.IInspectRequestMsg["content"]): Promise<KernelMessage.IInspectReplyMsg["content"]> {
    await this.started;
    const reply = await this.request<InspectReply>({ type: "inspect", code: content.code, cursorPos: content.cursor_pos, detailLevel: content.detail_level });
    return { status: "ok", found: reply.found, data: reply.data as JSONObject, metadata: reply.metadata as JSONObject };
  }

  async isCompleteRequest(content: KernelMessage.IIsCompleteRequestMsg["content"]): Promise<KernelMessage.IIsCompleteReplyMsg["content"]> {
    await this.started;
    return this.request<IsCompleteReply>({ type: "isComplete", code: content.code });
  }

  private readonly comms = new CommTable();

  /** A widget in the worker opened, updated or closed its comm. */
  private fromWorkerComm(message: Extract<FromWorker, { type: "comm" }>, parent: KernelMessage.IHeader<KernelMessage.MessageType> | undefined): void {
    const { commId, data, buffers } = message;
    if (message.action === "open") {
      this.comms.opened(commId, WIDGET_TARGET);
      this.handleComm("comm_open", { comm_id: commId, target_name: WIDGET_TARGET, data } as never, (message.metadata ?? {}) as JSONObject, buffers, parent);
    } else if (message.action === "msg") {
      if (!this.comms.targetOf(commId)) return;
      this.handleComm("comm_msg", { comm_id: commId, data } as never, {}, buffers, this.comms.deliveryHeader(message.replyTo) ?? parent);
    } else if (this.comms.closed(commId)) {
      this.handleComm("comm_close", { comm_id: commId, data: {} }, {}, [], parent);
    }
  }

  /** BaseKernel leaves comm_info_request unanswered (and front ends then wait for good): answered here. */
  async handleMessage(msg: KernelMessage.IMessage): Promise<void> {
    if (msg.header.msg_type !== "comm_info_request") return super.handleMessage(msg);
    const send = (this as unknown as { _sendMessage(message: KernelMessage.IMessage): void })._sendMessage;
    send(kernelMessage("status", "iopub", msg, { execution_state: "busy" }));
    const content = await this.commInfoRequest(msg.content as KernelMessage.ICommInfoRequestMsg["content"]);
    send(kernelMessage("comm_info_reply", "shell", msg, content as unknown as Record<string, unknown>));
    send(kernelMessage("status", "iopub", msg, { execution_state: "idle" }));
  }

  async commInfoRequest(content: KernelMessage.ICommInfoRequestMsg["content"]): Promise<KernelMessage.ICommInfoReplyMsg["content"]> {
    return { status: "ok", comms: this.comms.list(content?.target_name) };
  }

  inputReply(): void {}

  /** The front end opens the widget control comm (ipywidgets 8 asks it for every widget's state); widgets open their own comms. */
  async commOpen(msg: KernelMessage.ICommOpenMsg): Promise<void> {
    if (msg.content.target_name === WIDGET_CONTROL_TARGET) this.comms.opened(msg.content.comm_id, WIDGET_CONTROL_TARGET);
  }

  async commMsg(msg: KernelMessage.ICommMsgMsg): Promise<void> {
    const commId = msg.content.comm_id;
    const target = this.comms.targetOf(commId);
    if (target === WIDGET_CONTROL_TARGET) {
      if (msg.content.data.method !== "request_states") return;
      await this.started;
      const all = await this.request<WidgetStates>({ type: "widgetStates" });
      const data = { method: "update_states", states: all.states, buffer_paths: all.buffer_paths };
      this.handleComm("comm_msg", { comm_id: commId, data } as never, {}, all.buffers, msg.header);
      return;
    }
    if (target !== WIDGET_TARGET) return;
    const delivery = this.comms.startDelivery(msg.header);
    try {
      const failures = await this.request<ThrownFailure[]>({
        type: "commMessage",
        commId,
        data: msg.content.data as Record<string, unknown>,
        buffers: toBytes(msg.buffers as Array<ArrayBuffer | ArrayBufferView>),
        delivery,
      });
      for (const failure of failures) {
        const traceback = [failure.stack ?? `${failure.name}: ${failure.message}`];
        this.publishExecuteError({ ename: failure.name, evalue: failure.message, traceback }, msg.header);
      }
    } finally {
      this.comms.delivered(delivery);
    }
  }

  async commClose(msg: KernelMessage.ICommCloseMsg): Promise<void> {
    if (this.comms.closed(msg.content.comm_id)) this.post({ type: "commClose", commId: msg.content.comm_id });
  }
}
