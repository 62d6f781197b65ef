import type { Batch } from "../data/examples";
import type { EpochRecord } from "./callback";
import type { FitLoop } from "./engines";
import { measure } from "./measure";

/** Added to the run's seed per epoch, so each epoch has its own batch order and augmentation (a prime keeps the seeds apart). */
const EPOCH_SEED_STRIDE = 7919;

/**
 * The part of an epoch that every engine does the same way, in the order the engine contract
 * (engines.ts) gives: at the start, beforeEpoch and the epoch's batches; after a batch's step, the
 * history, the tally of the steps applied, the step count, afterBatch and the batch boundary; at
 * the end, the epoch's record from the applied steps, measured on the validation set.
 */
export class EpochTally {
  private readonly started = Date.now();
  private lossSum = 0;
  private accSum = 0;
  private seen = 0;

  /** Starts the loop's current epoch (`state.epoch`): fires beforeEpoch and counts batches from zero. */
  constructor(private readonly loop: FitLoop) {
    loop.emit("beforeEpoch");
    loop.state.batch = 0;
  }

  /** This epoch's training batches, shuffled and augmented by the run's seed and the epoch. */
  batches(): Generator<Batch> {
    const { state, seed } = this.loop;
    return state.trainSet.batches(state.batchSize, { shuffle: true, seed: seed + EPOCH_SEED_STRIDE * state.epoch, augment: true });
  }

  /** Ends one batch of `size` examples whose loss (and accuracy) the engine has set on the state. */
  async finishBatch(size: number): Promise<void> {
    const { loop } = this;
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

  /** True when the epoch ended before its last batch or applied no step: it gets no record. */
  cutShort(): boolean {
    const { state } = this.loop;
    return this.seen === 0 || (state.stop && state.batch < state.batchesPerEpoch);
  }

  /**
   * The epoch's record, with the validation set's loss measured on `state.trainModel`; undefined
   * when the epoch was cut short (its numbers would not compare with whole epochs).
   */
  async record(): Promise<EpochRecord | undefined> {
    const { state } = this.loop;
    if (this.cutShort()) return undefined;
    const record: EpochRecord = { epoch: state.epoch + 1, loss: this.lossSum / this.seen, lr: state.lr, seconds: 0 };
    if (state.classification) record.acc = this.accSum / this.seen;
    if (state.validationSet) {
      // Not through loop.wait: measuring runs tf work of its own between its awaits, so a
      // termination there is a cut the repair must see.
      const v = await measure(state.trainModel, state.validationSet, state.batchSize);
      record.valLoss = v.loss;
      if (v.acc !== undefined) record.valAcc = v.acc;
    }
    record.seconds = (Date.now() - this.started) / 1000;
    return record;
  }
}
