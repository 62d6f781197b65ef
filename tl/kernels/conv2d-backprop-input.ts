/**
 * Conv2DBackpropInput on wasm: the stock kernel is a plain loop (~0.6 s per pointwise layer at
 * batch 32). A 1×1 stride-1 conv's input gradient is one matMul with the (small) filter
 * transposed; any other conv's is the forward conv (XNNPACK) of the zero-spread, padded dy with
 * the filter flipped and its in/out channels swapped.
 */
import * as tf from "@tensorflow/tfjs";
import { asTensor4D, pair, requireNHWC } from "./kernel-tensors";
import { interleaveZeros, zeroPaddedWindow } from "./window";

interface Conv2DBackpropInputAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat?: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  inputShape: [number, number, number, number];
}

export function conv2dInputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  strides: [number, number],
  pad: Conv2DBackpropInputAttrs["pad"],
  dimRoundingMode?: Conv2DBackpropInputAttrs["dimRoundingMode"],
): tf.Tensor4D {
  const [kh, kw, ci, co] = filter.shape;
  const [n, height, width] = inputShape;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, false, "channelsLast");
  const pointwise =
    kh === 1 &&
    kw === 1 &&
    strides[0] === 1 &&
    strides[1] === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.outHeight === height &&
    info.outWidth === width;
  if (pointwise) {
    const rows = tf.reshape(dy, [n * height * width, co]) as tf.Tensor2D;
    const filterT = tf.transpose(tf.reshape(filter, [ci, co]) as tf.Tensor2D);
    return tf.reshape(tf.matMul(rows, filterT), inputShape) as tf.Tensor4D;
  }
  const spread = interleaveZeros(dy, strides);
  const padded = zeroPaddedWindow(spread, info.padInfo.top - (kh - 1), info.padInfo.left - (kw - 1), height + kh - 1, width + kw - 1);
  const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  return tf.conv2d(padded, flipped, 1, "valid");
}

export function conv2dBackpropInputKernel(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    ...stock,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const a = attrs as unknown as Conv2DBackpropInputAttrs;
      requireNHWC("Conv2DBackpropInput", a.dataFormat);
      return tf.tidy(() =>
        conv2dInputGradient(asTensor4D(inputs.dy, backend), asTensor4D(inputs.filter, backend), a.inputShape, pair(a.strides), a.pad, a.dimRoundingMode),
      );
    },
  };
}
