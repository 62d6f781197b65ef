/**
 * Tile's stock gradient adds one slice of dy per repetition: tf.layers.layerNormalization tiles
 * its [batch, 1] statistics across the features, so after a flatten of 7×7×64 that is 3 136
 * Slice+Add pairs per statistic (~1.6 s of a training step on wasm, ~95% of it). Summing dy
 * reshaped to [before, reps, size, after] over the repetition axis, one tiled axis at a time,
 * gives the same values in one Reshape+Sum per tiled axis. Same values on every backend.
 */
import * as tf from "@tensorflow/tfjs";

export const tileReshapeSumGradient: tf.GradConfig = {
  kernelName: "Tile",
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const reps = (attrs as unknown as { reps: number[] }).reps;
    return {
      x: () => {
        let grad = dy as tf.Tensor;
        reps.forEach((rep, axis) => {
          if (rep === 1) return;
          const shape = grad.shape;
          const before = shape.slice(0, axis).reduce((n, s) => n * s, 1);
          const after = shape.slice(axis + 1).reduce((n, s) => n * s, 1);
          const summed = tf.sum(tf.reshape(grad, [before, rep, x.shape[axis], after]), 1);
          grad = tf.reshape(summed, [...shape.slice(0, axis), x.shape[axis], ...shape.slice(axis + 1)]);
        });
        return tf.reshape(grad, x.shape);
      },
    };
  },
};
