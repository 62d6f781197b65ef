/**
 * Conv2DBackpropFilter for wasm: dW[i,j,ci,co] = Σ x[n, s·y+i−top, s·x+j−left, ci]·dy[n,y,x,co].
 * 1×1 unpadded stride-1 convs are one matMul; larger filters gather the taps (im2col) and do one
 * matMul. The larger operand is never transposed: of the two layouts (colsᵀ·dy or (dyᵀ·cols)ᵀ)
 * the one that transposes the smaller matrix is used, since wasm's transposeA is slow.
 */
import * as tf from "@tensorflow/tfjs";
import { asTensor4D, pair, requireNHWC } from "./kernelTensors";
import { stridedTaps, zeroPaddedWindow } from "./window";

interface Conv2DBackpropFilterAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat?: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number],
  pad: Conv2DBackpropFilterAttrs["pad"],
  dimRoundingMode?: Conv2DBackpropFilterAttrs["dimRoundingMode"],
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, "channelsLast");
  const [kh, kw, ci, co] = filterShape;
  const [n, height, width] = x.shape;
  const { outHeight, outWidth } = info;
  const rows = n * outHeight * outWidth;
  const dy2 = tf.reshape(dy, [rows, co]) as tf.Tensor2D;
  const plainPointwise =
    kh === 1 && kw === 1 && strides[0] === 1 && strides[1] === 1 && info.padInfo.top === 0 && info.padInfo.left === 0 &&
    outHeight === height && outWidth === width;
  let cols: tf.Tensor2D;
  if (plainPointwise) {
    cols = tf.reshape(x, [rows, ci]) as tf.Tensor2D;
  } else {
    const neededRows = strides[0] * (outHeight - 1) + kh;
    const neededCols = strides[1] * (outWidth - 1) + kw;
    const window = zeroPaddedWindow(x, -info.padInfo.top, -info.padInfo.left, neededRows, neededCols);
    const taps = stridedTaps(window, kh, kw, strides, [1, 1], outHeight, outWidth);
    const gathered = taps.length === 1 ? taps[0] : tf.concat(taps, 3);
    cols = tf.reshape(gathered, [rows, kh * kw * ci]) as tf.Tensor2D;
  }
  const tapsTimesIn = kh * kw * ci;
  const gradient =
    tapsTimesIn <= co
      ? tf.matMul(tf.transpose(cols), dy2)
      : tf.transpose(tf.matMul(tf.transpose(dy2), cols));
  return tf.reshape(gradient, filterShape) as tf.Tensor4D;
}

export const conv2dBackpropFilterKernel: tf.KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as Conv2DBackpropFilterAttrs;
    requireNHWC("Conv2DBackpropFilter", a.dataFormat);
    return tf.tidy(() =>
      conv2dFilterGradient(
        asTensor4D(inputs.x, backend),
        asTensor4D(inputs.dy, backend),
        a.filterShape,
        pair(a.strides),
        a.pad,
        a.dimRoundingMode,
      ),
    );
  },
};
