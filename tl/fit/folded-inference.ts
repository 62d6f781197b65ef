/**
 * The frozen part of a model for the activation pass, with each frozen BatchNormalization folded
 * into the convolution before it: BatchNorm in inference mode is a per-channel affine map,
 *   y = γ·(conv(x) + b − μ)/√(σ² + ε) + β = conv'(x) + b'   with   W' = W·s,  b' = (b − μ)·s + β,  s = γ/√(σ² + ε),
 * so the pair becomes one convolution with a bias (equal within float rounding), and a plain ReLU
 * right after joins it as the convolution's activation. On wasm the bias rides in XNNPACK's
 * convolution, so the BatchNorm pass disappears; on native TensorFlow it becomes a bias add.
 */
import * as tf from "@tensorflow/tfjs";
import { ancestors, modelSteps, type GraphStep } from "./model-graph";

type Layer = tf.layers.Layer;

interface ConvConfig {
  filters?: number;
  kernelSize: number | number[];
  strides: number | number[];
  padding: "valid" | "same";
  dataFormat?: "channelsFirst" | "channelsLast";
  dilationRate: number | number[];
  depthMultiplier?: number;
  activation?: string;
  useBias: boolean;
}

interface BatchNormInternals {
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
  epsilon: number;
  axis: number | number[];
}

/** A convolution whose BatchNorm can be folded in: channels last, no activation of its own. */
function foldableConv(layer: Layer): boolean {
  const name = layer.getClassName();
  if (name !== "Conv2D" && name !== "DepthwiseConv2D") return false;
  const config = layer.getConfig() as unknown as ConvConfig;
  return config.dataFormat !== "channelsFirst" && (config.activation ?? "linear") === "linear";
}

/** A BatchNormalization over the last axis (as channels-last convolutions need). */
function foldableBatchNorm(layer: Layer): boolean {
  if (layer.getClassName() !== "BatchNormalization") return false;
  const axis = (layer as unknown as BatchNormInternals).axis;
  const rank = layer.inboundNodes[0]?.inputTensors[0]?.shape.length ?? 4;
  return axis === -1 || axis === rank - 1;
}

/**
 * Whether a layer is a plain ReLU that the convolution can apply in its own fused kernel.
 * tfjs-layers fuses only relu (and linear, elu) into a convolution; a ReLU6 there would run as
 * Relu and a broadcast Minimum, slower than the ReLU6 layer itself (measured on wasm), so it
 * stays a layer of its own.
 */
function isPlainRelu(layer: Layer): boolean {
  const config = layer.getConfig() as { maxValue?: number | null; negativeSlope?: number; threshold?: number; activation?: string };
  if (layer.getClassName() === "ReLU") return config.maxValue == null && !config.negativeSlope && !config.threshold;
  return layer.getClassName() === "Activation" && config.activation === "relu";
}

/** Kernel and bias of `conv` with `bn` folded in. */
function foldedWeights(conv: Layer, bn: Layer): tf.Tensor[] {
  return tf.tidy(() => {
    const b = bn as unknown as BatchNormInternals;
    const [kernel, bias] = conv.getWeights();
    const channels = b.movingMean.shape[0] as number;
    const gamma = b.gamma ? b.gamma.read() : tf.ones([channels]);
    const beta = b.beta ? b.beta.read() : tf.zeros([channels]);
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(b.movingVariance.read(), b.epsilon)));
    // Depthwise kernels are [h, w, in, multiplier]: output channel i·multiplier + m.
    const kernelScale = conv.getClassName() === "DepthwiseConv2D" ? tf.reshape(scale, kernel.shape.slice(2)) : scale;
    const shift = tf.sub(bias ?? tf.zeros([channels]), b.movingMean.read());
    return [tf.mul(kernel, kernelScale), tf.add(tf.mul(shift, scale), beta)];
  });
}

type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];
type DepthwiseArgs = Parameters<typeof tf.layers.depthwiseConv2d>[0];

function foldedLayer(conv: Layer, activation: string): Layer {
  const c = conv.getConfig() as unknown as ConvConfig;
  const common = {
    kernelSize: c.kernelSize,
    strides: c.strides,
    padding: c.padding,
    dilationRate: c.dilationRate,
    useBias: true,
    trainable: false,
    activation,
  };
  return conv.getClassName() === "DepthwiseConv2D"
    ? tf.layers.depthwiseConv2d({ ...common, depthMultiplier: c.depthMultiplier ?? 1 } as DepthwiseArgs)
    : tf.layers.conv2d({ ...common, filters: c.filters } as ConvArgs);
}

export interface FoldedModel {
  model: tf.LayersModel;
  /** How many BatchNormalization layers were folded. */
  folded: number;
  /** Frees the folded convolutions' weights (the model's own layers are shared, not copied). */
  dispose(): void;
}

/**
 * A model from `model`'s inputs to `outputs` (tensors of its frozen part) computing the same
 * values in inference mode, with BatchNorms folded into their convolutions wherever the
 * convolution's output goes nowhere else (and is not itself asked for).
 */
export function foldedInference(model: tf.LayersModel, outputs: tf.SymbolicTensor[]): FoldedModel {
  const all = modelSteps(model);
  const steps = ancestors(all, ...outputs);
  const consumers = new Map<number, GraphStep[]>();
  for (const step of all) for (const t of step.inputs) consumers.set(t.id, [...(consumers.get(t.id) ?? []), step]);
  const wanted = new Set([...outputs, ...model.outputs].map((t) => t.id));
  const only = (t: tf.SymbolicTensor): GraphStep | undefined => {
    const users = consumers.get(t.id) ?? [];
    return users.length === 1 && !wanted.has(t.id) ? users[0] : undefined;
  };
  const mapped = new Map<number, tf.SymbolicTensor>(model.inputs.map((t) => [t.id, t]));
  const skipped = new Set<GraphStep>();
  const created: Layer[] = [];
  for (const step of steps) {
    if (skipped.has(step) || !step.inputs.every((t) => mapped.has(t.id))) continue;
    const bnStep = step.outputs.length === 1 && foldableConv(step.layer) ? only(step.outputs[0]) : undefined;
    if (bnStep && foldableBatchNorm(bnStep.layer)) {
      const reluStep = only(bnStep.outputs[0]);
      const activation = reluStep && isPlainRelu(reluStep.layer) ? "relu" : undefined;
      const layer = foldedLayer(step.layer, activation ?? "linear");
      const out = layer.apply(mapped.get(step.inputs[0].id)!) as tf.SymbolicTensor;
      const weights = foldedWeights(step.layer, bnStep.layer);
      layer.setWeights(weights);
      tf.dispose(weights);
      created.push(layer);
      skipped.add(bnStep);
      mapped.set(bnStep.outputs[0].id, out);
      if (activation) {
        skipped.add(reluStep!);
        mapped.set(reluStep!.outputs[0].id, out);
      }
      continue;
    }
    const inputs = step.inputs.map((t) => mapped.get(t.id)!);
    const out = step.layer.apply(inputs.length === 1 ? inputs[0] : inputs, step.callArgs);
    const outs = Array.isArray(out) ? out : [out];
    step.outputs.forEach((t, i) => mapped.set(t.id, outs[i] as tf.SymbolicTensor));
  }
  const missing = outputs.find((t) => !mapped.has(t.id));
  if (missing) throw new Error(`foldedInference: ${missing.name} is not computed from the inputs of ${model.name}.`);
  return {
    model: tf.model({ inputs: model.inputs, outputs: outputs.map((t) => mapped.get(t.id)!) }),
    folded: created.length,
    dispose: () => created.forEach((layer) => layer.dispose()),
  };
}
