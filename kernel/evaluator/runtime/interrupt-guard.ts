/**
 * Stopping a runtime worker that is busy in synchronous code, without ever terminating the wrong thing.
 *
 * `Runtime.terminateExecution` stops whatever JavaScript the worker runs when the request is dispatched,
 * and a request dispatched while the worker is idle stays pending until some later JavaScript starts
 * (the next cell, or the worker's own bookkeeping), which it then kills. The main thread cannot know which
 * of those it will hit, so it does not send it blind. It sends `Runtime.evaluate` of the guard below
 * instead; the worker dispatches inspector messages in a V8 interrupt of the running JavaScript (or, when
 * idle, from its event loop), so the guard sees the stack it interrupted. Only when that stack is user
 * code of a run that has not ended does the guard ask the main thread (a message, then a wait on shared
 * memory) to queue the termination. Node's dispatch loop (MainThreadInterface::DispatchMessages) keeps
 * draining until the queue is empty, so the termination is dispatched in the same interrupt, right after
 * the guard returns, with the same stack still there to stop.
 *
 * The handshake on the shared Int32: the guard sets REQUESTED and posts `terminateMe`; the main thread
 * moves REQUESTED to ACCEPTED, queues the termination, sets QUEUED and notifies. A guard that waited in
 * vain takes REQUESTED back to IDLE itself, so a late `terminateMe` finds nothing to accept.
 */
import * as path from "node:path";

export const TERMINATION = { IDLE: 0, REQUESTED: 1, ACCEPTED: 2, QUEUED: 3 } as const;

export const GUARD_KEY = "tsfine.terminateIfBusy";
/** The expression the main thread evaluates in the worker; the script name tells the guard's frame apart. */
export const guardExpression = (runId: number) => `globalThis[Symbol.for(${JSON.stringify(GUARD_KEY)})](${runId})\n//# sourceURL=tsfine-interrupt-guard`;

export type GuardVerdict = "idle" | "ended" | "own code" | "terminating" | "not accepted";

/** How long the guard holds the worker waiting for the main thread to queue the termination. */
const ACCEPT_WAIT_MS = 1000;

export interface GuardOptions {
  state: Int32Array;
  /** Whether run `id` is still going on, or not yet started, from the worker's side. */
  runPending(id: number): boolean;
  requestTermination(): void;
}

/** Installs the guard in the worker's global scope (not enumerable, not replaceable by cells). */
export function installInterruptGuard(options: GuardOptions): void {
  const ownDirectory = __dirname + path.sep;
  const guard = (runId: number): GuardVerdict => {
    const interrupted = interruptedCode(guard, ownDirectory);
    if (interrupted === "none") return "idle";
    if (!options.runPending(runId)) return "ended";
    if (interrupted === "own") return "own code";
    const { state } = options;
    Atomics.store(state, 0, TERMINATION.REQUESTED);
    options.requestTermination();
    Atomics.wait(state, 0, TERMINATION.REQUESTED, ACCEPT_WAIT_MS);
    if (Atomics.compareExchange(state, 0, TERMINATION.REQUESTED, TERMINATION.IDLE) === TERMINATION.REQUESTED) return "not accepted";
    // accepted: the main thread is queueing the termination (or has); it must be queued before this returns
    while (Atomics.load(state, 0) === TERMINATION.ACCEPTED) Atomics.wait(state, 0, TERMINATION.ACCEPTED, 100);
    Atomics.store(state, 0, TERMINATION.IDLE);
    return "terminating";
  };
  Object.defineProperty(globalThis, Symbol.for(GUARD_KEY), { value: guard, enumerable: false });
}

/**
 * What the guard interrupted: nothing (the worker was idle), the worker's own code (its bookkeeping, which a
 * termination would leave half done), or user code. Node's internal frames and builtins decide nothing: the
 * first other frame does; with none the worker is taken to be idle.
 */
function interruptedCode(guard: (runId: number) => GuardVerdict, ownDirectory: string): "none" | "own" | "user" {
  const savedLimit = Error.stackTraceLimit;
  const savedPrepare = Error.prepareStackTrace;
  let frames: NodeJS.CallSite[];
  try {
    Error.stackTraceLimit = Infinity;
    Error.prepareStackTrace = (_error, callSites) => callSites;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, guard);
    frames = holder.stack ?? [];
  } finally {
    Error.stackTraceLimit = savedLimit;
    Error.prepareStackTrace = savedPrepare;
  }
  const below = frames.slice(frames.findIndex((frame) => frame.getFileName() === "tsfine-interrupt-guard") + 1);
  for (const frame of below) {
    const file = frame.getFileName() ?? "";
    // builtins have no line; scripts evaluated without a name (user code too) have one and no file
    if (frame.getLineNumber() === null || file.startsWith("node:")) continue;
    return file.startsWith(ownDirectory) ? "own" : "user";
  }
  return "none";
}
