/**
 * UnsortedSegmentSum for wasm. Stock wasm lacks it, and it is the gradient of gather, so without
 * it no embedding table (tf.layers.embedding, tl.text's EmbeddingBag) can be trained on wasm.
 * ScatterNd adds the updates of repeated indices, which is exactly a segment sum; ids outside
 * [0, numSegments) are dropped, as TensorFlow does, by sending them to one extra row cut off at
 * the end.
 */
import * as tf from "@tensorflow/tfjs";
import { asTensor } from "../kernels/kernel-tensors";

export function unsortedSegmentSumByScatter(x: tf.Tensor, segmentIds: tf.Tensor, numSegments: number): tf.Tensor {
  return tf.tidy(() => {
    const rows = segmentIds.size;
    const rest = x.shape.slice(segmentIds.rank);
    const values = tf.reshape(x, [rows, ...rest]);
    const ids = tf.cast(tf.reshape(segmentIds, [rows]), "int32");
    const inRange = tf.logicalAnd(tf.greaterEqual(ids, 0), tf.less(ids, numSegments));
    const target = tf.where(inRange, ids, tf.fill([rows], numSegments, "int32"));
    const summed = tf.scatterND(tf.reshape(target, [rows, 1]), values, [numSegments + 1, ...rest]);
    return tf.slice(summed, 0, numSegments);
  });
}

export const unsortedSegmentSumKernel: tf.KernelConfig = {
  kernelName: "UnsortedSegmentSum",
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { numSegments } = attrs as unknown as { numSegments: number };
    return tf.tidy(() => unsortedSegmentSumByScatter(asTensor(inputs.x, backend), asTensor(inputs.segmentIds, backend), numSegments));
  },
};

/** Registers the kernel on wasm unless wasm has one; true when ours is the one registered. */
export function registerSegmentSumKernel(): boolean {
  const existing = tf.getKernel("UnsortedSegmentSum", "wasm");
  if (existing) return existing.kernelFunc === unsortedSegmentSumKernel.kernelFunc;
  tf.registerKernel(unsortedSegmentSumKernel);
  return true;
}
