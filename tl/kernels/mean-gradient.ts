/**
 * Mean's stock gradient is (dy reshaped) · ones(x.shape) / n: two full-size ops, and tf.ones
 * fills its array in JavaScript before copying it into wasm (~300 ms of every MobileNet-like
 * step, measured: BatchNorm's moments take means over N·H·W). Here the small dy is divided
 * first and multiplied by onesLike(x), which wasm fills itself (tf.broadcastTo's Tile kernel was
 * ~20× slower still). Same values on every backend.
 */
import * as tf from "@tensorflow/tfjs";

export const meanBroadcastGradient: tf.GradConfig = {
  kernelName: "Mean",
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const axes = tf.util.parseAxisParam((attrs as unknown as { axis: number | number[] }).axis, x.shape);
    const reduceSize = axes.reduce((n, axis) => n * x.shape[axis], 1);
    const expandedShape = x.shape.map((size, axis) => (axes.includes(axis) ? 1 : size));
    const scaled = tf.div(tf.reshape(dy as tf.Tensor, expandedShape), tf.scalar(reduceSize));
    return { x: () => tf.mul(scaled, tf.onesLike(x)) };
  },
};
