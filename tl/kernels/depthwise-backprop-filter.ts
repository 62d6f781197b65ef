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
import { dilations, forwardConvInfo, forwardReadWindow, strides, type ConvBackpropAttrs, type ConvShape } from "./conv-geometry";
import { depthwiseFilterGradientSimd, simdFilterGradientApplies } from "./depthwise-filter-simd";
import { asTensor4D } from "./kernel-tensors";

/** info: the forward depthwise convolution (forwardConvInfo with depthwise = true). */
export function depthwiseFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const [kh, kw, channels, multiplier] = info.filterShape;
  const n = x.shape[0];
  const window = forwardReadWindow(x, info);
  const [rows, cols] = window.shape.slice(1, 3);
  const batchAsChannels = tf.reshape(tf.transpose(window, [1, 2, 0, 3]), [1, rows, cols, n * channels]) as tf.Tensor4D;
  const dyAsFilter = tf.reshape(tf.transpose(dy, [1, 2, 0, 3]), [info.outHeight, info.outWidth, n * channels, multiplier]) as tf.Tensor4D;
  // Output [1, kh, kw, N·C·M]: one value per tap, batch item and channel.
  const perItem = tf.depthwiseConv2d(batchAsChannels, dyAsFilter, dilations(info), "valid", "NHWC", strides(info));
  const summed = tf.sum(tf.reshape(perItem, [kh * kw, n, channels * multiplier]), 1);
  return tf.reshape(summed, info.filterShape) as tf.Tensor4D;
}

export const depthwiseBackpropFilterKernel: tf.KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropFilter",
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as ConvBackpropAttrs & { filterShape: ConvShape };
    const info = forwardConvInfo(a, inputs.x!.shape as ConvShape, a.filterShape, true);
    if (simdFilterGradientApplies(a.filterShape, backend)) {
      try {
        return depthwiseFilterGradientSimd(inputs.x!, inputs.dy!, backend, info);
      } catch {
        // e.g. the module's memory cannot grow that far: the convolution form below still works.
      }
    }
    return tf.tidy(() => depthwiseFilterGradient(asTensor4D(inputs.x, backend), asTensor4D(inputs.dy, backend), info));
  },
};
