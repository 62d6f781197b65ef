/**
 * Sum over all leading axes (bias and BatchNorm gradients: [N,H,W,C] → [C]) is slow on wasm,
 * whose Sum transposes the reduced axes to the end first. A full-window average pool over the
 * same elements, times the count, is ~19× faster (measured). Other reductions use the stock kernel.
 */
import * as tf from "@tensorflow/tfjs";
import { asTensor } from "./kernelTensors";

interface SumAttrs {
  axis: number | number[];
  keepDims: boolean;
}

function reducesAllLeadingAxes(rank: number, axis: number | number[]): boolean {
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
  return rank >= 2 && axes.length === rank - 1 && axes.every((a, index) => a === index);
}

/** The factor pair of n closest to a square, so the pooling window stays compact. */
function nearSquareFactors(n: number): [number, number] {
  for (let a = Math.floor(Math.sqrt(n)); a > 1; a--) if (n % a === 0) return [a, n / a];
  return [1, n];
}

const smallestWorthPooling = 4096;

export function poolingSum(stock: tf.KernelConfig): tf.KernelConfig {
  // Keep the stock setupFunc: wasm kernels bind their WebAssembly function in it.
  return {
    ...stock,
    kernelFunc: (args) => {
      const attrs = args.attrs as unknown as SumAttrs;
      const x = args.inputs.x as tf.TensorInfo;
      const rank = x.shape.length;
      if (x.dtype !== "float32" || !reducesAllLeadingAxes(rank, attrs.axis)) return stock.kernelFunc(args);
      const channels = x.shape[rank - 1];
      const count = x.shape.slice(0, rank - 1).reduce((p, q) => p * q, 1);
      if (count * channels < smallestWorthPooling || count < 16) return stock.kernelFunc(args);
      return tf.tidy(() => {
        const [rows, cols] = nearSquareFactors(count);
        const grid = tf.reshape(asTensor(x, args.backend), [1, rows, cols, channels]) as tf.Tensor4D;
        const mean = tf.avgPool(grid, [rows, cols], [rows, cols], "valid");
        const outShape = attrs.keepDims ? [...x.shape.slice(0, rank - 1).map(() => 1), channels] : [channels];
        return tf.reshape(tf.mul(mean, tf.scalar(count)), outShape);
      });
    },
  };
}
