import { Console } from "node:console";
import type { FromWorker } from "./messages";

type StreamName = "stdout" | "stderr";

/** Largest chunk of text held before it is posted, so a cell printing 100 MB streams instead of piling up. */
const FLUSH_AT_CHARS = 256 * 1024;
/**
 * Most text posted and not yet relayed by the main thread (published or dropped) before a write waits.
 * Without a bound a print loop outruns the main thread (~100 MB/s) and its queue grows until the kernel dies.
 */
export const IN_FLIGHT_LIMIT_CHARS = 32 * 1024 * 1024;
/** A waiting write re-reads the shared state at least this often (a missed notify costs no more). */
const WAIT_SLICE_MS = 50;

/**
 * Turns console.* and process.stdout/stderr writes in the runtime worker into batched `stream`
 * messages. Consecutive writes to the same stream are joined; anything else (a display, the end
 * of a cell) calls flush() first so the client sees outputs in the order they happened.
 */
export class OutputCapture {
  private pendingName: StreamName | undefined;
  private pendingText = "";
  private flushScheduled = false;

  /** inFlight: shared with the main thread, [0] the characters posted and not yet relayed, [1] set once the run is interrupted. */
  constructor(
    private readonly post: (message: FromWorker) => void,
    private readonly inFlight: Int32Array,
  ) {}

  /** Takes text written while an Output widget captures (runtime/widget-link.ts); true when it took it. */
  redirect: ((name: StreamName, text: string) => boolean) | undefined;

  write(name: StreamName, text: string): void {
    if (text.length === 0) return;
    if (this.redirect?.(name, text)) return;
    if (this.pendingName !== name) this.flush();
    this.pendingName = name;
    this.pendingText += text;
    if (this.pendingText.length >= FLUSH_AT_CHARS) this.flush();
    else this.scheduleFlush();
  }

  flush(): void {
    const name = this.pendingName;
    const text = this.pendingText;
    this.pendingName = undefined;
    this.pendingText = "";
    if (!name || !text) return;
    Atomics.add(this.inFlight, 0, text.length);
    this.post({ type: "stream", name, text });
  }

  /** Routes process.stdout/stderr and a fresh global console through this capture. */
  install(): void {
    for (const name of ["stdout", "stderr"] as const) {
      const stream = process[name];
      stream.write = ((chunk: unknown, encodingOrCallback?: unknown, callback?: unknown) => {
        // only cells' writes wait: the worker's own (a few lines) must not block its bookkeeping
        if (waitForRelay(this.inFlight)) this.write(name, chunkToText(chunk, typeof encodingOrCallback === "string" ? encodingOrCallback : undefined));
        const done = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
        if (typeof done === "function") queueMicrotask(() => (done as () => void)());
        return true;
      }) as typeof stream.write;
    }
    const captured = new Console({ stdout: process.stdout, stderr: process.stderr, colorMode: false });
    Object.defineProperty(globalThis, "console", { value: captured, writable: true, configurable: true, enumerable: false });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }
}

/**
 * Waits while too much is in flight. False once the run was interrupted (index 1 set): its text is dropped
 * then, and nothing waits, since the interrupt guard declines to stop the worker's own code (and a
 * termination landing inside Atomics.wait crashed the kernel: "free(): invalid pointer").
 */
function waitForRelay(inFlight: Int32Array): boolean {
  for (let chars = Atomics.load(inFlight, 0); chars > IN_FLIGHT_LIMIT_CHARS; chars = Atomics.load(inFlight, 0)) {
    if (Atomics.load(inFlight, 1) !== 0) break;
    Atomics.wait(inFlight, 0, chars, WAIT_SLICE_MS);
  }
  return Atomics.load(inFlight, 1) === 0;
}

function chunkToText(chunk: unknown, encoding: string | undefined): string {
  if (typeof chunk === "string") return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString((encoding as BufferEncoding) ?? "utf8");
  return String(chunk);
}
