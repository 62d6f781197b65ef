/**
 * tl.fit's "keras" engine (tl/fit/engines.ts): fit's recipe, the data (batches, augmentation,
 * the frozen-activation cache), schedules and callbacks stay in tfjs; each batch's forward,
 * backward and update run as Keras's compiled train step in the engine's Python process. The
 * tfjs model gets the trained weights back before each validation, at the end, and when an
 * interrupt or early stopping ends the fit; if the Python process dies, it gets back the
 * weights it had before the fit.
 */
import * as tf from "@tensorflow/tfjs";
import type { EpochRecord, FitState } from "../../fit/callback";
import { registerFitEngine, type FitEngine, type FitLoop } from "../../fit/engines";
import { parameterGroups } from "../../fit/optimizers";
import { EngineDiedError, kerasProcess } from "./process";
import { engineLabel, KerasModelSession } from "./session";
import { EpochTally } from "../../fit/epoch-tally";

/** Discriminative rates (layerLrs, lrMult): each trainable layer's multiplier on the scheduled rate, as the tfjs engine groups them. */
function layerMultipliers(state: FitState, options: { layerLrs?: number[]; lrMult?: number }): Record<string, number> {
  const multipliers: Record<string, number> = {};
  for (const group of parameterGroups(state.model, options, state.baseLr)) for (const layer of group.layers) multipliers[layer] = group.multiplier;
  return multipliers;
}

/** Data parallel splits every batch evenly over the devices, the epoch's last (smaller) batch included. */
function checkBatchesSplit(state: FitState, count: number): void {
  const last = state.trainSet.size % state.batchSize || state.batchSize;
  if (state.batchSize % count === 0 && last % count === 0) return;
  throw new Error(
    `With devices: "all" each batch is split over ${count} devices, so batchSize (${state.batchSize}) and the epoch's last batch (${last} of ${state.trainSet.size} examples) must be multiples of ${count}; pick another batchSize.`,
  );
}

function deathSentence(died: EngineDiedError, state: FitState): Error {
  const where = state.step === 0 && state.batch === 0 ? "before the first batch" : `at epoch ${state.epoch + 1}, batch ${state.batch + 1}`;
  return new Error(`${died.message} ${where}; the model is as it was before this fit.`);
}

export const kerasEngine: FitEngine = {
  prepare() {
    // Python importing Keras and its framework takes seconds: it overlaps the frozen-activation pass.
    try {
      kerasProcess()
        .request("hello")
        .catch(() => undefined);
    } catch {
      // Not installed: train says so in its sentence.
    }
  },
  async train(loop) {
    const { state, options } = loop;
    // state.trainModel: the layers above the frozen-activation cache when it is on, else the model.
    const compile = {
      classification: state.classification,
      optimizer: options.optimizer ?? "adam",
      lr: state.lr,
      multipliers: layerMultipliers(state, options),
    };
    const devices = options.devices as unknown;
    if (devices !== undefined && devices !== "all")
      throw new Error(`devices must be "all" (every device the keras engine sees) or left out; received ${JSON.stringify(devices)}.`);
    const session = await loop.wait(KerasModelSession.open(state.trainModel, compile, { devices }));
    if (devices === "all") {
      try {
        checkBatchesSplit(state, session.info.devices.length);
      } catch (error) {
        session.close();
        throw error;
      }
    }
    state.history.engine = engineLabel(session.info);
    let lastStepUnwanted = false;
    const pull = async () => {
      if (!lastStepUnwanted) await loop.wait(session.pullWeights());
    };
    try {
      for (state.epoch = 0; state.epoch < state.epochs && !state.stop; state.epoch++) {
        const record = await trainEpoch(loop, session, pull, () => (lastStepUnwanted = true));
        if (!record) break;
        loop.endEpoch(record);
      }
      await pull();
      loop.onEnd(() => session.close());
    } catch (error) {
      if (!(error instanceof EngineDiedError)) {
        loop.onEnd(() => session.close());
        throw error;
      }
      // After fit's afterFit callbacks (checkpoint "best" restores its epoch there): the model as before.
      loop.onEnd(() => {
        session.restore();
        session.close();
      });
      throw deathSentence(error, state);
    }
  },
};

async function trainEpoch(loop: FitLoop, session: KerasModelSession, pull: () => Promise<void>, unwanted: () => void): Promise<EpochRecord | undefined> {
  const { state } = loop;
  const tally = new EpochTally(loop);
  for (const { xs, ys, positions } of tally.batches()) {
    if (!loop.startBatch()) {
      tf.dispose([xs, ys]);
      break;
    }
    loop.emit("beforeBatch");
    state.skipStep = false;
    let reply: { loss: number; acc?: number };
    try {
      reply = await loop.wait(session.step(xs, ys, state.lr));
    } finally {
      tf.dispose([xs, ys]);
    }
    state.batchLoss = reply.loss;
    state.batchAcc = reply.acc ?? NaN;
    loop.emit("afterLoss");
    // Keras has applied the step already; a step a callback rejects (the NaN guard) is not brought back.
    if (state.skipStep) unwanted();
    await tally.finishBatch(positions.length);
  }
  if (tally.cutShort()) return undefined;
  // afterEpoch callbacks (checkpoint "best", early stopping) and validation read the tfjs model.
  await pull();
  return tally.record();
}

registerFitEngine("keras", kerasEngine);
