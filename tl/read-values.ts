/**
 * Reading tensor values back into JavaScript. wasm, cpu and tfjs-node read synchronously; the
 * WebGPU backend in Node cannot (its dataSync needs OffscreenCanvas, which Node lacks), so there
 * reads are awaited. Callers stay synchronous on the other backends: `values` returns plain arrays
 * there and a Promise only on WebGPU, so no extra await changes their timing.
 */
import * as tf from "@tensorflow/tfjs";

type Values = Float32Array | Int32Array | Uint8Array;

export function readsSynchronously(): boolean {
  return tf.getBackend() !== "webgpu";
}

export function values(tensors: tf.Tensor[]): Values[] | Promise<Values[]> {
  if (readsSynchronously()) return tensors.map((t) => t.dataSync() as Values);
  return Promise.all(tensors.map((t) => t.data() as Promise<Values>));
}

/** The same as `values`, always awaited (for code that is async anyway). */
export async function valuesAsync(tensors: tf.Tensor[]): Promise<Values[]> {
  return values(tensors);
}

/**
 * For the few helpers whose API is synchronous: the tensor's values, or on WebGPU one sentence
 * saying what to do instead of tfjs's "OffscreenCanvas is not defined".
 */
export function valuesNow(t: tf.Tensor, what: string): Values {
  try {
    return t.dataSync() as Values;
  } catch (error) {
    if (readsSynchronously()) throw error;
    throw new Error(
      `${what} reads tensor values synchronously, which the WebGPU backend cannot do in Node; run it on another backend (%backend wasm), or pass tensors made from arrays.`,
      { cause: error },
    );
  }
}
