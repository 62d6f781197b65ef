import type * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/dataset";
import { random } from "../seed";
import { boundaryCache } from "./boundary-cache";
import type { Callback, FitState, History } from "./callback";
import { checkModelFitsData } from "./check-fit";
import { checkpointBest } from "./checkpoint-best";
import { earlyStopping, type EarlyStoppingOptions } from "./early-stopping";
import { fitEngine, type FitEngine } from "./engines";
import { runFit } from "./fit-run";
import { liveCurves } from "./live-curves";
import { fitControls } from "./controls";
import { nanGuard } from "./nan-guard";
import type { OptimizerName } from "./optimizers";
import { progress } from "./progress";
import { scheduleCallback, type Schedule, type ScheduleName } from "./schedules";

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
  /** A Stop button and a learning-rate slider (Jupyter widgets) that act from the next batch. */
  controls?: boolean;
  callbacks?: Callback[];
  /**
   * Which engine trains (default "tfjs": the loop on tf in this thread). Others register with
   * registerFitEngine (tl/fit/engines.ts); callbacks, history and interrupt behave the same.
   */
  engine?: string;
  /** The keras engine: "all" trains data-parallel over every device it sees (keras.distribution on JAX). */
  devices?: "all";
}

function callbacksFor(options: FitOptions, engine: FitEngine): Callback[] {
  const list: Callback[] = [];
  if (options.cacheFrozen !== false) list.push(boundaryCache(engine.prepareModel && ((trainModel, state) => engine.prepareModel!(trainModel, state, options))));
  list.push(scheduleCallback(options.schedule ?? "constant"));
  list.push(nanGuard());
  if (options.earlyStopping) list.push(earlyStopping(options.earlyStopping === true ? {} : options.earlyStopping));
  if (options.checkpoint === "best") list.push(checkpointBest());
  if (options.verbose !== false) list.push(progress());
  if (options.liveCurves ?? options.verbose !== false) list.push(liveCurves());
  // after the schedule: the slider scales the rate it sets
  if (options.controls) list.push(fitControls());
  return list.concat(options.callbacks ?? []);
}

/**
 * Trains `model` on `data.train`, fastai's recipe: check the arguments, set up the state the
 * callbacks share, run beforeFit, the engine's epochs and afterFit (tl/fit/fit-run.ts), return the
 * history. Progress, schedules, early stopping, checkpoints, the frozen-activation cache and the
 * NaN guard are callbacks (tl/fit/); the epochs and batches are the engine's (tl/fit/engines.ts:
 * "tfjs" by default, `options.engine` picks another). An interrupt (tl.requestStop, or the
 * kernel's) ends training at a batch boundary with `history.stopped` "interrupted".
 */
export async function fit(model: tf.LayersModel, data: Dataset, options: FitOptions = {}): Promise<History> {
  const engineName = options.engine ?? "tfjs";
  const engine = fitEngine(engineName);
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
    history: { epochs: [], batchLoss: [], engine: engineName },
  };
  engine.prepare?.();
  await runFit(state, callbacksFor(options, engine), options, seed, engine);
  if (state.error) throw state.error;
  return state.history;
}
