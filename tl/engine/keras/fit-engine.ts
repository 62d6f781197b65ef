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
import type { FitOptions } from "../../fit/fit";
import { weightManifest } from "./convert";
import { EngineDiedError, kerasProcess } from "./process";
import { engineLabel, KerasModelSession, type KerasSessionOptions } from "./session";
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

function checkedDevices(options: Readonly<FitOptions>): "all" | undefined {
  const devices = options.devices as unknown;
  if (devices !== undefined && devices !== "all")
    throw new Error(`devices must be "all" (every device the keras engine sees) or left out; received ${JSON.stringify(devices)}.`);
  return devices;
}

function compileOptions(state: FitState, options: Readonly<FitOptions>): KerasSessionOptions {
  return { classification: state.classification, optimizer: options.optimizer ?? "adam", lr: state.lr, multipliers: layerMultipliers(state, options) };
}

/** Identities of the model's weight values: tfjs gives a variable a new one on every assign. */
const weightIdentities = (model: tf.LayersModel) => model.weights.map((w) => (w.read() as unknown as { dataId: object }).dataId);

/** What decides the Keras model and its compiled step, but the learning rate (each step sends its own). */
const sessionKey = (model: tf.LayersModel, compile: KerasSessionOptions, devices?: "all") =>
  JSON.stringify({ manifest: weightManifest(model), compile: { ...compile, lr: undefined }, devices });

/** A session a fit began to open while the frozen-activation cache computed its activations. */
interface Prepared {
  model: tf.LayersModel;
  key: string;
  weights: object[];
  session: Promise<KerasModelSession>;
  abort: AbortController;
}

const prepared = new WeakMap<FitState, Prepared>();

function openSession(model: tf.LayersModel, compile: KerasSessionOptions, devices: "all" | undefined, warmUp: boolean) {
  const abort = new AbortController();
  const session = KerasModelSession.open(model, compile, { devices, warmUp, signal: abort.signal });
  // Whoever awaits it reports a failure; one nobody awaits any more (an interrupted start) is dropped.
  session.catch(() => undefined);
  return { session, abort };
}

/**
 * The session for this fit: the one prepared during the activation pass when it is still for the
 * same model, weights and options, else a new one. Undefined when an interrupt came first (the
 * opening is abandoned, the model untouched).
 */
async function sessionFor(loop: FitLoop, compile: KerasSessionOptions, devices: "all" | undefined): Promise<KerasModelSession | undefined> {
  const model = loop.state.trainModel;
  const ready = prepared.get(loop.state);
  prepared.delete(loop.state);
  const current =
    ready && ready.model === model && ready.key === sessionKey(model, compile, devices) && weightIdentities(model).every((id, i) => id === ready.weights[i])
      ? ready
      : undefined;
  if (ready && !current) ready.abort.abort();
  const { session, abort } = current ?? openSession(model, compile, devices, false);
  const opened = await loop.waitUnlessStopped(session);
  if (!opened) abort.abort();
  return opened;
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
  prepareModel(model, state, options) {
    // Converting, compiling and tracing the step overlap the activation pass too; train checks that
    // nothing it depends on changed meanwhile.
    const devices = options.devices;
    if (devices !== undefined && devices !== "all") return;
    const compile = compileOptions(state, options);
    prepared.set(state, { model, key: sessionKey(model, compile, devices), weights: weightIdentities(model), ...openSession(model, compile, devices, true) });
  },
  async train(loop) {
    const { state, options } = loop;
    // state.trainModel: the layers above the frozen-activation cache when it is on, else the model.
    const devices = checkedDevices(options);
    const model = state.trainModel;
    const session = await sessionFor(loop, compileOptions(state, options), devices).catch((error) => {
      throw error instanceof EngineDiedError ? deathSentence(error, state) : error;
    });
    // Interrupted while the engine started: nothing trained.
    if (!session) return;
    if (devices === "all") checkBatchesSplit(state, session.info.devices.length);
    state.history.engine = engineLabel(session.info);
    const before = model.weights.map((w) => tf.keep(w.read().clone()));
    let died = false;
    // After fit's afterFit callbacks (checkpoint "best" restores its epoch there): if the engine died, the model as before.
    loop.onEnd(() => {
      if (died) model.setWeights(before);
      tf.dispose(before);
    });
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
    } catch (error) {
      if (!(error instanceof EngineDiedError)) throw error;
      died = true;
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
