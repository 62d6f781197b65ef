/**
 * tfjs-layers' ReLU layer with maxValue 6 (ReLU6, after every convolution of a MobileNet) on the
 * native backend as TensorFlow's Relu6 forward and three ops backward, where tfjs-layers runs a
 * Relu then a clip forward and, backwards, the clip's mask (GreaterEqual, LessEqual, LogicalAnd,
 * ZerosLike, Select) and the Relu's (Step: Greater, Cast, IsNan, Select; then Cast and Mul):
 * 13 full passes over the activation become 4. Profiled on the MobileNet-like step (15 ReLU6
 * layers, TensorFlow 2.21), those ops took ~145 of ~650 CPU ms.
 *
 * TensorFlow's own gradient, Relu6Grad, is one op but differs from tfjs at the edges: it passes
 * the gradient where 0 < x < 6 and gives 0 for NaN, where tfjs passes it where 0 < x ≤ 6 and gives
 * NaN for NaN. tfjs's mask comes out of y/x with y = relu6(x), made 0 where x = 0 (DivNoNan) and
 * floored: 1 exactly for 0 < x ≤ 6 (y = x), 6/x < 1 → 0 above, ±0 at and below 0 (y = 0), NaN
 * for NaN; the gradient is dy times that mask. Values match the cpu backend's, edges included
 * (test/tl-backend.test.ts). Like all TensorFlow CPU kernels it treats subnormal x as 0.
 *
 * Installed with the native kernels; it applies only while the "tensorflow" backend runs, to a
 * float32 input. Other maxValues, and a plain ReLU, keep tfjs-layers' call.
 */
import * as tf from "@tensorflow/tfjs";

interface NativeBackend {
  binding: { TF_ATTR_TYPE: number; TF_FLOAT: number };
  executeSingleInput(name: string, x: tf.TensorInfo): tf.Tensor;
  executeSingleOutput(name: string, attrs: unknown[], inputs: tf.TensorInfo[]): tf.Tensor;
}

/** The parts of tfjs-layers' ReLU layer the hook reads. */
interface ReluLayer {
  maxValue?: number | null;
}

type LayerCall = (this: ReluLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

function onlyTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | undefined {
  if (!Array.isArray(inputs)) return inputs;
  return inputs.length === 1 ? inputs[0] : undefined;
}

/** relu6(x) as one TensorFlow op, with tfjs's gradient in three. */
function relu6(native: NativeBackend, x: tf.Tensor): tf.Tensor {
  const float = [{ name: "T", type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT }];
  const withGradient = tf.customGrad((input, save) => {
    const y = native.executeSingleInput("Relu6", input as tf.Tensor);
    (save as tf.GradSaveFunc)([input as tf.Tensor, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], [savedX, savedY]: tf.Tensor[]) => {
        const ratio = native.executeSingleOutput("DivNoNan", float, [savedY, savedX]);
        const mask = native.executeSingleInput("Floor", ratio);
        try {
          return native.executeSingleOutput("Mul", float, [dy as tf.Tensor, mask]);
        } finally {
          tf.dispose([ratio, mask]);
        }
      },
    };
  });
  return withGradient(x);
}

function nativeRelu6Call(original: LayerCall): LayerCall {
  return function (this: ReluLayer, inputs, kwargs) {
    const x = onlyTensor(inputs);
    if (this.maxValue !== 6 || tf.getBackend() !== "tensorflow" || x === undefined || x.dtype !== "float32") return original.call(this, inputs, kwargs);
    return relu6(tf.backend() as unknown as NativeBackend, x);
  };
}

let installed = false;

/** Puts the native ReLU6 on tfjs-layers' ReLU layer; idempotent. */
export function installNativeRelu6(): void {
  if (installed) return;
  const prototype = Object.getPrototypeOf(tf.layers.reLU({})) as { call: LayerCall };
  prototype.call = nativeRelu6Call(prototype.call);
  installed = true;
}
