/**
 * The OutputSink of one request: turns what a running cell does into iopub messages
 * (stream, display_data, update_display_data, clear_output) and stdin input_requests,
 * all parented to that request. Stream writes are coalesced so a cell that prints a lot
 * sends a bounded number of messages; anything else flushes pending text first, so the
 * client sees outputs in the order they happened.
 */
import type { DisplayEvent, ErrorInfo, MimeBundle, OutputSink } from "./interpreter";

export type IopubPublish = (msgType: string, content: Record<string, unknown>) => void;
export type InputAsker = (prompt: string, password: boolean) => Promise<string>;

/** Pending text is sent after this long without another flush trigger. */
const STREAM_DELAY_MS = 5;
/** …or as soon as this much text is waiting. */
const STREAM_MAX_CHARS = 1 << 20;

export class RequestPublisher implements OutputSink {
  private pendingName: "stdout" | "stderr" | undefined;
  private pendingChunks: string[] = [];
  private pendingChars = 0;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(
    private readonly publish: IopubPublish,
    private readonly askInput: InputAsker | undefined,
    private readonly silent = false,
  ) {}

  stream(name: "stdout" | "stderr", text: string): void {
    if (this.silent || text === "") return;
    if (this.pendingName !== undefined && this.pendingName !== name) this.flush();
    this.pendingName = name;
    this.pendingChunks.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= STREAM_MAX_CHARS) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), STREAM_DELAY_MS);
  }

  display(event: DisplayEvent): void {
    if (this.silent) return;
    this.flush();
    const content: Record<string, unknown> = { data: event.data, metadata: event.metadata ?? {}, transient: {} };
    if (event.displayId !== undefined) content.transient = { display_id: event.displayId };
    const type = event.update && event.displayId !== undefined ? "update_display_data" : "display_data";
    this.publish(type, content);
  }

  clearOutput(wait: boolean): void {
    if (this.silent) return;
    this.flush();
    this.publish("clear_output", { wait });
  }

  input(prompt: string, password: boolean): Promise<string> {
    if (!this.askInput) {
      return Promise.reject(new Error("This front end does not accept input (allow_stdin is false), so the cell cannot ask for a line of text."));
    }
    this.flush();
    return this.askInput(prompt, password);
  }

  /** The cell's value, published as execute_result. */
  result(executionCount: number, data: MimeBundle, metadata: Record<string, unknown> = {}): void {
    if (this.silent) return;
    this.flush();
    this.publish("execute_result", { execution_count: executionCount, data, metadata });
  }

  error(info: ErrorInfo): void {
    if (this.silent) return;
    this.flush();
    this.publish("error", { ename: info.ename, evalue: info.evalue, traceback: info.traceback });
  }

  /** Sends pending stream text now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pendingName === undefined) return;
    const text = this.pendingChunks.join("");
    const name = this.pendingName;
    this.pendingName = undefined;
    this.pendingChunks = [];
    this.pendingChars = 0;
    this.publish("stream", { name, text });
  }

  /**
   * Ends the request: flushes. Output arriving later (a background callback of this cell)
   * still goes out, parented to this request, as Jupyter front ends expect.
   */
  finish(): void {
    this.finished = true;
    this.flush();
  }

  get isFinished(): boolean {
    return this.finished;
  }
}
