/**
 * BatchMatMul on wasm with transposeA runs ~10× slower than transposing A explicitly and then
 * multiplying (measured); every Dense/1×1 weight gradient asks for transposeA. This wraps the
 * stock kernel and transposes first.
 */
import * as tf from "@tensorflow/tfjs";
import { asTensor } from "./kernel-tensors";

interface BatchMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

export function transposeFirstMatMul(stock: tf.KernelConfig): tf.KernelConfig {
  // Keep the stock setupFunc: wasm kernels bind their WebAssembly function in it.
  return {
    ...stock,
    kernelFunc: (args) => {
      const attrs = args.attrs as unknown as BatchMatMulAttrs;
      if (!attrs.transposeA) return stock.kernelFunc(args);
      const a = asTensor(args.inputs.a, args.backend);
      const swapLastTwo = a.shape.map((_, axis) => axis);
      const last = swapLastTwo.length - 1;
      [swapLastTwo[last - 1], swapLastTwo[last]] = [swapLastTwo[last], swapLastTwo[last - 1]];
      const aTransposed = tf.transpose(a, swapLastTwo);
      try {
        return stock.kernelFunc({
          ...args,
          inputs: { ...args.inputs, a: aTransposed },
          attrs: { ...args.attrs, transposeA: false } as unknown as tf.NamedAttrMap,
        });
      } finally {
        aTransposed.dispose();
        if (a !== args.inputs.a) a.dispose();
      }
    },
  };
}
