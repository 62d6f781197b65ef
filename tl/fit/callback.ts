import type * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/dataset";
import type { Examples } from "../data/examples";

/** One row per epoch; validation entries only when the data set has a validation split. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  acc?: number;
  valLoss?: number;
  valAcc?: number;
  lr: number;
  seconds: number;
}

export interface History {
  epochs: EpochRecord[];
  /** Loss of every training batch, in order. */
  batchLoss: number[];
  /** Why training ended early ("early stopping", "interrupted", …), if it did. */
  stopped?: string;
  /** Epoch whose weights the model holds at the end when checkpoint "best" restored them. */
  restoredEpoch?: number;
  /** The engine that trained ("tfjs" unless fit's `engine` option named another; tl/fit/engines.ts). */
  engine: string;
}

/** Everything a callback may read or change while fit runs. */
export interface FitState {
  /** The model the user passed in. */
  readonly model: tf.LayersModel;
  readonly data: Dataset;
  /** The model actually stepped (the part above the freeze boundary when activations are cached). */
  trainModel: tf.LayersModel;
  /** Examples fed to trainModel (cached activations when the boundary cache is on). */
  trainSet: Examples;
  validationSet: Examples | undefined;
  readonly classification: boolean;
  readonly epochs: number;
  readonly batchSize: number;
  readonly batchesPerEpoch: number;
  /** Base learning rate from the options; schedules scale it. */
  readonly baseLr: number;
  /** Learning rate used for the next step (set by schedules). */
  lr: number;
  epoch: number;
  batch: number;
  /** Steps done since fit started. */
  step: number;
  readonly totalSteps: number;
  /** Loss and accuracy of the batch just computed. */
  batchLoss: number;
  batchAcc: number;
  /** Set by a callback in afterLoss: skip applying this batch's gradients. */
  skipStep: boolean;
  /** Set to end training after the current batch/epoch; `stopReason` says why. */
  stop: boolean;
  stopReason?: string;
  /** An error to raise once every callback has cleaned up. */
  error?: Error;
  /** Extra words for the progress line (e.g. that activations are cached). */
  notes: string[];
  history: History;
  /** The record being built for the current epoch. */
  current?: EpochRecord;
}

/** fastai-style events; a callback implements the ones it needs. */
export interface Callback {
  readonly name: string;
  beforeFit?(state: FitState): void | Promise<void>;
  beforeEpoch?(state: FitState): void;
  beforeBatch?(state: FitState): void;
  /** After the loss is known, before gradients are applied. */
  afterLoss?(state: FitState): void;
  afterBatch?(state: FitState): void;
  afterEpoch?(state: FitState): void;
  /** Always runs, also after an interrupt or error. */
  afterFit?(state: FitState): void;
}
