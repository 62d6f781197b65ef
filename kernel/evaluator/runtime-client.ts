import * as fs from "node:fs";
import { Session } from "node:inspector";
import * as path from "node:path";
import { getHeapStatistics } from "node:v8";
import { Worker } from "node:worker_threads";
import { guardExpression, TERMINATION } from "./runtime/interrupt-guard";
import type { FromWorker, RunResult, ToWorker, WorkerData } from "./runtime/messages";
import { createStopSignalBuffer, readStopSignal, requestStopThrough } from "../../tl/fit/stop-request";
import { tsfineRoot } from "./tsfine-root";

/** How long a worker gets to answer an interrupt message before it is taken to be busy in synchronous code. */
const ACK_WAIT_MS = 100;
/**
 * How long a terminated worker gets to report; after that it is replaced (and the user's state is
 * lost). 700 ms was too short on a loaded machine (2 cores at load 10): an interrupted `while (true) {}`
 * was reported after ~830 ms and the worker, state and all, had already been replaced.
 */
const TERMINATE_WAIT_MS = 3000;
/** How often a busy worker is asked again to stop (the guard declines while the worker is in its own code). */
const GUARD_RETRY_MS = 150;
/** While tl.fit finishes its training step: how often to look whether the run was reported. */
const FIT_POLL_MS = 50;
/** The least time tl.fit gets to reach its batch boundary before the guard may terminate it mid-step. */
const FIT_WAIT_MIN_MS = 2000;
/** Beyond the worker's own deadline for a fit to end (runtime/fit-interrupt.ts): time for its answer to arrive. */
const FIT_END_MARGIN_MS = 2000;

export type RuntimeEvent = Exclude<FromWorker, { type: "ready" | "done" | "interruptAck" | "reply" | "terminateMe" }>;

/** A Chrome DevTools protocol event from the runtime worker's inspector (Debugger.paused, Debugger.scriptParsed...). */
export interface InspectorEvent {
  method: string;
  params: Record<string, unknown>;
}

export interface RuntimeClientOptions {
  cwd: string;
  preloadBackend: boolean;
  /** relayed: call it once a stream event's text was published or dropped (the worker's output waits on it). */
  onEvent(event: RuntimeEvent, relayed: () => void): void;
  /** The worker died (or had to be replaced) and a fresh one took its place: user state is gone. */
  onRestart(reason: string): void;
}

interface PendingRun {
  id: number;
  interrupted: boolean;
  /** The worker answers this interrupted run once tl.fit has ended, at the latest by then (Date.now() time). */
  fitEndsBy?: number;
  resolve(result: RunResult): void;
}

/**
 * The main thread's handle on the runtime worker: runs code, interrupts it (message first, then
 * Runtime.terminateExecution through the inspector for synchronous loops), replaces it if it dies.
 */
export class RuntimeClient {
  private worker!: Worker;
  private terminationState!: Int32Array;
  /** Shared with the worker: [0] stream characters not yet relayed, [1] 1 once a run is interrupted (its writes stop waiting). */
  private outputState!: Int32Array;
  /** tl.fit's stop signal shared with the current worker (tl/fit/stop-request.ts imports nothing: no tfjs here). */
  private stopSignal!: SharedArrayBuffer;
  private ready!: Promise<void>;
  private nextId = 1;
  private running: PendingRun | undefined;
  private readonly replies = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  /** Requests that run widget callbacks (commMessage) and have not been answered: an interrupt stops them too. */
  private readonly callbackRequests = new Set<number>();
  private readonly inspector = new Session();
  /** Inspector session ids by worker thread id. */
  private readonly inspectorSessions = new Map<number, string>();
  private readonly attachWaiters = new Map<number, () => void>();
  private stopping = false;
  private nextInspectorMessage = 1;
  /**
   * Messages sent to the runtime worker's inspector and not yet answered. No guard is sent while one is: a
   * guard dispatched behind a termination whose stack has not unwound yet runs into that termination, and
   * V8 then cancels it with the guard's evaluation, leaving the loop running.
   */
  private readonly unanswered = new Set<number>();
  /** Calls of the debugger (kernel/evaluator/debugger/) waiting for the worker's answer; apart from `unanswered`, which only the interrupt guard waits on. */
  private readonly debuggerCalls = new Map<number, { resolve(result: unknown): void; reject(error: Error): void }>();
  private inspectorEventListener: ((event: InspectorEvent) => void) | undefined;
  /** Counts the workers spawned: a debugger enables its domain again on a new one. */
  private generation = 0;

