import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/dataset";
import { random } from "../seed";
import { boundaryCache } from "./boundary-cache";
import type { Callback, FitState, History } from "./callback";
import { checkModelFitsData } from "./check-fit";
import { checkpointBest } from "./checkpoint-best";
import { earlyStopping, type EarlyStoppingOptions } from "./early-stopping";
import { liveCurves } from "./live-curves";
import { accuracy, meanLoss, measure } from "./measure";
import { nanGuard } from "./nan-guard";
import { makeOptimizer, parameterGroups, setLearningRate, type OptimizerName } from "./optimizers";
import { progress } from "./progress";
import { scheduleCallback, type Schedule, type ScheduleName } from "./schedules";
import { guardRun, reportInterruptedFit } from "./interrupted-run";
import { checkBatchFitsMemory } from "./memory-check";
import { clearStopRequest, fitSignal, isStopRequested } from "./stop-request";
import { values } from "../read-values";

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: OptimizerName;
  schedule?: ScheduleName | Schedule;
  /** One learning rate per group of trainable layers, bottom to top. */
  layerLrs?: number[];
  /** Bottom layers train at lr / lrMult, rising to lr at the top. */
  lrMult?: number;
  /** true for the defaults, or patience/monitor options. */
  earlyStopping?: boolean | EarlyStoppingOptions;
  /** "best": keep the best epoch's weights (validation loss) and restore them at the end. */
  checkpoint?: "best" | "none";
  /** Compute the frozen part's activations once when possible (default true). */
  cacheFrozen?: boolean;
  /** Seed of the batch order and augmentation (default: drawn from tl.seed's stream). */
  seed?: number;
  /** Progress bar and live curves (default true). */
  verbose?: boolean;
  /** Live loss/accuracy plot (default: same as verbose). */
  liveCurves?: boolean;
  callbacks?: Callback[];
}

