/**
 * Freezing: which layers of a model train.
 *
 *   tl.freeze(base)                        // everything
 *   tl.freeze(base, { upTo: "block_13" })  // from the bottom through the last block_13_* layer
 *   tl.freeze(model, { match: /_bn$/ })    // by name
 *   tl.unfreeze(model, { last: 2 })        // the top two layer groups train again
 *   tl.freezeTo(model, -1)                 // all groups but the last frozen (fastai's freeze_to)
 *
 * Each returns a summary (parameter counts, frozen layers) that displays as a table.
 *
 * BatchNorm: tfjs-layers decides between batch statistics and moving statistics from the
 * `training` call argument only, so a BatchNormalization layer with trainable = false would still
 * normalise with batch statistics during fit and overwrite its moving mean/variance. Keras (TF 2)
 * runs a non-trainable BatchNorm in inference mode, which is what fine-tuning needs (the frozen
 * features stay exactly those that were pretrained). So every BatchNormalization instance we
 * touch gets its `call` wrapped to pass training = false while the layer is not trainable;
 * unfreezing restores batch statistics because the check happens at each call.
 */
import * as tf from "@tensorflow/tfjs";
import { nearestNames } from "./nearest-names";

type Layer = tf.layers.Layer;

export interface LayerGroup {
  /** The group's name: a block prefix (block_13, conv_7, expanded_conv) or its first layer's name. */
  name: string;
  layers: Layer[];
}

export interface FreezeSummary {
  /** Parameters that the next fit updates. */
  trainableParams: number;
  /** Trainable-kind parameters (kernels, biases, BatchNorm gamma/beta) held fixed by freezing. */
  frozenParams: number;
  /** Parameters never trained by gradient, such as BatchNorm moving mean/variance. */
  statisticParams: number;
  totalParams: number;
  frozenLayers: string[];
  trainableLayers: string[];
  groups: { name: string; frozen: boolean; params: number }[];
  toMimeBundle(): { "text/plain": string; "text/html": string };
}

export interface FreezeOptions {
  /** Freeze from the first layer through this one (inclusive): a layer name, a group/block name, a layer-name prefix, or a layer index. */
  upTo?: string | number;
  /** Freeze exactly these layers (or groups). */
  layers?: string[];
  /** Freeze the layers whose name matches. */
  match?: RegExp;
}

export interface UnfreezeOptions {
  /** Unfreeze the last n layer groups (blocks). */
  last?: number;
  /** Unfreeze from this layer or group (inclusive) to the top. */
  from?: string;
}

const auxiliaryClasses = new Set([
  "BatchNormalization",
  "Activation",
  "ReLU",
  "LeakyReLU",
  "PReLU",
  "ELU",
  "ThresholdedReLU",
  "Softmax",
  "ZeroPadding2D",
  "Dropout",
  "SpatialDropout1D",
  "SpatialDropout2D",
  "GaussianNoise",
  "GaussianDropout",
  "AlphaDropout",
]);

/** Known block naming schemes: Keras MobileNetV2 (block_N_*, expanded_conv_*), MobileNetV1 (conv_dw_N, conv_pw_N, conv_pad_N). */
const blockPatterns: { pattern: RegExp; name: (m: RegExpMatchArray) => string }[] = [
  { pattern: /^(block_\d+)_/, name: (m) => m[1] },
  { pattern: /^conv_(?:dw|pw|pad)_(\d+)(?:_|$)/, name: (m) => `conv_${m[1]}` },
  { pattern: /^(expanded_conv)_/, name: (m) => m[1] },
];

function isModel(layer: Layer): layer is tf.LayersModel {
  return layer instanceof tf.LayersModel;
}

/** Every leaf layer in execution order, nested models flattened, input layers left out. */
export function leafLayers(model: tf.LayersModel): Layer[] {
  const leaves: Layer[] = [];
  for (const layer of model.layers) {
    if (isModel(layer)) leaves.push(...leafLayers(layer));
    else if (layer.getClassName() !== "InputLayer") leaves.push(layer);
  }
  return leaves;
}

function blockName(layer: Layer): string | undefined {
  for (const { pattern, name } of blockPatterns) {
    const match = layer.name.match(pattern);
    if (match) return name(match);
  }
  return undefined;
}

/**
 * Layer groups in order: layers of one named block together; a BatchNorm, activation, padding
 * or dropout layer joins the group of the layer before it; any other layer starts its own group.
 */
export function layerGroups(model: tf.LayersModel): LayerGroup[] {
  const groups: LayerGroup[] = [];
  for (const layer of leafLayers(model)) {
    const previous = groups[groups.length - 1];
    const block = blockName(layer);
    if (block !== undefined) {
      if (previous && previous.name === block) previous.layers.push(layer);
      else groups.push({ name: block, layers: [layer] });
    } else if (previous && auxiliaryClasses.has(layer.getClassName())) {
      previous.layers.push(layer);
    } else {
      groups.push({ name: layer.name, layers: [layer] });
    }
  }
  return groups;
}

