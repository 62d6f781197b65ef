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
import { forwardConvInfo, forwardReadWindow, isPlainPointwise, strides, type ConvBackpropAttrs, type ConvShape } from "./conv-geometry";
import { asTensor4D, requireNHWC } from "./kernel-tensors";
import { pointwiseFilterGradientSimd, simdPointwiseGradientApplies } from "./pointwise-filter-simd";

/** info: the forward convolution (forwardConvInfo with depthwise = false). */
export function conv2dFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  if (!isPlainPointwise(info)) return conv2dFilterGradientAsConv(x, dy, info);
  const [, , ci, co] = info.filterShape;
  const rows = x.size / ci;
  const cols = tf.reshape(x, [rows, ci]) as tf.Tensor2D;
  const dy2 = tf.reshape(dy, [rows, co]) as tf.Tensor2D;
  const gradient = co <= ci ? tf.matMul(tf.transpose(cols), dy2) : tf.transpose(tf.matMul(tf.transpose(dy2), cols));
  return tf.reshape(gradient, info.filterShape) as tf.Tensor4D;
}

/**
 * The same gradient as one dilated convolution: x with batch moved into channels
 * ([Cin, H, W, N]) convolved with dy as the filter ([outH, outW, N, Cout]), dilation = stride.
 */
export function conv2dFilterGradientAsConv(x: tf.Tensor4D, dy: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const channelsAsBatch = tf.transpose(forwardReadWindow(x, info), [3, 1, 2, 0]);
  const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]);
  const perInputChannel = tf.conv2d(channelsAsBatch, dyAsFilter, 1, "valid", "NHWC", strides(info));
  return tf.transpose(perInputChannel, [1, 2, 0, 3]);
}

export const conv2dBackpropFilterKernel: tf.KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as ConvBackpropAttrs & { dataFormat?: string; filterShape: ConvShape };
    requireNHWC("Conv2DBackpropFilter", a.dataFormat);
    const info = forwardConvInfo(a, inputs.x!.shape as ConvShape, a.filterShape, false);
    const [, , ci, co] = a.filterShape;
    if (isPlainPointwise(info) && simdPointwiseGradientApplies(ci, co, backend)) {
      try {
        return pointwiseFilterGradientSimd(inputs.x!, inputs.dy!, backend, ci, co);
      } catch {
        // e.g. the module's memory cannot grow that far: the matMul below still works.
      }
    }
    return tf.tidy(() => conv2dFilterGradient(asTensor4D(inputs.x, backend), asTensor4D(inputs.dy, backend), info));
  },
};