function callbacksFor(options: FitOptions): Callback[] {
  const list: Callback[] = [];
  if (options.cacheFrozen !== false) list.push(boundaryCache());
  list.push(scheduleCallback(options.schedule ?? "constant"));
  list.push(nanGuard());
  if (options.earlyStopping) list.push(earlyStopping(options.earlyStopping === true ? {} : options.earlyStopping));
  if (options.checkpoint === "best") list.push(checkpointBest());
  if (options.verbose !== false) list.push(progress());
  if (options.liveCurves ?? options.verbose !== false) list.push(liveCurves());
  return list.concat(options.callbacks ?? []);
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Trains `model` on `data.train` with a short loop; progress, schedules, early stopping,
 * checkpoints, the frozen-activation cache and the NaN guard are callbacks (see tl/fit/).
 * Stops cleanly at a batch boundary on interrupt (requestStop). Returns the history.
 */
export async function fit(model: tf.LayersModel, data: Dataset, options: FitOptions = {}): Promise<History> {
  reportInterruptedFit();
  checkModelFitsData(model, data);
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  const baseLr = options.lr ?? 1e-3;
  if (!(epochs >= 0 && Number.isInteger(epochs))) throw new Error(`epochs must be a whole number ≥ 0, got ${epochs}.`);
  if (!(batchSize >= 1 && Number.isInteger(batchSize))) throw new Error(`batchSize must be a whole number ≥ 1, got ${batchSize}.`);
  if (!(baseLr > 0)) throw new Error(`lr must be a positive number, got ${baseLr}.`);
  if (model.trainableWeights.length === 0) {
    throw new Error(`Every layer of ${model.name} is frozen, so there is nothing to train; unfreeze some layers (tl.unfreeze(model, { last: 2 })).`);
  }
  const seed = options.seed ?? Math.floor(random() * 2 ** 31);
  const callbacks = callbacksFor(options);
  const batchesPerEpoch = Math.ceil(data.train.size / batchSize);
  const state: FitState = {
    model,
    data,
    trainModel: model,
    trainSet: data.train,
    validationSet: data.validation,
    classification: data.train.isClassification,
    epochs,
    batchSize,
    batchesPerEpoch,
    baseLr,
    lr: baseLr,
    epoch: 0,
    batch: 0,
    step: 0,
    totalSteps: epochs * batchesPerEpoch,
    batchLoss: NaN,
    batchAcc: NaN,
    skipStep: false,
    stop: false,
    notes: [],
    history: { epochs: [], batchLoss: [] },
  };
  clearStopRequest();
  const groups = parameterGroups(model, options, baseLr);
  const optimizers = groups.map((g) => makeOptimizer(options.optimizer ?? "adam", baseLr * g.multiplier));
  const run = (event: "beforeEpoch" | "beforeBatch" | "afterLoss" | "afterBatch" | "afterEpoch") => {
    for (const cb of callbacks) cb[event]?.(state);
  };
  let cleanedUp = false;
  const cleanUp = () => {
    if (cleanedUp) return;
    if (state.stop && state.stopReason) state.history.stopped = state.stopReason;
    for (const cb of callbacks) cb.afterFit?.(state);
    optimizers.forEach((o) => o.dispose());
    clearStopRequest();
    fitSignal.ended();
    cleanedUp = true;
  };
  const guard = guardRun(
    model,
    (between) =>
      state.step === 0 && state.batch === 0 ? (between ? "while preparing" : "its preparation") : between ? `after batch ${state.batch} of epoch ${state.epoch + 1}` : `epoch ${state.epoch + 1}, batch ${state.batch + 1}`,
    (between) => {
      state.stop = true;
      state.stopReason = "interrupted";
      cleanUp();
      const restored = state.history.restoredEpoch;
      if (restored) return `holds the weights of epoch ${restored}, the best`;
      if (state.step === 0) return "is unchanged";
      return between ? "holds the weights after that batch" : "holds the weights from before that step";
    },
  );
  fitSignal.started();
  try {
    for (const cb of callbacks) await guard.pause(cb.beforeFit?.(state));
    checkBatchFitsMemory(state, groups.flatMap((g) => g.variables));
    guard.boundary();
    for (state.epoch = 0; state.epoch < epochs && !state.stop; state.epoch++) {
      const started = Date.now();
      let lossSum = 0, accSum = 0, seen = 0;
      run("beforeEpoch");
      state.batch = 0;
      const batches = state.trainSet.batches(batchSize, { shuffle: true, seed: seed + 7919 * state.epoch, augment: true });
      for (const { xs, ys, positions } of batches) {
        if (isStopRequested()) {
          state.stop = true;
          state.stopReason = "interrupted";
          fitSignal.stopping();
        }
        if (state.stop) {
          tf.dispose([xs, ys]);
          break;
        }
        guard.hold(xs);
        guard.hold(ys);
        const stepStarted = performance.now();
        fitSignal.stepStarted();
        run("beforeBatch");
        let step!: StepResult;
        tf.tidy(() => {
          step = lossAndGradients(state, groups, xs, ys, guard.hold);
        });
        const read = values(step.acc ? [step.value, step.acc] : [step.value]);
        const [loss, acc] = read instanceof Promise ? await guard.pause(read) : read;
        state.batchLoss = loss[0];
        state.batchAcc = acc ? acc[0] : NaN;
        run("afterLoss");
        if (!state.skipStep) tf.tidy(() => applyGradients(state, optimizers, groups, step.grads));
        tf.dispose([step.value, step.acc, ...Object.values(step.grads)]);
        tf.dispose([xs, ys]);
        state.history.batchLoss.push(state.batchLoss);
        if (!state.skipStep) {
          lossSum += state.batchLoss * positions.length;
          accSum += state.batchAcc * positions.length;
          seen += positions.length;
          state.step++;
        }
        run("afterBatch");
        state.batch++;
        fitSignal.stepEnded(performance.now() - stepStarted);
        guard.boundary();
        await guard.pause(nextTurn(), "turn");
      }
      // An epoch cut short (interrupt, NaN) is not recorded: its numbers would not compare.
      if (seen === 0 || (state.stop && state.batch < batchesPerEpoch)) break;
      state.current = { epoch: state.epoch + 1, loss: lossSum / seen, lr: state.lr, seconds: 0 };
      if (state.classification) state.current.acc = accSum / seen;
      if (state.validationSet) {
        const v = await measure(state.trainModel, state.validationSet, batchSize);
        state.current.valLoss = v.loss;
        if (v.acc !== undefined) state.current.valAcc = v.acc;
      }
      state.current.seconds = (Date.now() - started) / 1000;
      state.history.epochs.push(state.current);
      run("afterEpoch");
    }
  } finally {
    fitSignal.stopping();
    cleanUp();
    guard.end();
  }
  if (state.error) throw state.error;
  return state.history;
}

interface StepResult {
  value: tf.Scalar;
  acc?: tf.Scalar;
  grads: tf.NamedTensorMap;
}

/** Forward and backward pass of one batch; the tensors returned are held until the step ends. */
function lossAndGradients(
  state: FitState,
  groups: ReturnType<typeof parameterGroups>,
  xs: tf.Tensor,
  ys: tf.Tensor,
  hold: <T extends tf.Tensor>(t: T) => T,
): StepResult {
  state.skipStep = false;
  let acc: tf.Scalar | undefined;
  const variables = groups.flatMap((g) => g.variables);
  const { value, grads } = tf.variableGrads(() => {
    const predictions = state.trainModel.apply(xs, { training: true }) as tf.Tensor;
    if (state.classification) acc = tf.keep(accuracy(ys, predictions));
    return meanLoss(ys, predictions, state.classification);
  }, variables);
  // Kept past tf.tidy and held for the guard: disposed at the end of the step, or by the repair
  // of a step that an interrupt cut.
  for (const t of [value, acc, ...Object.values(grads)]) if (t) hold(tf.keep(t));
  return { value, acc, grads };
}

function applyGradients(state: FitState, optimizers: tf.Optimizer[], groups: ReturnType<typeof parameterGroups>, grads: tf.NamedTensorMap): void {
  groups.forEach((g, i) => {
    setLearningRate(optimizers[i], state.lr * g.multiplier);
    const mine: tf.NamedTensorMap = {};
    for (const v of g.variables) mine[v.name] = grads[v.name];
    optimizers[i].applyGradients(mine);
  });
}