/** Indices (into leafLayers) of the layers a name refers to: a layer, a group, or a name prefix followed by "_". */
function resolveName(name: string, leaves: Layer[], groups: LayerGroup[], modelName: string): number[] {
  const exact = leaves.findIndex((layer) => layer.name === name);
  if (exact >= 0) return [exact];
  const group = groups.find((g) => g.name === name);
  if (group) return group.layers.map((layer) => leaves.indexOf(layer));
  const prefixed = leaves.flatMap((layer, index) => (layer.name.startsWith(`${name}_`) ? [index] : []));
  if (prefixed.length > 0) return prefixed;
  const suggestions = nearestNames(name, [...groups.map((g) => g.name), ...leaves.map((layer) => layer.name)]);
  const hint = suggestions.length ? `nearest names: ${suggestions.join(", ")}` : "tl.summary(model) lists its layers and blocks";
  throw new Error(`No layer or block named "${name}" in model "${modelName}"; ${hint}.`);
}

const inferenceModeWhenFrozen = Symbol("tsfine.batchNormInferenceWhenFrozen");

type CallFunction = Layer["call"];

/** See the module comment: a non-trainable BatchNorm normalises with its moving statistics. */
function ensureBatchNormFollowsTrainable(layer: Layer): void {
  if (layer.getClassName() !== "BatchNormalization") return;
  const marked = layer as Layer & { [inferenceModeWhenFrozen]?: boolean };
  if (marked[inferenceModeWhenFrozen]) return;
  const stockCall: CallFunction = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => stockCall(inputs, layer.trainable ? kwargs : { ...kwargs, training: false });
  marked[inferenceModeWhenFrozen] = true;
}

function weightCount(weights: tf.LayerVariable[]): number {
  return weights.reduce((total, weight) => total + weight.shape.reduce((p: number, q) => p * (q ?? 1), 1), 0);
}

/** Declared-trainable weights regardless of the current trainable flag (tfjs keeps them in _trainableWeights). */
function trainableKindWeights(layer: Layer): tf.LayerVariable[] {
  return (layer as unknown as { _trainableWeights: tf.LayerVariable[] })._trainableWeights;
}

function statisticWeights(layer: Layer): tf.LayerVariable[] {
  return (layer as unknown as { _nonTrainableWeights: tf.LayerVariable[] })._nonTrainableWeights;
}

function setTrainable(layers: Layer[], trainable: boolean): void {
  for (const layer of layers) {
    ensureBatchNormFollowsTrainable(layer);
    layer.trainable = trainable;
  }
}

/** A compiled model collects its trainable weights at compile(); keep that list current. */
function refreshCompiledWeights(model: tf.LayersModel): void {
  const compiled = model as unknown as { collectedTrainableWeights?: tf.LayerVariable[] };
  if (compiled.collectedTrainableWeights != null) compiled.collectedTrainableWeights = model.trainableWeights;
}

function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export function summarize(model: tf.LayersModel): FreezeSummary {
  const leaves = leafLayers(model);
  let trainableParams = 0;
  let frozenParams = 0;
  let statisticParams = 0;
  for (const layer of leaves) {
    const declared = weightCount(trainableKindWeights(layer));
    if (layer.trainable) trainableParams += declared;
    else frozenParams += declared;
    statisticParams += weightCount(statisticWeights(layer));
  }
  const groups = layerGroups(model).map((group) => ({
    name: group.name,
    frozen: group.layers.every((layer) => !layer.trainable),
    params: group.layers.reduce((total, layer) => total + weightCount(trainableKindWeights(layer)), 0),
  }));
  const data = {
    trainableParams,
    frozenParams,
    statisticParams,
    totalParams: trainableParams + frozenParams + statisticParams,
    frozenLayers: leaves.filter((layer) => !layer.trainable).map((layer) => layer.name),
    trainableLayers: leaves.filter((layer) => layer.trainable).map((layer) => layer.name),
    groups,
  };
  return { ...data, toMimeBundle: () => renderSummary(model.name, data) };
}

function groupRuns(groups: FreezeSummary["groups"]): string[] {
  // Collapses consecutive groups with the same state: "block_1 … block_13 (13 groups)".
  const runs: string[] = [];
  let start = 0;
  for (let i = 1; i <= groups.length; i++) {
    if (i === groups.length || groups[i].frozen !== groups[start].frozen) {
      const first = groups[start].name;
      const last = groups[i - 1].name;
      const label = i - start === 1 ? first : `${first} … ${last} (${i - start} groups)`;
      runs.push(`${groups[start].frozen ? "frozen   " : "trainable"} ${label}`);
      start = i;
    }
  }
  return runs;
}

