/**
 * FusedBatchNorm's stock gradient tiles 1/√(var+ε) to the full activation shape (Tile on wasm:
 * ~0.5 s per BatchNorm at batch 32) and builds each parameter gradient from full-size products.
 * With per-channel statistics every factor is per-channel, so it moves out of the sums:
 *   dx = dy·γ·r,  dβ = Σdy,  dγ = r·Σ(dy·(x−μ)),  dμ = −γ·r·Σdy,  dσ² = −½·γ·r³·Σ(dy·(x−μ))
 * with r = 1/√(σ²+ε). The two per-channel sums are computed once, up front: the engine runs each
 * input's gradient in its own tidy, so a lazily cached sum would be disposed after first use;
 * computed here (inside a tidy that keeps only the [C]-sized results) they live until the end
 * of the backward pass, which costs 2·C floats.
 * Other shapes (statistics not rank 1) keep the stock gradient.
 */
import * as tf from "@tensorflow/tfjs";
import { sumOverLeadingAxes } from "./leading-axes";

export function channelwiseBatchNormGradient(stock: tf.GradConfig): tf.GradConfig {
  return {
    kernelName: "FusedBatchNorm",
    inputsToSave: ["x", "mean", "variance", "scale"],
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved;
      const channelwise = mean.rank === 1 && variance.rank === 1 && (scale == null || scale.rank === 1);
      if (!channelwise || Array.isArray(dy)) return stock.gradFunc(dy, saved, attrs);
      const epsilon = (attrs as unknown as { varianceEpsilon: number }).varianceEpsilon;
      const gamma = scale ?? tf.onesLike(mean);
      const r = tf.rsqrt(tf.add(variance, tf.scalar(epsilon)));
      const [dySum, dyTimesCentredSum] = tf.tidy(() => [sumOverLeadingAxes(dy), sumOverLeadingAxes(tf.mul(dy, tf.sub(x, mean)))]);
      const sumDy = () => dySum;
      const sumDyTimesCentred = () => dyTimesCentredSum;
      return {
        x: () => tf.mul(dy, tf.mul(gamma, r)),
        offset: () => tf.reshape(sumDy(), mean.shape),
        scale: () => tf.reshape(tf.mul(r, sumDyTimesCentred()), mean.shape),
        mean: () => tf.reshape(tf.mul(tf.neg(tf.mul(gamma, r)), sumDy()), mean.shape),
        variance: () => tf.reshape(tf.mul(tf.mul(tf.scalar(-0.5), tf.mul(gamma, tf.mul(r, tf.mul(r, r)))), sumDyTimesCentred()), mean.shape),
      };
    },
  };
}
