import { Console } from "node:console";
import type { FromWorker } from "./messages";

type StreamName = "stdout" | "stderr";

/** Largest chunk of text held before it is posted, so a cell printing 100 MB streams instead of piling up. */
const FLUSH_AT_CHARS = 256 * 1024;

/**
 * Turns console.* and process.stdout/stderr writes in the runtime worker into batched `stream`
 * messages. Consecutive writes to the same stream are joined; anything else (a display, the end
 * of a cell) calls flush() first so the client sees outputs in the order they happened.
 */
export class OutputCapture {
  private pendingName: StreamName | undefined;
  private pendingText = "";
  private flushScheduled = false;

  constructor(private readonly post: (message: FromWorker) => void) {}

  write(name: StreamName, text: string): void {
    if (text.length === 0) return;
    if (this.pendingName !== name) this.flush();
    this.pendingName = name;
    this.pendingText += text;
    if (this.pendingText.length >= FLUSH_AT_CHARS) this.flush();
    else this.scheduleFlush();
  }

  flush(): void {
    if (this.pendingName && this.pendingText) this.post({ type: "stream", name: this.pendingName, text: this.pendingText });
    this.pendingName = undefined;
    this.pendingText = "";
  }

  /** Routes process.stdout/stderr and a fresh global console through this capture. */
  install(): void {
    for (const name of ["stdout", "stderr"] as const) {
      const stream = process[name];
      stream.write = ((chunk: unknown, encodingOrCallback?: unknown, callback?: unknown) => {
        this.write(name, chunkToText(chunk, typeof encodingOrCallback === "string" ? encodingOrCallback : undefined));
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

function chunkToText(chunk: unknown, encoding: string | undefined): string {
  if (typeof chunk === "string") return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString((encoding as BufferEncoding) ?? "utf8");
  return String(chunk);
}
