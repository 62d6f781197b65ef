/**
 * tfjs-layers' BatchNormalization in training, on the native backend, as TensorFlow's single
 * `FusedBatchNormV3` op (training mode) with `FusedBatchNormGradV3` as its gradient, where
 * tfjs-layers runs moments (Mean, SquaredDifference, Mean), the normalisation (several ops on
 * tfjs-node) and, backwards, the gradients of each. It is the pair of kernels Keras's graph
 * runs for the same layer.
 *
 * The layer's semantics stay tfjs-layers': the moving averages move by
 * moving − (moving − batch)·(1 − momentum) with the batch's biased variance. FusedBatchNormV3's
 * `batch_variance` output carries Bessel's correction (n/(n−1)); its `reserve_space_2` holds
 * the biased variance on the CPU, and that is the one used here (for the update and, with
 * `reserve_space_1`, the batch mean, as the gradient op expects).
 *
 * `is_training` takes a boolean attribute, which tfjs-node's binding passes; the layer hook is
 * installed with the fused-op kernels (tsfine's patched build) and applies only while the
 * "tensorflow" backend runs, to 4-D float32 input normalised over its last axis with both γ
 * and β. Anything else, and inference, keeps tfjs-layers' own call.
 */
import * as tf from "@tensorflow/tfjs";

interface Binding {
  TF_ATTR_TYPE: number;
  TF_ATTR_FLOAT: number;
  TF_ATTR_STRING: number;
  TF_ATTR_BOOL: number;
  TF_FLOAT: number;
}

interface NativeBackend {
  binding: Binding;
  executeMultipleOutputs(name: string, attrs: unknown[], inputs: tf.TensorInfo[], numOutputs: number): tf.Tensor[];
}

/** The parts of tfjs-layers' BatchNormalization the hook reads. */
interface BatchNormLayer {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma?: { read(): tf.Tensor } | null;
  beta?: { read(): tf.Tensor } | null;
  movingMean: { read(): tf.Tensor; write(value: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(value: tf.Tensor): void };
}

type LayerCall = (this: BatchNormLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

function attributes(binding: Binding, epsilon: number, withAverageFactor: boolean) {
  return [
    { name: "T", type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
    { name: "U", type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
    { name: "epsilon", type: binding.TF_ATTR_FLOAT, value: epsilon },
    ...(withAverageFactor ? [{ name: "exponential_avg_factor", type: binding.TF_ATTR_FLOAT, value: 1 }] : []),
    { name: "data_format", type: binding.TF_ATTR_STRING, value: "NHWC" },
    { name: "is_training", type: binding.TF_ATTR_BOOL, value: true },
  ];
}

function onlyTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | undefined {
  if (!Array.isArray(inputs)) return inputs;
  return inputs.length === 1 ? inputs[0] : undefined;
}

/** The layer's training-mode output and its batch statistics through the fused ops. */
function fusedTraining(layer: BatchNormLayer, native: NativeBackend, x: tf.Tensor4D): tf.Tensor {
  const binding = native.binding;
  let statistics: tf.Tensor[] = [];
  const normalise = tf.customGrad((input, gamma, beta, save) => {
    const empty = tf.tensor1d([]);
    const [y, , , mean, variance, reserve] = native.executeMultipleOutputs(
      "FusedBatchNormV3",
      attributes(binding, layer.epsilon, true),
      [input as tf.Tensor, gamma as tf.Tensor, beta as tf.Tensor, empty, empty],
      6,
    );
    (save as tf.GradSaveFunc)([input as tf.Tensor, gamma as tf.Tensor, mean, variance, reserve]);
    // The forward pass runs in a tidy that keeps only y: the statistics leave it for the update.
    statistics = [tf.keep(mean), tf.keep(variance)];
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [savedInput, savedGamma, savedMean, savedVariance, savedReserve] = saved;
        const [dx, dGamma, dBeta, ...spare] = native.executeMultipleOutputs(
          "FusedBatchNormGradV3",
          attributes(binding, layer.epsilon, false),
          [dy as tf.Tensor, savedInput, savedGamma, savedMean, savedVariance, savedReserve],
          5,
        );
        tf.dispose(spare);
        return [dx, dGamma, dBeta];
      },
    };
  });
  try {
    const normed = normalise(x, layer.gamma!.read(), layer.beta!.read());
    const [mean, variance] = statistics;
    const decay = 1 - layer.momentum;
    for (const [moving, batch] of [
      [layer.movingMean, mean],
      [layer.movingVariance, variance],
    ] as const) {
      tf.tidy(() => {
        const current = moving.read();
        moving.write(tf.sub(current, tf.mul(tf.sub(current, batch), decay)));
      });
    }
    return normed;
  } finally {
    tf.dispose(statistics);
  }
}

function fusedTrainingCall(original: LayerCall): LayerCall {
  return function (this: BatchNormLayer, inputs, kwargs) {
    const x = onlyTensor(inputs);
    const usable =
      kwargs?.training === true &&
      tf.getBackend() === "tensorflow" &&
      x !== undefined &&
      x.rank === 4 &&
      x.dtype === "float32" &&
      (this.axis === -1 || this.axis === 3) &&
      this.gamma != null &&
      this.beta != null;
    if (!usable) return original.call(this, inputs, kwargs);
    return tf.tidy(() => fusedTraining(this, tf.backend() as unknown as NativeBackend, x as tf.Tensor4D));
  };
}

let installed = false;

/** Puts the fused training path on tfjs-layers' BatchNormalization; idempotent. */
export function installFusedBatchNormTraining(): void {
  if (installed) return;
  const prototype = Object.getPrototypeOf(tf.layers.batchNormalization({})) as { call: LayerCall };
  prototype.call = fusedTrainingCall(prototype.call);
  installed = true;
}
