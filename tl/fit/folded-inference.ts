/**
 * The frozen part of a model for the activation pass, with each frozen BatchNormalization folded
 * into the convolution before it: BatchNorm in inference mode is a per-channel affine map,
 *   y = γ·(conv(x) + b − μ)/√(σ² + ε) + β = conv'(x) + b'   with   W' = W·s,  b' = (b − μ)·s + β,  s = γ/√(σ² + ε),
 * so the pair becomes one convolution with a bias (equal within float rounding), and a ReLU or
 * ReLU6 right after joins it as the convolution's activation. The folded convolution runs as
 * tf.fused.conv2d / tf.fused.depthwiseConv2d: on wasm the bias and the clamp ride in XNNPACK's
 * convolution; on native TensorFlow a convolution becomes one `_FusedConv2D`
 * (tl/kernels/native-fused-conv.ts), and a depthwise one a convolution, a bias add and a Relu6.
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

type FusedActivation = "linear" | "relu" | "relu6";

/** The fused activation a ReLU or ReLU6 layer amounts to, or undefined for anything else. */
function fusableActivation(layer: Layer): FusedActivation | undefined {
  const config = layer.getConfig() as { maxValue?: number | null; negativeSlope?: number; threshold?: number; activation?: string };
  if (layer.getClassName() === "ReLU" && !config.negativeSlope && !config.threshold) {
    if (config.maxValue == null) return "relu";
    if (config.maxValue === 6) return "relu6";
    return undefined;
  }
  if (layer.getClassName() === "Activation" && (config.activation === "relu" || config.activation === "relu6")) return config.activation;
  return undefined;
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

function pair(value: number | number[]): [number, number] {
  return typeof value === "number" ? [value, value] : [value[0], value.length > 1 ? value[1] : value[0]];
}

/**
 * A convolution with its BatchNorm (and activation) folded in, for inference only: it holds the
 * folded kernel and bias as plain tensors and runs them through tf.fused's kernels, which apply
 * the bias and a ReLU or ReLU6 inside the convolution (tfjs-layers' own Conv2D fuses only ReLU,
 * and its DepthwiseConv2D nothing).
 */
class FoldedConvolution extends tf.layers.Layer {
  static className = "TsfineFoldedConvolution";
  private readonly depthwise: boolean;
  private readonly config: ConvConfig;

  constructor(
    private readonly source: Layer,
    private readonly kernel: tf.Tensor4D,
    private readonly bias: tf.Tensor1D,
    private readonly activation: FusedActivation,
  ) {
    super({ name: `${source.name}_folded`, trainable: false });
    this.depthwise = source.getClassName() === "DepthwiseConv2D";
    this.config = source.getConfig() as unknown as ConvConfig;
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return this.source.computeOutputShape(inputShape);
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const common = {
      x,
      filter: this.kernel,
      bias: this.bias,
      strides: pair(this.config.strides),
      pad: this.config.padding,
      dilations: pair(this.config.dilationRate),
      activation: this.activation,
    };
    return this.depthwise ? tf.fused.depthwiseConv2d(common) : tf.fused.conv2d(common);
  }

  /** Frees the folded weights (the source layer's are untouched). */
  disposeFolded(): void {
    tf.dispose([this.kernel, this.bias]);
  }
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
  const created: FoldedConvolution[] = [];
  for (const step of steps) {
    if (skipped.has(step) || !step.inputs.every((t) => mapped.has(t.id))) continue;
    const bnStep = step.outputs.length === 1 && foldableConv(step.layer) ? only(step.outputs[0]) : undefined;
    if (bnStep && foldableBatchNorm(bnStep.layer)) {
      const reluStep = only(bnStep.outputs[0]);
      const activation = reluStep ? fusableActivation(reluStep.layer) : undefined;
      // Kept: the folded model outlives any tidy it is made in, until dispose().
      const [kernel, bias] = foldedWeights(step.layer, bnStep.layer).map((t) => tf.keep(t));
      const layer = new FoldedConvolution(step.layer, kernel as tf.Tensor4D, bias as tf.Tensor1D, activation ?? "linear");
      created.push(layer);
      const out = layer.apply(mapped.get(step.inputs[0].id)!) as tf.SymbolicTensor;
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
    dispose: () => created.forEach((layer) => layer.disposeFolded()),
  };
}
