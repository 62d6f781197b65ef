import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { Prelude } from "./carried-declarations";
import type { CellBindings, CheckMode, CompileResult, FromLanguageWorker, LanguageReply, LanguageRequest, ToLanguageWorker } from "./language-messages";
import { cellCacheEnabled, resultKey, stateFingerprint, StoredResults } from "./language-result-cache";
import { recordBindings, type BindingKind } from "./repl-bindings";
import { tsfineRoot } from "./tsfine-root";

/** Compile results kept for cells run again unchanged. */
const REUSE_LIMIT = 64;

/**
 * The main thread's handle on the language worker. Requests queue in the worker and are answered
 * in order; the committed state (carried declarations, binding kinds) is mirrored here too, so a
 * worker that died is replaced by one that knows the same names, told in one commit of that state
 * (what a long session keeps is then the names it declared, not every cell that declared them).
 *
 * A cell run again unchanged, with nothing committed since that changed the carried declarations or
 * bindings, is answered here from its earlier result (when the worker said it depends on nothing else):
 * the worker would only have found its own memoised answer, at the cost of two thread hops. The answer
 * is the earlier JavaScript as it was, script name and all: V8 then finds the script it compiled before in
 * its compilation cache instead of compiling it again (~0.1 ms of a `1+1` on these machines).
 */
export class LanguageClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  /** Commits not sent yet: they travel with the next request, so a cell's commit costs no message (and no wake-up of the worker) of its own. */
  private unsent: CellBindings[] = [];
  private stopped = false;
  /** The worker's view of the committed state: tells a commit that changes nothing, and catches up a new worker. */
  private readonly prelude = new Prelude();
  /** As ReplBindings keeps them in the worker. */
  private readonly kinds = new Map<string, BindingKind>();
  /** Reusable compile results by mode and code, valid until the committed state changes. */
  private readonly reusable = new Map<string, CompileResult>();
  /** Counts changes of the committed state: a result is kept only if none came while it was computed. */
  private generation = 0;
  /** Results earlier kernels checked in this folder (language-result-cache.ts). */
  private readonly stored: StoredResults | undefined;
  /** The committed state's fingerprint for the stored results, computed once per generation. */
  private state: { generation: number; fingerprint: string | undefined } | undefined;
  /** Notices from the worker not shown yet, and all shown (a replaced worker says the same again). */
  private notices: string[] = [];
  private readonly noticesSeen = new Set<string>();

  constructor(private readonly cwd: string) {
    this.stored = cellCacheEnabled() ? new StoredResults(cwd) : undefined;
  }

  /** Starts the worker (it begins parsing declarations at once) and reads the results earlier kernels kept. */
  start(): void {
    if (this.stopped) return;
    this.ensureWorker();
    const stored = this.stored;
    if (stored) setImmediate(() => stored.preload());
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

  /** Type check and transpile a cell (see the class comment for when the worker is not asked). */
  async compile(code: string, scriptName: string, mode: CheckMode): Promise<CompileResult> {
    const key = `${mode}:${code}`;
    const earlier = this.reusable.get(key);
    if (earlier) return earlier;
    const generation = this.generation;
    const keepAs = this.stored && resultKey(mode, code, this.stateFingerprint());
    const stored = keepAs === undefined ? undefined : this.stored?.find(keepAs, scriptName);
    const result = stored ?? (await this.request({ type: "compile", code, scriptName, mode, ...(keepAs ? { keepAs } : {}) }));
    if (result.reusable && generation === this.generation) {
      this.reusable.set(key, result);
      if (this.reusable.size > REUSE_LIMIT) this.reusable.delete(this.reusable.keys().next().value as string);
    }
    return result;
  }

  private stateFingerprint(): string | undefined {
    if (this.state?.generation !== this.generation)
      this.state = { generation: this.generation, fingerprint: stateFingerprint(this.prelude.declarations(), this.kinds) };
    return this.state.fingerprint;
  }

  /** The cell ran; the worker learns it with the next request (nothing but requests reads its state). */
  commit(cell: CellBindings): void {
    // `1 + 1` changes nothing, nor does a cell run again that declares what it declared before.
    const carried = this.prelude.carry(cell.declarations);
    if (!recordBindings(this.kinds, cell.bindings) && !carried) return;
    this.forgetResults();
    if (this.worker) this.unsent.push(cell);
  }

  /** What the worker asked to tell the user since the last call (each notice once per kernel). */
  takeNotices(): string[] {
    const notices = this.notices;
    this.notices = [];
    return notices;
  }

  clear(): void {
    this.unsent = [];
    this.prelude.clear();
    this.kinds.clear();
    this.forgetResults();
    this.worker?.postMessage({ type: "clear" } satisfies ToLanguageWorker);
  }

  private forgetResults(): void {
    this.reusable.clear();
    this.generation++;
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
    const worker = new Worker(workerScript(), { workerData: { cwd: this.cwd, resultsFolder: this.stored?.folder } });
    worker.on("message", (reply: FromLanguageWorker) => {
      if ("notice" in reply) {
        if (!this.noticesSeen.has(reply.notice)) this.notices.push(reply.notice);
        this.noticesSeen.add(reply.notice);
        return;
      }
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
    // A new worker catches up on the committed state as it is now (which includes anything unsent).
    this.unsent = [];
    this.forgetResults();
    const state: CellBindings = { declarations: this.prelude.declarations(), bindings: [...this.kinds] };
    if (state.declarations.length > 0 || state.bindings.length > 0) worker.postMessage({ type: "commit", cells: [state] } satisfies ToLanguageWorker);
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
