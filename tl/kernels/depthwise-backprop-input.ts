/**
 * DepthwiseConv2dNativeBackpropInput for wasm: the "full" correlation of dy with the flipped
 * filter. Strided forward convs first spread dy out with zeros (so its row y sits at s·y), then
 * one depthwise convolution of the padded dy with the flipped filter gives dx; with a channel
 * multiplier M > 1 the M contributions per input channel are summed.
 */
import * as tf from "@tensorflow/tfjs";
import { asTensor4D, pair } from "./kernel-tensors";
import { interleaveZeros, zeroPaddedWindow } from "./window";

interface DepthwiseInputAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
  inputShape: [number, number, number, number];
}

export function depthwiseInputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  strides: [number, number],
  dilations: [number, number],
  pad: DepthwiseInputAttrs["pad"],
  dimRoundingMode?: DepthwiseInputAttrs["dimRoundingMode"],
): tf.Tensor4D {
  const [kh, kw, channels, multiplier] = filter.shape;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, dilations, pad, dimRoundingMode, true, "channelsLast");
  const [n, height, width] = inputShape;
  const spread = interleaveZeros(dy, strides);
  // dx[h] = Σ_i spread[h + top − d·i]·W[i]: a correlation with the flipped filter over spread
  // shifted by d·(kh−1) − top rows (negative means the window starts inside spread).
  const reachRows = dilations[0] * (kh - 1);
  const reachCols = dilations[1] * (kw - 1);
  const padded = zeroPaddedWindow(spread, info.padInfo.top - reachRows, info.padInfo.left - reachCols, height + reachRows, width + reachCols);
  const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [kh, kw, channels * multiplier, 1]) as tf.Tensor4D;
  const perOutputChannel = tf.depthwiseConv2d(padded, flipped, 1, "valid", "NHWC", dilations);
  if (multiplier === 1) return perOutputChannel;
  return tf.sum(tf.reshape(perOutputChannel, [n, height, width, channels, multiplier]), 4) as tf.Tensor4D;
}

export const depthwiseBackpropInputKernel: tf.KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropInput",
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as DepthwiseInputAttrs;
    return tf.tidy(() =>
      depthwiseInputGradient(
        asTensor4D(inputs.dy, backend),
        asTensor4D(inputs.filter, backend),
        a.inputShape,
        pair(a.strides),
        pair(a.dilations),
        a.pad,
        a.dimRoundingMode,
      ),
    );
  },
};