function renderSummary(modelName: string, data: Omit<FreezeSummary, "toMimeBundle">): { "text/plain": string; "text/html": string } {
  const counts =
    `${modelName}: ${formatCount(data.trainableParams)} trainable, ${formatCount(data.frozenParams)} frozen, ` +
    `${formatCount(data.statisticParams)} BatchNorm statistics (${formatCount(data.totalParams)} total); ` +
    `${data.frozenLayers.length} of ${data.frozenLayers.length + data.trainableLayers.length} layers frozen`;
  const runs = groupRuns(data.groups);
  const plain = [counts, ...runs.map((run) => `  ${run}`)].join("\n");
  const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const rows = runs
    .map((run) => {
      const frozen = run.startsWith("frozen");
      const label = run.replace(/^(frozen|trainable)\s+/, "");
      return `<tr><td style="color:${frozen ? "#888" : "#2a7"}">${frozen ? "❄ frozen" : "● trainable"}</td><td>${escape(label)}</td></tr>`;
    })
    .join("");
  const html = `<div class="tsfine-freeze"><p>${escape(counts)}</p><table>${rows}</table></div>`;
  return { "text/plain": plain, "text/html": html };
}

/** Freezes the whole model, or the part selected by upTo / layers / match. */
export function freeze(model: tf.LayersModel, options: FreezeOptions = {}): FreezeSummary {
  const leaves = leafLayers(model);
  const groups = layerGroups(model);
  const selected = new Set<number>();
  const anySelector = options.upTo !== undefined || options.layers !== undefined || options.match !== undefined;
  if (!anySelector) leaves.forEach((_, index) => selected.add(index));
  if (options.upTo !== undefined) {
    let last: number;
    if (typeof options.upTo === "number") {
      if (!Number.isInteger(options.upTo) || options.upTo < 0 || options.upTo >= leaves.length) {
        throw new Error(`upTo: ${options.upTo} is not a layer index of "${model.name}" (it has ${leaves.length} layers, 0 to ${leaves.length - 1}).`);
      }
      last = options.upTo;
    } else {
      last = Math.max(...resolveName(options.upTo, leaves, groups, model.name));
    }
    for (let index = 0; index <= last; index++) selected.add(index);
  }
  for (const name of options.layers ?? []) {
    for (const index of resolveName(name, leaves, groups, model.name)) selected.add(index);
  }
  if (options.match) {
    const pattern = options.match;
    const matched = leaves.flatMap((layer, index) => (pattern.test(layer.name) ? [index] : []));
    if (matched.length === 0) {
      throw new Error(
        `No layer name in "${model.name}" matches ${pattern}; layer names look like: ${leaves
          .slice(0, 5)
          .map((l) => l.name)
          .join(", ")}.`,
      );
    }
    matched.forEach((index) => selected.add(index));
  }
  setTrainable(
    [...selected].map((index) => leaves[index]),
    false,
  );
  leaves.forEach(ensureBatchNormFollowsTrainable);
  refreshCompiledWeights(model);
  return summarize(model);
}

/** Unfreezes the whole model, the last n groups, or everything from a layer/group upward. */
export function unfreeze(model: tf.LayersModel, options: UnfreezeOptions = {}): FreezeSummary {
  const leaves = leafLayers(model);
  const groups = layerGroups(model);
  let first = 0;
  if (options.last !== undefined) {
    if (!Number.isInteger(options.last) || options.last < 0) throw new Error(`last must be a whole number of layer groups; got ${options.last}.`);
    const firstGroup = groups[Math.max(0, groups.length - options.last)];
    first = options.last === 0 ? leaves.length : leaves.indexOf(firstGroup.layers[0]);
  } else if (options.from !== undefined) {
    first = Math.min(...resolveName(options.from, leaves, groups, model.name));
  }
  setTrainable(leaves.slice(first), true);
  leaves.forEach(ensureBatchNormFollowsTrainable);
  refreshCompiledWeights(model);
  return summarize(model);
}

/** Freezes groups [0, k) and unfreezes the rest; a negative k counts from the top (-1: only the last group trains). */
export function freezeTo(model: tf.LayersModel, k: number): FreezeSummary {
  const groups = layerGroups(model);
  if (!Number.isInteger(k)) throw new Error(`freezeTo needs a whole number of layer groups; got ${k}.`);
  const boundary = k < 0 ? Math.max(0, groups.length + k) : Math.min(k, groups.length);
  groups.forEach((group, index) => setTrainable(group.layers, index >= boundary));
  refreshCompiledWeights(model);
  return summarize(model);
}
