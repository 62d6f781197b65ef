/**
 * The interrupt flag, and what tl.fit tells the kernel about itself while it trains.
 *
 * The kernel calls requestStop() when the user interrupts a cell; fit checks the flag at every
 * batch boundary and ends cleanly (checkpoint-best then restores the best weights) instead of
 * being cut off mid-update. A training step is synchronous, so while one runs the thread that
 * runs fit cannot answer messages; the kernel's main thread learns whether fit is training, and
 * how long its steps take, from a SharedArrayBuffer (useStopSignal / readStopSignal), and can set
 * the flag through it (requestStopThrough), so it can wait for the batch boundary instead of
 * terminating JavaScript in the middle of a step.
 *
 * This module imports nothing, so the kernel's main thread can load it without tfjs.
 */

/** Int32 slots of the shared buffer. */
const STOP = 0;
const ACTIVITY = 1;
const IN_STEP = 2;
const LONGEST_STEP_MS = 3;
const SLOTS = 4;

const IDLE = 0;
const TRAINING = 1;
const STOPPING = 2;

export type FitActivity = "idle" | "training" | "stopping";

export interface StopSignalState {
  /** A stop was requested and not yet consumed by a finishing fit. */
  stopRequested: boolean;
  /**
   * "training": tl.fit is in a run and checks the flag at every batch boundary; "stopping": it
   * has seen the request and is ending (restoring the best weights). Either way it stops by itself.
   */
  activity: FitActivity;
  /** fit is inside a synchronous training step (the thread cannot answer until the step ends). */
  inStep: boolean;
  /** The longest training step of the current run so far, in milliseconds (0 before the first). */
  longestStepMs: number;
  /** training or stopping with a stop requested: fit will end at its next batch boundary. */
  stopAcknowledged: boolean;
}

/** A buffer for useStopSignal, made by the thread that will read it. */
export function createStopSignalBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT);
}

let signal = new Int32Array(createStopSignalBuffer());

/** Publish fit's state in `buffer` (shared with another thread) from now on; the current state moves along. */
export function useStopSignal(buffer: SharedArrayBuffer): void {
  const next = new Int32Array(buffer, 0, SLOTS);
  for (let i = 0; i < SLOTS; i++) Atomics.store(next, i, Atomics.load(signal, i));
  signal = next;
}

function decode(view: Int32Array): StopSignalState {
  const stopRequested = Atomics.load(view, STOP) === 1;
  const code = Atomics.load(view, ACTIVITY);
  const activity: FitActivity = code === TRAINING ? "training" : code === STOPPING ? "stopping" : "idle";
  return {
    stopRequested,
    activity,
    inStep: Atomics.load(view, IN_STEP) === 1,
    longestStepMs: Atomics.load(view, LONGEST_STEP_MS),
    stopAcknowledged: activity !== "idle" && (stopRequested || activity === "stopping"),
  };
}

/** fit's state as seen from any thread holding the buffer given to useStopSignal. */
export function readStopSignal(buffer: SharedArrayBuffer): StopSignalState {
  return decode(new Int32Array(buffer, 0, SLOTS));
}

/** requestStop from another thread, effective even while fit's thread is busy in a step. */
export function requestStopThrough(buffer: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(buffer, 0, SLOTS), STOP, 1);
}

/** fit's state, read on the thread that runs it. */
export function fitActivity(): StopSignalState {
  return decode(signal);
}

export function requestStop(): void {
  Atomics.store(signal, STOP, 1);
}

export function isStopRequested(): boolean {
  return Atomics.load(signal, STOP) === 1;
}

/** How often `unlessStopRequested` looks at the flag: well within the kernel's wait for a stopping fit. */
const STOP_POLL_MS = 50;

/**
 * `work`'s value, or undefined as soon as a stop is requested (from this thread or the kernel's),
 * whichever comes first. The flag is an Atomics slot that nothing notifies, so it is polled.
 */
export function unlessStopRequested<T>(work: Promise<T>): Promise<T | undefined> {
  if (isStopRequested()) return Promise.resolve(undefined);
  let poll: ReturnType<typeof setInterval> | undefined;
  const stopped = new Promise<undefined>((resolve) => {
    poll = setInterval(() => {
      if (isStopRequested()) resolve(undefined);
    }, STOP_POLL_MS);
  });
  return Promise.race([work, stopped]).finally(() => clearInterval(poll));
}

export function clearStopRequest(): void {
  Atomics.store(signal, STOP, 0);
}

/** fit's own bookkeeping. */
export const fitSignal = {
  started(): void {
    Atomics.store(signal, LONGEST_STEP_MS, 0);
    Atomics.store(signal, IN_STEP, 0);
    Atomics.store(signal, ACTIVITY, TRAINING);
  },
  stepStarted(): void {
    Atomics.store(signal, IN_STEP, 1);
  },
  stepEnded(ms: number): void {
    Atomics.store(signal, IN_STEP, 0);
    if (ms > Atomics.load(signal, LONGEST_STEP_MS)) Atomics.store(signal, LONGEST_STEP_MS, Math.min(2 ** 31 - 1, Math.ceil(ms)));
  },
  stopping(): void {
    Atomics.store(signal, ACTIVITY, STOPPING);
  },
  ended(): void {
    Atomics.store(signal, IN_STEP, 0);
    Atomics.store(signal, ACTIVITY, IDLE);
  },
};
