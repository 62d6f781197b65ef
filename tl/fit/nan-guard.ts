import type { Callback } from "./callback";

/** Stops before a non-finite loss can reach the weights, and says which batch produced it. */
export function nanGuard(): Callback {
  return {
    name: "nan-guard",
    afterLoss(state) {
      if (Number.isFinite(state.batchLoss)) return;
      state.skipStep = true;
      state.stop = true;
      state.stopReason = "non-finite loss";
      state.error = new Error(
        `The loss became ${state.batchLoss} at epoch ${state.epoch + 1}, batch ${state.batch + 1} (learning rate ${state.lr.toPrecision(3)}); ` +
          `training stopped before that batch changed any weight — try a lower learning rate or check the inputs for NaN.`,
      );
    },
  };
}
