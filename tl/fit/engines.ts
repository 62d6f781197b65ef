import type * as tf from "@tensorflow/tfjs";
import type { EpochRecord, FitState } from "./callback";
import type { FitOptions } from "./fit";
import { tfjsEngine } from "./tfjs-engine";

/**
 * The engine seam of tl.fit: fit's recipe (checks, state, callbacks, interrupt, history) is the
 * same whichever engine runs the epochs; an engine only trains.
 *
 * fit calls `engine.train(loop)` once, after every callback's beforeFit and before their
 * afterFit. An engine:
 * - trains `loop.state.trainModel` on `loop.state.trainSet` for `state.epochs` epochs of
 *   `state.batchSize`, reading `state.lr` before each step (schedules set it per batch) and the
 *   optimizer and per-layer-group rates from `loop.options`;
 * - around each batch calls `loop.startBatch()` (false: stop now, the batch is not run),
 *   `emit("beforeBatch")`, sets `state.batchLoss`/`state.batchAcc` and `emit("afterLoss")`,
 *   applies the step unless `state.skipStep`, pushes `state.history.batchLoss`, counts
 *   `state.step`, `emit("afterBatch")`, `state.batch++`, then `await loop.endBatch()`;
 * - brackets each epoch with `emit("beforeEpoch")` and, for a completed epoch,
 *   `loop.endEpoch(record)` (validation measured on `state.validationSet` when there is one);
 *   tl/fit/epoch-tally.ts does the start of an epoch (its seeded batches), the end of a batch and
 *   the epoch's record the same way for every engine;
 * - awaits work that runs none of its own training code (reading a loss from the device, a
 *   reply from another process) through `loop.wait(...)`, so an interrupt knows the run is
 *   waiting, not cut;
 * - leaves the model's weights on `state.model` when it returns or throws (fit's afterFit
 *   callbacks, checkpoint-best among them, read and write them there).
 *
 * An interrupt (tl.requestStop, or the kernel's) makes `startBatch()` return false: training ends
 * at a batch boundary with the weights trained so far, and `history.stopped` says "interrupted".
 * `history.engine` names the engine that ran.
 *
 * Engines register by name (`registerFitEngine("keras", engine)`); `tl.fit(model, data,
 * { engine: "keras" })` picks one; "tfjs" (tl/fit/tfjs-engine.ts, the loop on tf in this thread)
 * is the default.
 */
export interface FitEngine {
  /** Runs the epochs; resolves when training ended (done, stopped or interrupted). */
  train(loop: FitLoop): Promise<void>;
  /**
   * Called as fit begins, before the callbacks' beforeFit (the frozen-activation cache can run
   * for a while then): starts, without waiting, what takes long and needs nothing from the fit,
   * such as another process. Failures are train's to report.
   */
  prepare?(): void;
  /**
   * Called when the frozen-activation cache has chosen the layers the engine will train
   * (`trainModel`, which becomes `state.trainModel`), before it computes or looks up their input
   * activations: starts, without waiting, work that needs only that model (converting it,
   * compiling its step), so it overlaps the activation pass. The state's sets are not the
   * cache's yet, and a callback's beforeFit may still change things: `train` checks that what it
   * prepared still fits. Failures are train's to report.
   */
  prepareModel?(trainModel: tf.LayersModel, state: FitState, options: Readonly<FitOptions>): void;
}

export type LoopEvent = "beforeEpoch" | "beforeBatch" | "afterLoss" | "afterBatch";

/** What fit gives an engine: the state callbacks share, the events, and the interrupt points. */
export interface FitLoop {
  readonly state: FitState;
  readonly options: Readonly<FitOptions>;
  /** Seed of the batch order and augmentation of this run. */
  readonly seed: number;
  /** Fires one event on every callback, in order. */
  emit(event: LoopEvent): void;
  /**
   * Before each batch: false when training ends here (a callback set `state.stop`, or an
   * interrupt asked to stop: then `state.stopReason` is "interrupted"). True: the step begins.
   */
  startBatch(): boolean;
  /** After each batch's afterBatch: the weights are consistent again; yields one turn to the event loop. */
  endBatch(): Promise<void>;
  /** Records a completed epoch in the history and fires afterEpoch (early stopping, checkpoints). */
  endEpoch(record: EpochRecord): void;
  /** Around an await that runs none of the run's own code meanwhile: the run is waiting, not cut. */
  wait<T>(work: Promise<T> | T): Promise<T>;
  /**
   * Like `wait`, for work before the first batch that can take seconds (another process starting):
   * undefined as soon as an interrupt asks to stop, without waiting for `work` (the run is then
   * stopped, `history.stopped` "interrupted"); the engine returns without training.
   */
  waitUnlessStopped<T>(work: Promise<T>): Promise<T | undefined>;
  /**
   * For an engine that trains on tf in this thread: a tensor kept out of tf's scopes during a
   * step, disposed by the repair if the kernel terminates the step (tl/fit/interrupted-run.ts).
   */
  hold<T extends tf.Tensor>(t: T): T;
  /** Runs `dispose` once the run ends, also when the repair ends a run the kernel cut. */
  onEnd(dispose: () => void): void;
}

const engines = new Map<string, FitEngine>([["tfjs", tfjsEngine]]);

/** Makes `tl.fit(model, data, { engine: name })` train with `engine`; a later registration of the same name replaces it. */
export function registerFitEngine(name: string, engine: FitEngine): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name))
    throw new Error(`registerFitEngine: name must be lower-case letters, digits and dashes, starting with a letter; received "${name}".`);
  if (typeof engine?.train !== "function") throw new Error(`registerFitEngine: the engine "${name}" must have a train(loop) method.`);
  engines.set(name, engine);
}

/** Names of the registered engines, the default first. */
export function fitEngineNames(): string[] {
  return [...engines.keys()];
}

/** The engine registered as `name`; a sentence naming the registered ones when there is none. */
export function fitEngine(name: string): FitEngine {
  const engine = engines.get(name);
  if (engine) return engine;
  const known = fitEngineNames()
    .map((n) => `"${n}"`)
    .join(", ");
  throw new Error(
    `engine must be one of ${known}; received ${JSON.stringify(name)}. An engine is registered with registerFitEngine(name, engine) before fit uses it.`,
  );
}
