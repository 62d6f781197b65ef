/**
 * The OutputSink of one request: turns what a running cell does into iopub messages
 * (stream, display_data, update_display_data, clear_output) and stdin input_requests,
 * all parented to that request. Stream writes are coalesced so a cell that prints a lot
 * sends a bounded number of messages; anything else flushes pending text first, so the
 * client sees outputs in the order they happened.
 *
 * Publishing a large message costs the main thread real time (JSON, HMAC: ~10 ms per MB), and a
 * runtime worker printing 100 MB hands over hundreds of chunks in one go. So large messages are
 * published from a queue, one slice of work per event-loop turn, and everything after them waits
 * its turn in the same queue: control requests and completions are answered in between, and the
 * order of outputs is kept. finish() resolves once the queue is empty.
 */
import type { DisplayEvent, ErrorInfo, MimeBundle, OutputSink } from "./interpreter";

export type IopubPublish = (msgType: string, content: Record<string, unknown>) => void;
export type InputAsker = (prompt: string, password: boolean) => Promise<string>;

/** Pending text is sent after this long without another flush trigger. */
const STREAM_DELAY_MS = 5;
/** …or as soon as this much text is waiting. */
const STREAM_MAX_CHARS = 1 << 20;
/** Stream messages at least this large are published from the queue, never inline. */
const LARGE_CHARS = 64 * 1024;
/** Work done per event-loop turn while the queue drains. */
const SLICE_MS = 8;

interface QueuedPublication {
  type: string;
  content: Record<string, unknown>;
  /** The stream writes this message carries, told once it is published or dropped. */
  relayed: Array<() => void>;
}

export class RequestPublisher implements OutputSink {
  private pendingName: "stdout" | "stderr" | undefined;
  private pendingChunks: string[] = [];
  private pendingChars = 0;
  private pendingRelayed: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private finished = false;
  /** Publications waiting behind a large one, in order. */
  private queue: QueuedPublication[] = [];
  private pumping = false;
  private drainWaiters: Array<() => void> = [];

  constructor(
    private readonly publish: IopubPublish,
    private readonly askInput: InputAsker | undefined,
    private readonly silent = false,
  ) {}

  stream(name: "stdout" | "stderr", text: string, relayed?: () => void): void {
    if (this.silent || text === "") return relayed?.();
    if (this.pendingName !== undefined && this.pendingName !== name) this.flush();
    this.pendingName = name;
    this.pendingChunks.push(text);
    if (relayed) this.pendingRelayed.push(relayed);
    this.pendingChars += text.length;
    if (this.pendingChars >= STREAM_MAX_CHARS) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), STREAM_DELAY_MS);
  }

  /** Publishes now if nothing waits and the message is small; otherwise queues it behind the rest. */
  private send(type: string, content: Record<string, unknown>, large = false, relayed: Array<() => void> = []): void {
    if (!large && this.queue.length === 0 && !this.pumping) {
      this.publish(type, content);
      for (const done of relayed) done();
      return;
    }
    this.queue.push({ type, content, relayed });
    if (!this.pumping) {
      this.pumping = true;
      setImmediate(() => this.pump());
    }
  }

  private pump(): void {
    const started = performance.now();
    while (this.queue.length > 0) {
      const { type, content, relayed } = this.queue.shift()!;
      this.publish(type, content);
      for (const done of relayed) done();
      if (performance.now() - started >= SLICE_MS) break;
    }
    if (this.queue.length > 0) {
      setImmediate(() => this.pump());
      return;
    }
    this.pumping = false;
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  /** Resolves once everything published so far has been handed on. */
  drained(): Promise<void> {
    if (this.queue.length === 0 && !this.pumping) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  display(event: DisplayEvent): void {
    if (this.silent) return;
    this.flush();
    const content: Record<string, unknown> = { data: event.data, metadata: event.metadata ?? {}, transient: {} };
    if (event.displayId !== undefined) content.transient = { display_id: event.displayId };
    const type = event.update && event.displayId !== undefined ? "update_display_data" : "display_data";
    this.send(type, content);
  }

  clearOutput(wait: boolean): void {
    if (this.silent) return;
    this.flush();
    this.send("clear_output", { wait });
  }

  input(prompt: string, password: boolean): Promise<string> {
    if (!this.askInput) {
      return Promise.reject(new Error("This front end does not accept input (allow_stdin is false), so the cell cannot ask for a line of text."));
    }
    this.flush();
    const ask = this.askInput;
    // the prompt goes out on stdin only after the text before it went out on iopub
    return this.drained().then(() => ask(prompt, password));
  }

  /** The cell's value, published as execute_result. */
  result(executionCount: number, data: MimeBundle, metadata: Record<string, unknown> = {}): void {
    if (this.silent) return;
    this.flush();
    this.send("execute_result", { execution_count: executionCount, data, metadata });
  }

  error(info: ErrorInfo): void {
    if (this.silent) return;
    this.flush();
    this.send("error", { ename: info.ename, evalue: info.evalue, traceback: info.traceback });
  }

  /**
   * After an interrupt: stream text waiting in the queue behind large messages is dropped (a cell
   * that printed 1 GB would otherwise keep the client receiving for tens of seconds after the user
   * stopped it), replaced by a line on stderr that says how much. Text printed just before the
   * interrupt, displays, results and errors still go out, in order.
   */
  dropUnsentText(): void {
    let dropped = 0;
    this.queue = this.queue.filter(({ type, content, relayed }) => {
      if (type !== "stream") return true;
      dropped += String(content.text).length;
      for (const done of relayed) done();
      return false;
    });
    if (dropped === 0 || this.silent) return;
    const size = dropped >= 1 << 20 ? `${(dropped / (1 << 20)).toFixed(1)} MB` : `${dropped} characters`;
    const note = `\n[tsfine] interrupted: ${size} of output not yet sent were dropped.\n`;
    this.send("stream", { name: "stderr", text: note });
  }

  /** Sends pending stream text now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pendingName === undefined) return;
    const text = this.pendingChunks.join("");
    const name = this.pendingName;
    const relayed = this.pendingRelayed;
    this.pendingName = undefined;
    this.pendingChunks = [];
    this.pendingChars = 0;
    this.pendingRelayed = [];
    this.send("stream", { name, text }, text.length >= LARGE_CHARS, relayed);
  }

  /**
   * Ends the request: flushes; resolves once every output has been handed on (the protocol sends
   * the reply and idle after that). Output arriving later (a background callback of this cell)
   * still goes out, parented to this request, as Jupyter front ends expect.
   */
  finish(): Promise<void> {
    this.finished = true;
    this.flush();
    return this.drained();
  }

  get isFinished(): boolean {
    return this.finished;
  }
}
