import * as tf from "@tensorflow/tfjs";
import { backend } from "../tl/backend";
import { fromTensors, type Dataset } from "../tl/data";
import type { Callback } from "../tl/fit/callback";
import { fitEngineNames, registerFitEngine, type FitEngine } from "../tl/fit/engines";
import { fit } from "../tl/fit/fit";
import { meanLoss, measure } from "../tl/fit/measure";
import { requestStop } from "../tl/fit/stop-request";

/**
 * A second engine, written only against the FitEngine contract (tl/fit/engines.ts): plain SGD
 * through tf's optimizer.minimize, one batch after another, no per-group rates. It stands for
 * any engine that is not tl's own loop (the keras engine, issue 17).
 */
const minimizeEngine: FitEngine = {
  async train(loop) {
    const { state } = loop;
    const optimizer = tf.train.sgd(state.lr);
    loop.onEnd(() => optimizer.dispose());
    for (state.epoch = 0; state.epoch < state.epochs && !state.stop; state.epoch++) {
      loop.emit("beforeEpoch");
      state.batch = 0;
      let sum = 0,
        seen = 0;
      for (const { xs, ys, positions } of state.trainSet.batches(state.batchSize, { shuffle: true, seed: loop.seed + state.epoch })) {
        if (!loop.startBatch()) {
          tf.dispose([xs, ys]);
          break;
        }
        loop.emit("beforeBatch");
        optimizer.setLearningRate(state.lr);
        const loss = optimizer.minimize(() => meanLoss(ys, state.trainModel.apply(xs, { training: true }) as tf.Tensor, true), true)!;
        state.batchLoss = (await loop.wait(loss.data()))[0];
        loss.dispose();
        tf.dispose([xs, ys]);
        loop.emit("afterLoss");
        state.history.batchLoss.push(state.batchLoss);
        sum += state.batchLoss * positions.length;
        seen += positions.length;
        state.step++;
        loop.emit("afterBatch");
        state.batch++;
        await loop.endBatch();
      }
      if (seen === 0 || (state.stop && state.batch < state.batchesPerEpoch)) break;
      const v = await measure(state.trainModel, state.validationSet!, state.batchSize);
      loop.endEpoch({ epoch: state.epoch + 1, loss: sum / seen, valLoss: v.loss, lr: state.lr, seconds: 0 });
    }
  },
};

let data: Dataset;

beforeAll(async () => {
  await backend.init("wasm");
  const n = 96;
  const xs = tf.randomNormal([n, 8], 0, 1, "float32", 5);
  const labels = Array.from({ length: n }, (_, i) => i % 3);
  data = fromTensors(xs, labels, { validation: 0.25, seed: 1 });
  registerFitEngine("minimize", minimizeEngine);
});

function smallModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [8], units: 16, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 3, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
}

const quiet = { verbose: false } as const;

describe("fit's engines", () => {
  test("the history names the engine; tfjs is the default", async () => {
    const model = smallModel();
    const history = await fit(model, data, { epochs: 1, ...quiet });
    expect(history.engine).toBe("tfjs");
    expect(fitEngineNames()[0]).toBe("tfjs");
    model.dispose();
  });

  test("an engine nobody registered gets one sentence naming the ones there are, and the model is untouched", async () => {
    const model = smallModel();
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    await expect(fit(model, data, { engine: "keras", ...quiet })).rejects.toThrow(/^engine must be one of "tfjs", "minimize"; received "keras"\./);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    model.dispose();
  });

  test("another engine runs under the same contract: callbacks see its batches, checkpoint 'best' and an interrupt at a batch boundary work, the history names it", async () => {
    const model = smallModel();
    const events: string[] = [];
    const watch: Callback = {
      name: "watch",
      beforeFit: () => void events.push("beforeFit"),
      beforeEpoch: (s) => void events.push(`beforeEpoch ${s.epoch}`),
      afterEpoch: (s) => void events.push(`afterEpoch ${s.epoch}`),
      afterBatch(state) {
        if (state.epoch === 1 && state.batch === 1) requestStop();
      },
      afterFit: () => void events.push("afterFit"),
    };
    const before = tf.memory().numTensors;
    const history = await fit(model, data, {
      engine: "minimize",
      epochs: 5,
      batchSize: 8,
      lr: 0.05,
      seed: 3,
      checkpoint: "best",
      callbacks: [watch],
      ...quiet,
    });
    expect(history.engine).toBe("minimize");
    expect(history.stopped).toBe("interrupted");
    expect(history.epochs).toHaveLength(1);
    expect(history.batchLoss).toHaveLength(Math.ceil(data.train.size / 8) + 2);
    expect(events).toEqual(["beforeFit", "beforeEpoch 0", "afterEpoch 0", "beforeEpoch 1", "afterFit"]);
    expect(history.restoredEpoch).toBe(1);
    expect((await measure(model, data.validation!)).loss).toBeCloseTo(history.epochs[0].valLoss!, 4);
    expect(tf.memory().numTensors).toBe(before);
    // the stop request was consumed: the next run trains its epochs
    const next = await fit(model, data, { engine: "minimize", epochs: 2, batchSize: 8, lr: 0.05, seed: 3, ...quiet });
    expect(next.epochs).toHaveLength(2);
    expect(next.stopped).toBeUndefined();
    model.dispose();
  });

  test("an engine that starts slowly hears of the layers above the frozen ones before their activations are computed, and an interrupt during its start ends the fit with nothing trained", async () => {
    const model = smallModel();
    model.layers[0].trainable = false;
    const prepared: { layers: string[]; activationsYet: boolean }[] = [];
    registerFitEngine("slow-start", {
      prepareModel(trainModel, state) {
        prepared.push({
          layers: trainModel.layers.filter((l) => l.weights.length > 0).map((l) => l.name),
          activationsYet: state.trainSet !== state.data.train,
        });
      },
      async train(loop) {
        // A process that never finishes starting: only an interrupt ends this wait.
        if ((await loop.waitUnlessStopped(new Promise<never>(() => undefined))) === undefined) return;
        throw new Error("the engine's start cannot finish");
      },
    });
    const interrupt: Callback = { name: "interrupt", beforeFit: () => requestStop() };
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const history = await fit(model, data, { engine: "slow-start", epochs: 2, callbacks: [interrupt], ...quiet });
    expect(prepared).toEqual([{ layers: [model.layers[1].name], activationsYet: false }]);
    expect(history.stopped).toBe("interrupted");
    expect(history.epochs).toHaveLength(0);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    model.dispose();
  });

  test("registerFitEngine refuses a name or an engine it could not use, in one sentence", () => {
    expect(() => registerFitEngine("Keras 3", minimizeEngine)).toThrow(
      'registerFitEngine: name must be lower-case letters, digits and dashes, starting with a letter; received "Keras 3".',
    );
    expect(() => registerFitEngine("broken", {} as FitEngine)).toThrow('registerFitEngine: the engine "broken" must have a train(loop) method.');
  });
});
