import * as tf from "@tensorflow/tfjs";

type Layer = tf.layers.Layer;

/** One application of a layer inside a particular model. */
export interface GraphStep {
  layer: Layer;
  inputs: tf.SymbolicTensor[];
  outputs: tf.SymbolicTensor[];
  callArgs: Record<string, unknown>;
}

/**
 * The steps of `model`'s graph in execution order. A layer shared by several models has one
 * inbound node per model; the node whose inputs are already known in this model is its own.
 */
export function modelSteps(model: tf.LayersModel): GraphStep[] {
  const known = new Set(model.inputs.map((t) => t.id));
  const steps: GraphStep[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === "InputLayer") continue;
    const node = layer.inboundNodes.find((n) => n.inputTensors.length > 0 && n.inputTensors.every((t) => known.has(t.id)));
    if (!node) throw new Error(`Layer ${layer.name} is not connected to the inputs of ${model.name}.`);
    node.outputTensors.forEach((t) => known.add(t.id));
    steps.push({ layer, inputs: node.inputTensors, outputs: node.outputTensors, callArgs: { ...(node.callArgs ?? {}) } });
  }
  return steps;
}

/** The steps that `tensors` depend on, in the order of `steps`. */
export function ancestors(steps: GraphStep[], ...tensors: tf.SymbolicTensor[]): GraphStep[] {
  const producer = new Map<number, GraphStep>();
  for (const step of steps) for (const t of step.outputs) producer.set(t.id, step);
  const seen = new Set<GraphStep>();
  const pending = [...tensors];
  while (pending.length) {
    const step = producer.get(pending.pop()!.id);
    if (!step || seen.has(step)) continue;
    seen.add(step);
    pending.push(...step.inputs);
  }
  return steps.filter((s) => seen.has(s));
}

/** Layers that behave differently in training (random masks) cannot be computed once. */
const randomInTraining = new Set(["Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout"]);

/**
 * Whether a layer's output is a fixed function of its input during training: no trainable
 * weights, no randomness, and (for BatchNormalization) frozen, which tl.freeze runs in
 * inference mode.
 */
export function isFixedLayer(layer: Layer): boolean {
  if (randomInTraining.has(layer.getClassName())) return false;
  if (layer.getClassName() === "BatchNormalization") return !layer.trainable;
  return layer.trainableWeights.length === 0;
}

export interface FreezeBoundary {
  /** The single tensor between the fixed lower part and the trainable upper part. */
  tensor: tf.SymbolicTensor;
  /** Name of the layer that produces it. */
  layerName: string;
  fixedSteps: GraphStep[];
  trainableSteps: GraphStep[];
}

/**
 * The freeze boundary when the graph splits cleanly there: every path from the fixed lower
 * part to the rest passes through one tensor. Undefined when nothing is fixed, everything is
 * fixed, or the fixed part feeds the rest through several tensors (e.g. a skip connection).
 */
export function freezeBoundary(model: tf.LayersModel): FreezeBoundary | undefined {
  if (model.inputs.length !== 1) return undefined;
  const steps = modelSteps(model);
  const fixedTensors = new Set(model.inputs.map((t) => t.id));
  const fixedSteps: GraphStep[] = [];
  const trainableSteps: GraphStep[] = [];
  for (const step of steps) {
    if (isFixedLayer(step.layer) && step.inputs.every((t) => fixedTensors.has(t.id))) {
      step.outputs.forEach((t) => fixedTensors.add(t.id));
      fixedSteps.push(step);
    } else trainableSteps.push(step);
  }
  if (fixedSteps.length === 0 || trainableSteps.length === 0) return undefined;
  const frontier = new Map<number, tf.SymbolicTensor>();
  for (const step of trainableSteps) for (const t of step.inputs) if (fixedTensors.has(t.id)) frontier.set(t.id, t);
  for (const t of model.outputs) if (fixedTensors.has(t.id)) frontier.set(t.id, t);
  if (frontier.size !== 1) return undefined;
  const tensor = [...frontier.values()][0];
  if (model.inputs.some((t) => t.id === tensor.id)) return undefined;
  return { tensor, layerName: tensor.sourceLayer.name, fixedSteps, trainableSteps };
}

/** A model from the boundary tensor to the outputs, sharing (not copying) the upper layers. */
export function upperModel(model: tf.LayersModel, boundary: FreezeBoundary): tf.LayersModel {
  const input = tf.input({ shape: boundary.tensor.shape.slice(1) as number[], name: `${boundary.layerName}_cached` });
  const mapped = new Map<number, tf.SymbolicTensor>([[boundary.tensor.id, input]]);
  for (const step of boundary.trainableSteps) {
    const inputs = step.inputs.map((t) => mapped.get(t.id)!);
    const out = step.layer.apply(inputs.length === 1 ? inputs[0] : inputs, step.callArgs);
    const outs = Array.isArray(out) ? out : [out];
    step.outputs.forEach((t, i) => mapped.set(t.id, outs[i] as tf.SymbolicTensor));
  }
  return tf.model({ inputs: input, outputs: model.outputs.map((t) => mapped.get(t.id)!) });
}

/** A model from the inputs to the boundary tensor (the fixed lower part). */
export function lowerModel(model: tf.LayersModel, boundary: FreezeBoundary): tf.LayersModel {
  return tf.model({ inputs: model.inputs, outputs: boundary.tensor });
}
