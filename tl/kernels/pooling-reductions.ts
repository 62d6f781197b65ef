/**
 * Sum and Mean over all leading axes as an average pool (see leading-axes.ts); every other
 * reduction goes to the stock wasm kernel.
 */
import * as tf from "@tensorflow/tfjs";
import { asTensor } from "./kernel-tensors";
import { isAllLeadingAxes, meanOverLeadingAxes, sumOverLeadingAxes, worthPooling } from "./leading-axes";

interface ReductionAttrs {
  axis: number | number[];
  keepDims: boolean;
}

function poolingReduction(kernelName: "Sum" | "Mean", reduce: (x: tf.Tensor) => tf.Tensor1D) {
  return (stock: tf.KernelConfig): tf.KernelConfig => ({
    // Keep the stock setupFunc: wasm kernels bind their WebAssembly function in it.
    ...stock,
    kernelName,
    kernelFunc: (args) => {
      const attrs = args.attrs as unknown as ReductionAttrs;
      const x = args.inputs.x as tf.TensorInfo;
      const rank = x.shape.length;
      if (x.dtype !== "float32" || !isAllLeadingAxes(rank, attrs.axis) || !worthPooling(x.shape)) return stock.kernelFunc(args);
      return tf.tidy(() => {
        const reduced = reduce(asTensor(x, args.backend));
        return attrs.keepDims ? tf.reshape(reduced, [...x.shape.slice(0, rank - 1).map(() => 1), x.shape[rank - 1]]) : reduced;
      });
    },
  });
}

export const poolingSum = poolingReduction("Sum", sumOverLeadingAxes);
export const poolingMean = poolingReduction("Mean", meanOverLeadingAxes);
