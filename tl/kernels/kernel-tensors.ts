/**
 * Kernels in this folder are compositions of other wasm kernels written with tf ops. Inside a
 * kernelFunc the engine has stopped recording gradients (kernelDepth > 0), so ops used here
 * add nothing to the tape; tf.tidy frees every intermediate, and the returned Tensor becomes the
 * kernel's output as is (the engine passes through outputs that are already Tensors).
 */
import * as tf from "@tensorflow/tfjs";

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

/** Inputs arrive as Tensors from ops, but runKernel may pass bare TensorInfos; wrap those. */
export function asTensor(info: tf.TensorInfo | undefined, backend: unknown): tf.Tensor {
  if (info === undefined) throw new Error("a kernel input is missing");
  if (info instanceof tf.Tensor) return info;
  // The wrapper is disposed by the surrounding tidy; the extra reference keeps the input alive.
  (backend as RefCountingBackend).incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info);
}

export function asTensor4D(info: tf.TensorInfo | undefined, backend: unknown): tf.Tensor4D {
  const tensor = asTensor(info, backend);
  if (tensor.rank !== 4) throw new Error(`expected a rank-4 NHWC tensor, got shape [${tensor.shape.join(", ")}]`);
  return tensor as tf.Tensor4D;
}

export function pair(value: number | [number, number] | number[] | undefined, fallback = 1): [number, number] {
  if (value === undefined || value === null) return [fallback, fallback];
  if (typeof value === "number") return [value, value];
  return [value[0], value.length > 1 ? value[1] : value[0]];
}

export function requireNHWC(kernelName: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== null && dataFormat !== "NHWC") {
    throw new Error(`${kernelName} on wasm supports NHWC only; got ${String(dataFormat)}.`);
  }
}
