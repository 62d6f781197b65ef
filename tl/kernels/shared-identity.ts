/**
 * wasm's Identity copies its input, and the engine clones (Identity) every tensor it saves for
 * backprop: ~0.9 s per MobileNet-like step at batch 32. No wasm kernel writes into its inputs, so
 * the output can share the input's buffer, as the cpu backend's Identity does.
 */
import * as tf from "@tensorflow/tfjs";

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

export function sharedIdentity(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    ...stock,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === "string") return stock.kernelFunc(args);
      (args.backend as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}

/** Cast to the tensor's own dtype is an Identity too (tfjs-layers casts float32 to float32 often). */
export function sharedSameTypeCast(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    ...stock,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      const dtype = (args.attrs as unknown as { dtype: tf.DataType }).dtype;
      if (x.dtype !== dtype || x.dtype === "string") return stock.kernelFunc(args);
      (args.backend as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}