  constructor(private readonly options: RuntimeClientOptions) {
    this.inspector.connect();
    // workerInfo.workerId counts the workers this session was told of (the language worker too), so it is
    // not the thread id; Node's title for a worker is "[worker <thread id>]" (+ its name).
    this.inspector.on("NodeWorker.attachedToWorker", (message: { params: { sessionId: string; workerInfo: { title: string } } }) => {
      const threadId = Number(/^\[worker (\d+)\]/.exec(message.params.workerInfo.title)?.[1]);
      if (!Number.isInteger(threadId)) return;
      this.inspectorSessions.set(threadId, message.params.sessionId);
      this.attachWaiters.get(threadId)?.();
    });
    this.inspector.on("NodeWorker.receivedMessageFromWorker", (message: { params: { sessionId: string; message: string } }) => {
      if (message.params.sessionId !== this.inspectorSessions.get(this.worker.threadId)) return;
      const parsed = JSON.parse(message.params.message) as {
        id?: number;
        result?: unknown;
        error?: { message?: string };
        method?: string;
        params?: Record<string, unknown>;
      };
      const id = parsed.id;
      if (id === undefined) {
        if (parsed.method) this.inspectorEventListener?.({ method: parsed.method, params: parsed.params ?? {} });
        return;
      }
      this.unanswered.delete(id);
      const call = this.debuggerCalls.get(id);
      if (!call) return;
      this.debuggerCalls.delete(id);
      if (parsed.error) call.reject(new Error(parsed.error.message ?? "the runtime's inspector refused the request"));
      else call.resolve(parsed.result);
    });
    this.inspector.on("NodeWorker.detachedFromWorker", (message: { params: { sessionId: string } }) => {
      for (const [threadId, sessionId] of this.inspectorSessions) if (sessionId === message.params.sessionId) this.inspectorSessions.delete(threadId);
    });
    this.inspector.post("NodeWorker.enable", { waitForDebuggerOnStart: false });
    this.spawn();
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  /** Which worker is current (grows by one per spawn): inspector state such as an enabled Debugger belongs to one worker. */
  get workerGeneration(): number {
    return this.generation;
  }

  /**
   * Sends a DevTools protocol call to the runtime worker's inspector from this thread, which stays free while
   * the worker is paused in the debugger (a thread cannot serve its own pause).
   */
  inspectorCall<T>(method: string, params: object = {}): Promise<T> {
    // Posted at once when the worker is attached: an interrupt or shutdown that resumes a paused worker must reach
    // this worker, not the one a restart spawns right after.
    if (this.inspectorSessions.has(this.worker.threadId)) return this.postInspectorCall(method, params);
    return this.ready.then(() => this.postInspectorCall(method, params));
  }

  private postInspectorCall<T>(method: string, params: object): Promise<T> {
    const sessionId = this.inspectorSessions.get(this.worker.threadId);
    if (!sessionId) return Promise.reject(new Error("the runtime's inspector is not attached"));
    const id = this.nextInspectorMessage++;
    return new Promise<T>((resolve, reject) => {
      this.debuggerCalls.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.inspector.post("NodeWorker.sendMessageToWorker", { sessionId, message: JSON.stringify({ id, method, params }) }, (error) => {
        if (!error) return;
        this.debuggerCalls.delete(id);
        reject(error);
      });
    });
  }

  /** Where the worker's inspector events go (one listener: the debugger). */
  onInspectorEvent(listener: ((event: InspectorEvent) => void) | undefined): void {
    this.inspectorEventListener = listener;
  }

  /**
   * Runs a compiled cell; `plainScript`: it may run as an ordinary script (see plain-script.ts);
   * `varNames`: the names it binds with `var`, which may take over a global (runtime/global-names.ts).
   */
  async run(
    js: string,
    { needsBackend = false, plainScript = false, varNames }: { needsBackend?: boolean; plainScript?: boolean; varNames?: string[] } = {},
  ): Promise<RunResult> {
    await this.ready;
    const id = this.nextId++;
    return new Promise<RunResult>((resolve) => {
      this.running = { id, interrupted: false, resolve };
      Atomics.store(this.outputState, 1, 0);
      this.send({ type: "run", id, js, needsBackend, plainScript, ...(varNames?.length ? { varNames } : {}) });
    });
  }

  /** Ask the worker something (expand a user magic, list global names, run a widget's callbacks). */
  async request(
    message:
      | { type: "expandMagic"; name: string; args: string; body?: string }
      | { type: "globalNames" }
      | { type: "widgetStates" }
      | { type: "commMessage"; commId: string; data: Record<string, unknown>; buffers: Uint8Array[]; delivery: number },
  ): Promise<unknown> {
    await this.ready;
    const id = this.nextId++;
    if (message.type === "commMessage") this.callbackRequests.add(id);
    return new Promise((resolve, reject) => {
      this.replies.set(id, { resolve, reject });
      this.send({ ...message, id });
    });
  }

  /** Tells the worker the front end closed a widget's comm. */
  commClosed(commId: string): void {
    this.send({ type: "commClose", commId });
  }

  /** Answers a question the worker asked the main thread (input from the user, a change of directory). */
  answer(id: number, value: string | undefined, error: string | undefined): void {
    this.send({ type: "answer", id, value, error });
  }

  interrupt(): void {
    const run = this.running;
    this.interruptCallbacks(!run);
    if (!run || run.interrupted) return;
    run.interrupted = true;
    // a write waiting for output to be relayed is in the worker's own code, where the guard declines to stop it
    Atomics.store(this.outputState, 1, 1);
    Atomics.notify(this.outputState, 0);
    const signal = this.stopSignal;
    // The worker cannot read the interrupt message while a training step runs; tl.fit reads this flag.
    requestStopThrough(signal);
    this.send({ type: "interrupt", id: run.id });
    setTimeout(() => {
      if (this.running !== run) return;
      if (signal === this.stopSignal && (readStopSignal(signal).activity !== "idle" || run.fitEndsBy !== undefined)) {
        this.awaitFitBoundary(run, signal);
      } else {
        this.terminateWhenBusy(run);
      }
    }, ACK_WAIT_MS);
  }

  /**
   * tl.fit is training and will stop at its next batch boundary, where the worker also answers the
   * interrupt message: wait for that rather than terminate mid-step (tl would have to undo the step), but
   * not for ever (a step that never ends, or user code that blocks the fit, is terminated after all). A
   * worker that read the interrupt while fit awaited answers once fit has ended (`fitEndsBy`): that long too.
   */
  private awaitFitBoundary(run: PendingRun, signal: SharedArrayBuffer): void {
    const worker = this.worker;
    const started = Date.now();
    const poll = () => {
      if (this.running !== run || this.worker !== worker) return;
      const waitUntil = Math.max(started + Math.max(FIT_WAIT_MIN_MS, 3 * readStopSignal(signal).longestStepMs), run.fitEndsBy ?? 0);
      if (Date.now() >= waitUntil) this.terminateWhenBusy(run);
      else setTimeout(poll, FIT_POLL_MS);
    };
    setTimeout(poll, FIT_POLL_MS);
  }

  /** Terminates the run's JavaScript through the interrupt guard; replaces the worker if it still has not reported. */
  private terminateWhenBusy(run: PendingRun): void {
    const worker = this.worker;
    const askAgain = () => {
      if (this.running !== run || this.worker !== worker) return;
      if (this.unanswered.size === 0) this.sendGuard(run.id);
      setTimeout(askAgain, GUARD_RETRY_MS);
    };
    askAgain();
    setTimeout(() => {
      if (this.running !== run) return;
      this.replace("the cell did not stop when interrupted");
    }, TERMINATE_WAIT_MS);
  }

  /**
   * Stops widget callbacks that front-end messages are running: each is answered as interrupted
   * once the worker reads this (at once for one that awaits). `terminate`: no cell runs, so a
   * callback still unanswered is busy in synchronous code and the guard terminates it, as it does
   * a cell's (with a cell running, the cell's own termination takes whatever code is on the stack).
   */
  private interruptCallbacks(terminate: boolean): void {
    const pending = [...this.callbackRequests];
    for (const id of pending) this.send({ type: "interruptCallbacks", id });
    if (!terminate || pending.length === 0) return;
    const worker = this.worker;
    setTimeout(() => {
      const stuck = pending.find((id) => this.callbackRequests.has(id));
      if (stuck === undefined || this.worker !== worker) return;
      const askAgain = () => {
        if (!this.callbackRequests.has(stuck) || this.worker !== worker) return;
        // negative: the guard's id for a front-end message's callbacks
        if (this.unanswered.size === 0) this.sendGuard(-stuck);
        setTimeout(askAgain, GUARD_RETRY_MS);
      };
      askAgain();
      setTimeout(() => {
        if (this.callbackRequests.has(stuck) && this.worker === worker) this.replace("a widget's callback did not stop when interrupted");
      }, TERMINATE_WAIT_MS);
    }, ACK_WAIT_MS);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.finishRun({ kind: "interrupted" });
    await this.worker.terminate();
    this.inspector.disconnect();
  }

  /** A fresh worker with no user state (kernel restart). */
  async restart(): Promise<void> {
    this.finishRun({ kind: "interrupted" });
    const old = this.worker;
    this.spawn();
    await old.terminate();
    await this.ready;
  }

  private spawn(): void {
    // questions the old worker will never answer (a widget callback it was running) end now
    for (const pending of this.replies.values()) pending.reject(new Error("the kernel's runtime restarted before it answered"));
    this.replies.clear();
    this.callbackRequests.clear();
    const { worker, workerData, early } = takePrestarted(this.options) ?? startWorker(this.options);
    const { terminationState, outputInFlight } = workerData;
    this.stopSignal = workerData.stopSignal;
    this.worker = worker;
    this.generation += 1;
    this.unanswered.clear();
    for (const call of this.debuggerCalls.values()) call.reject(new Error("the runtime restarted"));
    this.debuggerCalls.clear();
    this.terminationState = new Int32Array(terminationState);
    const threadId = worker.threadId;
    // A cell is accepted only once the worker's inspector session is attached: the first interrupt needs it.
    const attached = new Promise<void>((resolve) => {
      if (this.inspectorSessions.has(threadId)) return resolve();
      this.attachWaiters.set(threadId, () => {
        this.attachWaiters.delete(threadId);
        resolve();
      });
    });
    const started = new Promise<void>((resolve) => {
      const onReady = (message: FromWorker) => {
        if (message.type !== "ready") return;
        worker.off("message", onReady);
        resolve();
      };
      worker.on("message", onReady);
    });
    this.ready = Promise.all([started, attached]).then(() => undefined);
    const inFlight = new Int32Array(outputInFlight);
    this.outputState = inFlight;
    worker.on("message", (message: FromWorker) => this.receive(worker, message, inFlight));
    // What a prestarted worker posted before this client took it over, in order.
    for (const message of early) worker.emit("message", message);
    let crash: Error | undefined;
    worker.on("error", (error) => {
      // the exit handler below replaces the worker and says why
      crash = error;
    });
    worker.on("exit", (exitCode) => {
      if (this.stopping || this.worker !== worker) return;
      this.inspectorSessions.delete(threadId);
      this.attachWaiters.delete(threadId);
      const cause = whyTheRuntimeEnded(crash, exitCode);
      this.finishRun({ kind: "error", error: { name: "RuntimeRestarted", message: `the kernel's runtime stopped while running this cell: ${cause}` } });
      this.spawn();
      this.options.onRestart(`the kernel's runtime restarted because ${cause}; earlier state is lost`);
    });
  }

  private receive(worker: Worker, message: FromWorker, inFlight: Int32Array): void {
    if (worker !== this.worker) return;
    switch (message.type) {
      case "ready":
        return;
      case "interruptAck":
        if (message.waitsForFitMs !== undefined && this.running?.id === message.id)
          this.running.fitEndsBy = Date.now() + message.waitsForFitMs + FIT_END_MARGIN_MS;
        return;
      case "terminateMe":
        this.queueTermination();
        return;
      case "done":
        if (this.running?.id === message.id) this.finishRun(this.running.interrupted ? { kind: "interrupted" } : message.result);
        return;
      case "reply": {
        const pending = this.replies.get(message.id);
        this.replies.delete(message.id);
        this.callbackRequests.delete(message.id);
        if (message.error !== undefined) pending?.reject(new Error(message.error));
        else pending?.resolve(message.value);
        return;
      }
      case "stream": {
        const chars = message.text.length;
        this.options.onEvent(message, () => {
          Atomics.sub(inFlight, 0, chars);
          Atomics.notify(inFlight, 0);
        });
        return;
      }
      default:
        this.options.onEvent(message, () => undefined);
    }
  }

  private finishRun(result: RunResult): void {
    const run = this.running;
    this.running = undefined;
    run?.resolve(result);
  }

  private send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  /** Asks the worker's interrupt guard (runtime/interrupt-guard.ts) to have run `runId` stopped if it is busy in it. */
  private sendGuard(runId: number): void {
    this.postToWorker("Runtime.evaluate", { expression: guardExpression(runId), silent: true });
  }

  /** The guard found user code running: queue the termination while the guard holds the worker where it is. */
  private queueTermination(): void {
    const state = this.terminationState;
    if (Atomics.compareExchange(state, 0, TERMINATION.REQUESTED, TERMINATION.ACCEPTED) !== TERMINATION.REQUESTED) return;
    try {
      this.postToWorker("Runtime.terminateExecution", {});
    } finally {
      Atomics.store(state, 0, TERMINATION.QUEUED);
      Atomics.notify(state, 0);
    }
  }

  private postToWorker(method: string, params: object): void {
    const sessionId = this.inspectorSessions.get(this.worker.threadId);
    if (!sessionId) return;
    const id = this.nextInspectorMessage++;
    this.unanswered.add(id);
    const message = JSON.stringify({ id, method, params });
    this.inspector.post("NodeWorker.sendMessageToWorker", { sessionId, message }, () => undefined);
  }

  private replace(reason: string): void {
    const old = this.worker;
    this.finishRun({ kind: "interrupted" });
    this.spawn();
    void old.terminate();
    this.options.onRestart(`the kernel's runtime restarted (${reason}); earlier state is lost`);
  }
}

/**
 * One clause saying what ended the runtime worker. Errors thrown by cells never end it
 * (runtime/background-errors.ts), so what is left is process.exit, running out of memory, or a crash.
 */
function whyTheRuntimeEnded(crash: Error | undefined, exitCode: number): string {
  if ((crash as NodeJS.ErrnoException | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY") {
    const limitMb = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
    return `the JavaScript heap ran out of memory (its limit is ${limitMb} MB; node's --max-old-space-size sets it)`;
  }
  if (crash) return `the runtime crashed: ${crash.message}`;
  return `process.exit(${exitCode}) was called`;
}

interface StartedWorker {
  worker: Worker;
  workerData: WorkerData;
  /** Messages it posted before a client listened (a prestarted worker's "ready"). */
  early: FromWorker[];
}

function startWorker(options: { cwd: string; preloadBackend: boolean }): StartedWorker {
  const workerData: WorkerData = {
    cwd: options.cwd,
    preloadBackend: options.preloadBackend,
    terminationState: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT),
    outputInFlight: new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT),
    stopSignal: createStopSignalBuffer(),
  };
  return { worker: new Worker(workerScript(), { workerData, stdout: false, stderr: false }), workerData, early: [] };
}

