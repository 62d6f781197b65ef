/**
 * Mean's stock gradient is (dy reshaped) · ones(x.shape) / n: two full-size ops. Dividing the
 * small dy first leaves one broadcast multiply. Same values on every backend.
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
    return { x: () => tf.mul(scaled, tf.ones(x.shape)) };
  },
};
