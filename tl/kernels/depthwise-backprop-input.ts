/**
 * DepthwiseConv2dNativeBackpropInput for wasm: the "full" correlation of dy with the flipped
 * filter. Strided forward convs first spread dy out with zeros (so its row y sits at s·y), then
 * one depthwise convolution of the padded dy with the flipped filter gives dx; with a channel
 * multiplier M > 1 the M contributions per input channel are summed.
 */
import * as tf from "@tensorflow/tfjs";
import { dilations, forwardConvInfo, spreadForInputGradient, type ConvBackpropAttrs, type ConvShape } from "./conv-geometry";
import { asTensor4D } from "./kernel-tensors";

/** info: the forward depthwise convolution (forwardConvInfo with depthwise = true). */
export function depthwiseInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const [kh, kw, channels, multiplier] = filter.shape;
  const padded = spreadForInputGradient(dy, info);
  const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [kh, kw, channels * multiplier, 1]) as tf.Tensor4D;
  const perOutputChannel = tf.depthwiseConv2d(padded, flipped, 1, "valid", "NHWC", dilations(info));
  if (multiplier === 1) return perOutputChannel;
  return tf.sum(tf.reshape(perOutputChannel, [...info.inShape, multiplier]), 4) as tf.Tensor4D;
}

export const depthwiseBackpropInputKernel: tf.KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropInput",
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as ConvBackpropAttrs & { inputShape: ConvShape };
    const info = forwardConvInfo(a, a.inputShape, inputs.filter!.shape as ConvShape, true);
    return tf.tidy(() => depthwiseInputGradient(asTensor4D(inputs.dy, backend), asTensor4D(inputs.filter, backend), info));
  },
};