let prestarted: (StartedWorker & { exited: boolean; stopListening(): void }) | undefined;

/**
 * Starts the runtime worker ahead of its client: its thread's boot and its requires are what a cell sent right
 * after the kernel's first reply waits for, so the kernel starts it as soon as its sockets bind, before loading
 * the rest of the evaluator. The first RuntimeClient with the same options takes it over, with what it posted.
 */
export function prestartRuntimeWorker(options: { cwd: string; preloadBackend: boolean }): void {
  if (prestarted) return;
  const started = startWorker(options);
  const onMessage = (message: FromWorker) => started.early.push(message);
  const onExit = () => {
    if (prestarted) prestarted.exited = true;
  };
  started.worker.on("message", onMessage);
  started.worker.on("exit", onExit);
  // Until a client takes it over, it must not keep the process alive (a kernel whose evaluator failed to load exits).
  started.worker.unref();
  prestarted = {
    ...started,
    exited: false,
    stopListening: () => {
      started.worker.off("message", onMessage);
      started.worker.off("exit", onExit);
    },
  };
}

function takePrestarted(options: { cwd: string; preloadBackend: boolean }): StartedWorker | undefined {
  const taken = prestarted;
  if (!taken) return undefined;
  prestarted = undefined;
  taken.stopListening();
  taken.worker.ref();
  const { cwd, preloadBackend } = taken.workerData;
  if (!taken.exited && cwd === options.cwd && preloadBackend === options.preloadBackend) return taken;
  void taken.worker.terminate();
  return undefined;
}

function workerScript(): string {
  const beside = path.join(__dirname, "runtime", "runtime-worker.js");
  if (fs.existsSync(beside)) return beside;
  return path.join(tsfineRoot(), "dist", "kernel", "evaluator", "runtime", "runtime-worker.js");
}
