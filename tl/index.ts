/**
 * tl: transfer learning for tsfine. Every part is a plain function over tf LayersModels; the
 * kernel exposes this module as the global `tl`.
 */
import { backend } from "./backend";
import { backbone, backbones } from "./backbones/registry";
import { compare } from "./compare";
import { data, load as loadDataset } from "./data";
import { evaluate } from "./evaluate";
import { fineTune } from "./fit/fine-tune";
import { fit } from "./fit/fit";
import { lrFind } from "./fit/lr-find";
import { registerFitEngine } from "./fit/engines";
// Registers fit's "keras" engine; nothing starts until a fit asks for it.
import "./engine/keras/fit-engine";
import { engine } from "./engine/describe";
import { requestStop } from "./fit/stop-request";
import { schedules } from "./fit/schedules";
import { registerTlFormatters } from "./formatters";
import { freeze, freezeTo, unfreeze } from "./freeze";
import { classifier, regressor } from "./heads";
import { save } from "./io";
import { demo } from "./export/demo-frame";
import { exportModel } from "./export/export";
import { load } from "./export/load";
import { predict } from "./export/predict";
import { showPredictions, topLosses } from "./predictions";
import { random, seed, shuffle } from "./seed";
import { summary } from "./summary";
import { text } from "./text";
import * as widgets from "./widgets";

registerTlFormatters();

export { backend, backbone, backbones, compare, data, loadDataset, evaluate, fineTune, fit, lrFind, requestStop, schedules };
export { freeze, freezeTo, unfreeze, classifier, regressor, load, save, showPredictions, topLosses, random, seed, shuffle, summary };
export { text, registerFitEngine, engine, exportModel, exportModel as export, predict, demo, widgets };

export type { BackboneOptions, BackboneEntry } from "./backbones/types";
export type { Dataset, DataOptions, Examples, ExampleEntry, Augmentation } from "./data";
export type { FitOptions } from "./fit/fit";
export type { FineTuneOptions } from "./fit/fine-tune";
export type { LrFindOptions, LrFindResult } from "./fit/lr-find";
export type { Callback, FitState, History, EpochRecord } from "./fit/callback";
export type { FitEngine, FitLoop, LoopEvent } from "./fit/engines";
export type { Evaluation } from "./evaluate";
export type { ClassifierOptions, RegressorOptions } from "./heads";
export type { ModelSummary } from "./summary";
export type { ExportOptions, ExportedModel } from "./export/export";
export type { ExportMetadata } from "./export/metadata";
export type { PredictOptions, Prediction, PredictInput } from "./export/predict";
export type { DemoOptions, DemoFrame } from "./export/demo-frame";
export type { Vocabulary, VocabularyOptions, WordVectors, WordVectorsOptions, TextClassifierOptions, WordImportance, WordEffect } from "./text";
export type { TextOptions, TokenOptions, TokenDataset } from "./data/spam-assassin";

export const tl = {
  backend,
  engine,
  backbone,
  backbones,
  classifier,
  regressor,
  freeze,
  unfreeze,
  freezeTo,
  summary,
  data,
  fit,
  fineTune,
  lrFind,
  requestStop,
  schedules,
  evaluate,
  showPredictions,
  topLosses,
  compare,
  save,
  load,
  export: exportModel,
  predict,
  demo,
  seed,
  random,
  shuffle,
  text,
};

export default tl;
