import * as tf from "@tensorflow/tfjs";
import type { Callback } from "./callback";
import { monitored, type Monitor } from "./early-stopping";

/**
 * Keeps a copy of the weights from the best epoch in memory (validation loss by default) and
 * puts them back when training ends — also when it ends by interrupt, early stopping or a NaN.
 */
export function checkpointBest(monitor?: Monitor): Callback {
  let best = Infinity;
  let bestEpoch = -1;
  let saved: tf.Tensor[] | undefined;
  const release = () => {
    saved?.forEach((t) => t.dispose());
    saved = undefined;
  };
  return {
    name: "checkpoint-best",
    beforeFit() {
      best = Infinity;
      bestEpoch = -1;
      release();
    },
    afterEpoch(state) {
      const { value, higherIsBetter } = monitored(state.current!, monitor);
      const score = higherIsBetter ? -value : value;
      if (!(score < best)) return;
      best = score;
      bestEpoch = state.epoch;
      release();
      saved = state.model.weights.map((w) => tf.keep(w.read().clone()));
    },
    afterFit(state) {
      if (!saved) return;
      const lastEpoch = state.history.epochs.length - 1;
      if (bestEpoch !== lastEpoch || state.stop) {
        state.model.setWeights(saved);
        state.history.restoredEpoch = bestEpoch + 1;
      }
      release();
    },
  };
}
