import type { Callback, EpochRecord } from "./callback";

export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping (default 3). */
  patience?: number;
  /** "valLoss" (default when there is validation data), "loss", "valAcc" or "acc". */
  monitor?: Monitor;
  /** Smallest change that counts as an improvement. */
  minDelta?: number;
}

export type Monitor = "loss" | "acc" | "valLoss" | "valAcc";

/** The quantity to watch: validation loss when validation data exists, else training loss. */
export function monitored(record: EpochRecord, monitor: Monitor | undefined): { value: number; higherIsBetter: boolean } {
  const key = monitor ?? (record.valLoss !== undefined ? "valLoss" : "loss");
  const value = record[key];
  if (value === undefined) throw new Error(`Cannot monitor "${key}": this run records no such value (is there a validation split?).`);
  return { value, higherIsBetter: key === "acc" || key === "valAcc" };
}

export function earlyStopping(options: EarlyStoppingOptions = {}): Callback {
  const patience = options.patience ?? 3;
  const minDelta = options.minDelta ?? 0;
  let best = Infinity;
  let waited = 0;
  return {
    name: "early-stopping",
    beforeFit() {
      best = Infinity;
      waited = 0;
    },
    afterEpoch(state) {
      const { value, higherIsBetter } = monitored(state.current!, options.monitor);
      const score = higherIsBetter ? -value : value;
      if (score < best - minDelta) {
        best = score;
        waited = 0;
      } else if (++waited >= patience) {
        state.stop = true;
        state.stopReason = `early stopping (no improvement for ${patience} epochs)`;
      }
    },
  };
}
