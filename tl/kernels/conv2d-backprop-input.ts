/**
 * Conv2DBackpropInput on wasm: the stock kernel is a plain loop (~0.6 s per pointwise layer at
 * batch 32). A 1×1 stride-1 conv's input gradient is one matMul with the (small) filter
 * transposed; any other conv's is the forward conv (XNNPACK) of the zero-spread, padded dy with
 * the filter flipped and its in/out channels swapped.
 */
import * as tf from "@tensorflow/tfjs";
import { forwardConvInfo, isPlainPointwise, spreadForInputGradient, type ConvBackpropAttrs, type ConvShape } from "./conv-geometry";
import { asTensor4D, requireNHWC } from "./kernel-tensors";

/** info: the forward convolution (forwardConvInfo with depthwise = false). */
export function conv2dInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const [, , ci, co] = filter.shape;
  if (isPlainPointwise(info)) {
    const rows = tf.reshape(dy, [info.batchSize * info.inHeight * info.inWidth, co]) as tf.Tensor2D;
    const filterT = tf.transpose(tf.reshape(filter, [ci, co]) as tf.Tensor2D);
    return tf.reshape(tf.matMul(rows, filterT), info.inShape) as tf.Tensor4D;
  }
  const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  return tf.conv2d(spreadForInputGradient(dy, info), flipped, 1, "valid");
}

export function conv2dBackpropInputKernel(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    ...stock,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const a = attrs as unknown as ConvBackpropAttrs & { dataFormat?: string; inputShape: ConvShape };
      requireNHWC("Conv2DBackpropInput", a.dataFormat);
      const info = forwardConvInfo(a, a.inputShape, inputs.filter!.shape as ConvShape, false);
      return tf.tidy(() => conv2dInputGradient(asTensor4D(inputs.dy, backend), asTensor4D(inputs.filter, backend), info));
    },
  };
}
