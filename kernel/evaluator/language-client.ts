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
      worker.postMessage({ ...request, id } satisfies ToLanguageWorker);
    });
  }

  commit(cell: CellBindings): void {
    this.committed.push(cell);
    this.worker?.postMessage({ type: "commit", cells: [cell] } satisfies ToLanguageWorker);
  }

  clear(): void {
    this.committed = [];
    this.worker?.postMessage({ type: "clear" } satisfies ToLanguageWorker);
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
