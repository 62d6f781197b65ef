import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { CellBindings, FromLanguageWorker, LanguageReply, LanguageRequest, ToLanguageWorker } from "./language-messages";
import { tsfineRoot } from "./tsfine-root";

/**
 * The main thread's handle on the language worker. Requests queue in the worker and are answered
 * in order; what earlier cells committed is kept here too, so a worker that died is replaced by
 * one that knows the same names.
 */
export class LanguageClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private committed: CellBindings[] = [];
  /** Commits not sent yet: they travel with the next request, so a cell's commit costs no message (and no wake-up of the worker) of its own. */
  private unsent: CellBindings[] = [];
  private stopped = false;

  constructor(private readonly cwd: string) {}

  /** Starts the worker (it begins parsing declarations at once). */
  start(): void {
    if (!this.stopped) this.ensureWorker();
  }

  request<R extends LanguageRequest>(request: R): Promise<LanguageReply<R>> {
    if (this.stopped) return Promise.reject(new Error("the kernel has shut down"));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      const commits = this.takeUnsent();
      worker.postMessage((commits ? { ...request, id, commits } : { ...request, id }) satisfies ToLanguageWorker);
    });
  }

  /** The cell ran; the worker learns it with the next request (nothing but requests reads its state). */
  commit(cell: CellBindings): void {
    if (cell.declarations.length === 0 && cell.bindings.length === 0) return; // `1 + 1` changes nothing
    this.committed.push(cell);
    if (this.worker) this.unsent.push(cell);
  }

  clear(): void {
    this.committed = [];
    this.unsent = [];
    this.worker?.postMessage({ type: "clear" } satisfies ToLanguageWorker);
  }

  private takeUnsent(): CellBindings[] | undefined {
    if (this.unsent.length === 0) return undefined;
    const cells = this.unsent;
    this.unsent = [];
    return cells;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failPending("the kernel is shutting down");
    await worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerScript(), { workerData: { cwd: this.cwd } });
    worker.on("message", (reply: FromLanguageWorker) => {
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error !== undefined) pending?.reject(new Error(`the type checker failed: ${reply.error}`));
      else pending?.resolve(reply.value);
    });
    worker.on("error", () => {
      // reported through exit below
    });
    worker.on("exit", (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failPending(`the type checker stopped (exit code ${code})`);
    });
    // A new worker catches up on everything committed (which includes anything unsent).
    this.unsent = [];
    if (this.committed.length > 0) worker.postMessage({ type: "commit", cells: this.committed } satisfies ToLanguageWorker);
    this.worker = worker;
    return worker;
  }

  private failPending(reason: string): void {
    for (const pending of this.pending.values()) pending.reject(new Error(reason));
    this.pending.clear();
  }
}

function workerScript(): string {
  const beside = path.join(__dirname, "language-worker.js");
  if (fs.existsSync(beside)) return beside;
  return path.join(tsfineRoot(), "dist", "kernel", "evaluator", "language-worker.js");
}
