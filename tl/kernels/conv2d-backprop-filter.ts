/**
 * Conv2DBackpropFilter for wasm: dW[i,j,ci,co] = Σ x[n, s·y+i−top, s·x+j−left, ci]·dy[n,y,x,co].
 * 1×1 unpadded stride-1 convs run tsfine's SIMD loop (pointwise-filter-simd.ts) when the channel
 * counts suit it (in: a multiple of 4, out: of 8). Otherwise they are one matMul with the
 * transpose done first (wasm's transposeA is slow), oriented so that the narrower of x and dy is
 * the right-hand operand: XNNPACK repacks that operand on every call, and at K = N·H·W rows that
 * costs more than transposing the wider one (measured: [32,73728]·[73728,64] 111 ms, the swapped
 * form 52 ms). Other filters use one dilated convolution (conv2dFilterGradientAsConv), measured
 * 3–4× faster on wasm than gathering the taps (im2col) and multiplying.
 */
import * as tf from "@tensorflow/tfjs";
import { asTensor4D, pair, requireNHWC } from "./kernel-tensors";
import { pointwiseFilterGradientSimd, simdPointwiseGradientApplies } from "./pointwise-filter-simd";
import { zeroPaddedWindow } from "./window";

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
  const [, , ci, co] = filterShape;
  if (!isPlainPointwise(x.shape, filterShape, strides, pad, dimRoundingMode))
    return conv2dFilterGradientAsConv(x, dy, filterShape, strides, pad, dimRoundingMode);
  const rows = x.size / ci;
  const cols = tf.reshape(x, [rows, ci]) as tf.Tensor2D;
  const dy2 = tf.reshape(dy, [rows, co]) as tf.Tensor2D;
  const gradient = co <= ci ? tf.matMul(tf.transpose(cols), dy2) : tf.transpose(tf.matMul(tf.transpose(dy2), cols));
  return tf.reshape(gradient, filterShape) as tf.Tensor4D;
}

/** A 1×1 filter, stride 1, no padding: every pixel of x meets one pixel of dy. */
function isPlainPointwise(
  xShape: number[],
  filterShape: [number, number, number, number],
  strides: [number, number],
  pad: Conv2DBackpropFilterAttrs["pad"],
  dimRoundingMode?: Conv2DBackpropFilterAttrs["dimRoundingMode"],
): boolean {
  const [kh, kw] = filterShape;
  if (kh !== 1 || kw !== 1 || strides[0] !== 1 || strides[1] !== 1) return false;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    "channelsLast",
  );
  return info.padInfo.top === 0 && info.padInfo.left === 0 && info.outHeight === xShape[1] && info.outWidth === xShape[2];
}

/**
 * The same gradient as one dilated convolution: x with batch moved into channels
 * ([Cin, H, W, N]) convolved with dy as the filter ([outH, outW, N, Cout]), dilation = stride.
 */
export function conv2dFilterGradientAsConv(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number],
  pad: Conv2DBackpropFilterAttrs["pad"],
  dimRoundingMode?: Conv2DBackpropFilterAttrs["dimRoundingMode"],
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, "channelsLast");
  const [kh, kw] = filterShape;
  const neededRows = strides[0] * (info.outHeight - 1) + kh;
  const neededCols = strides[1] * (info.outWidth - 1) + kw;
  const window = zeroPaddedWindow(x, -info.padInfo.top, -info.padInfo.left, neededRows, neededCols);
  const channelsAsBatch = tf.transpose(window, [3, 1, 2, 0]);
  const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]);
  const perInputChannel = tf.conv2d(channelsAsBatch, dyAsFilter, 1, "valid", "NHWC", strides);
  return tf.transpose(perInputChannel, [1, 2, 0, 3]);
}

export const conv2dBackpropFilterKernel: tf.KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as Conv2DBackpropFilterAttrs;
    requireNHWC("Conv2DBackpropFilter", a.dataFormat);
    const [, , ci, co] = a.filterShape;
    if (isPlainPointwise(inputs.x!.shape, a.filterShape, pair(a.strides), a.pad, a.dimRoundingMode) && simdPointwiseGradientApplies(ci, co, backend)) {
      try {
        return pointwiseFilterGradientSimd(inputs.x!, inputs.dy!, backend, ci, co);
      } catch {
        // e.g. the module's memory cannot grow that far: the matMul below still works.
      }
    }
    return tf.tidy(() =>
      conv2dFilterGradient(asTensor4D(inputs.x, backend), asTensor4D(inputs.dy, backend), a.filterShape, pair(a.strides), a.pad, a.dimRoundingMode),
    );
  },
};
