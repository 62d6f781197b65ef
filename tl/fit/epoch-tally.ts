import type { EpochRecord, FitState } from "./callback";
import type { FitLoop } from "./engines";

/**
 * The part of an epoch that every engine does the same way, in the order the engine contract
 * (engines.ts) gives: after a batch's step, the history, the tally of the steps applied, the step
 * count, afterBatch and the batch boundary; at the epoch's end, its record from the applied steps.
 */
export class EpochTally {
  private lossSum = 0;
  private accSum = 0;
  private seen = 0;

  /** Ends one batch of `size` examples whose loss (and accuracy) the engine has set on the state. */
  async finishBatch(loop: FitLoop, size: number): Promise<void> {
    const { state } = loop;
    state.history.batchLoss.push(state.batchLoss);
    if (!state.skipStep) {
      this.lossSum += state.batchLoss * size;
      this.accSum += state.batchAcc * size;
      this.seen += size;
      state.step++;
    }
    loop.emit("afterBatch");
    state.batch++;
    await loop.endBatch();
  }

  /** The epoch's record; undefined when the epoch was cut short (its numbers would not compare with whole epochs). */
  record(state: FitState): EpochRecord | undefined {
    if (this.seen === 0 || (state.stop && state.batch < state.batchesPerEpoch)) return undefined;
    const record: EpochRecord = { epoch: state.epoch + 1, loss: this.lossSum / this.seen, lr: state.lr, seconds: 0 };
    if (state.classification) record.acc = this.accSum / this.seen;
    return record;
  }
}
