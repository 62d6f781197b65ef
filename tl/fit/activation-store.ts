/**
 * Frozen activations kept between fits. The usual recipe trains the head on a frozen backbone,
 * then unfreezes the top blocks and trains again: the second fit's freeze boundary lies inside
 * the part the first fit already ran. While computing its boundary's activations, a fit also
 * keeps a few small tensors below it (cuts of the graph that feed a layer with weights, nearest
 * the boundary first, within the budget below); a later fit on the
 * same model and examples whose boundary is one of them takes it instead of running the
 * backbone again. An entry serves only while every weight below it is the very tensor it was
 * computed with (tfjs gives a variable a new data id on every assign: training, setWeights,
 * loading), and the store holds the model and the examples weakly.
 */
import type * as tf from "@tensorflow/tfjs";
import type { Examples } from "../data/examples";
import { ancestors, modelSteps, type FreezeBoundary } from "./model-graph";

/** One tensor's activations over a set of examples, and the weights they were computed with. */
interface Stored {
  tensorId: number;
  weights: object[];
  activations: Examples;
}

const store = new WeakMap<tf.LayersModel, WeakMap<Examples, Stored[]>>();

/**
 * Per example, each tensor kept below the boundary holds at most 4× the boundary's values or a
 * quarter of an input example's, and all of them together 8× or half: a few block outputs of a
 * backbone's last stages, never its large early maps. Never more than 256 MB in all.
 */
const EACH = { boundaryTimes: 4, inputShare: 1 / 4 };
const ALL = { boundaryTimes: 8, inputShare: 1 / 2 };
const EXTRA_BYTES_LIMIT = 256 * 2 ** 20;

const perExample = (t: tf.SymbolicTensor) => (t.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);

/** The identity of every weight value under `tensor`: equal lists mean equal activations. */
function weightIdentities(model: tf.LayersModel, tensor: tf.SymbolicTensor): object[] {
  const layers = ancestors(modelSteps(model), tensor).map((s) => s.layer);
  return layers.flatMap((layer) => layer.weights.map((w) => (w.read() as unknown as { dataId: object }).dataId));
}

/**
 * Tensors of the fixed part worth keeping: each a cut (everything above it depends on the inputs
 * only through it) that feeds a layer with weights other than BatchNormalization, where a later
 * unfreeze would put the boundary; nearest the boundary first, within the budget.
 */
export function keptBelow(boundary: FreezeBoundary, examples: number): tf.SymbolicTensor[] {
  const steps = boundary.fixedSteps;
  const lastUse = new Map<number, number>();
  steps.forEach((step, i) => step.inputs.forEach((t) => lastUse.set(t.id, i)));
  const produced = new Set(steps.flatMap((step) => step.outputs.map((t) => t.id)));
  const live = new Map<number, tf.SymbolicTensor>();
  for (const step of steps) for (const t of step.inputs) if (!produced.has(t.id)) live.set(t.id, t);
  const cuts: tf.SymbolicTensor[] = [];
  steps.forEach((step, i) => {
    for (const t of step.inputs) if ((lastUse.get(t.id) ?? -1) <= i) live.delete(t.id);
    for (const t of step.outputs) if ((lastUse.get(t.id) ?? -1) > i) live.set(t.id, t);
    if (live.size === 1 && step.outputs.length === 1 && live.has(step.outputs[0].id)) cuts.push(step.outputs[0]);
  });
  const feedsWeights = new Set<number>();
  for (const step of steps) {
    if (step.layer.weights.length > 0 && step.layer.getClassName() !== "BatchNormalization") step.inputs.forEach((t) => feedsWeights.add(t.id));
  }
  const top = perExample(boundary.tensor);
  const inputSize = Math.max(0, ...steps.flatMap((step) => step.inputs.filter((t) => !produced.has(t.id)).map(perExample)));
  const each = Math.max(EACH.boundaryTimes * top, EACH.inputShare * inputSize);
  let budget = Math.min(Math.max(ALL.boundaryTimes * top, ALL.inputShare * inputSize), EXTRA_BYTES_LIMIT / 4 / Math.max(1, examples));
  const kept: tf.SymbolicTensor[] = [];
  for (const t of cuts.reverse()) {
    if (t.id === boundary.tensor.id || !feedsWeights.has(t.id) || perExample(t) > Math.min(each, budget)) continue;
    kept.push(t);
    budget -= perExample(t);
  }
  return kept;
}

/** Activations of `tensor` over `examples` computed earlier with the weights the model has now. */
export function storedActivations(model: tf.LayersModel, examples: Examples, tensor: tf.SymbolicTensor): Examples | undefined {
  const entries = store.get(model)?.get(examples);
  const entry = entries?.find((e) => e.tensorId === tensor.id);
  if (!entry) return undefined;
  const now = weightIdentities(model, tensor);
  if (now.length === entry.weights.length && now.every((id, i) => id === entry.weights[i])) return entry.activations;
  entries!.splice(entries!.indexOf(entry), 1);
  return undefined;
}

/** Keeps `activations` of `tensor` over `examples` for later fits, in place of any older entry. */
export function storeActivations(model: tf.LayersModel, examples: Examples, tensor: tf.SymbolicTensor, activations: Examples): void {
  const byExamples = store.get(model) ?? new WeakMap<Examples, Stored[]>();
  store.set(model, byExamples);
  const entries = (byExamples.get(examples) ?? []).filter((e) => e.tensorId !== tensor.id);
  entries.push({ tensorId: tensor.id, weights: weightIdentities(model, tensor), activations });
  byExamples.set(examples, entries);
}
