import * as tf from "@tensorflow/tfjs";
import { backend } from "../tl/backend";
import { fromTensors, type Dataset } from "../tl/data";
import { evaluate } from "../tl/evaluate";
import { fit } from "../tl/fit/fit";
import { freeze } from "../tl/freeze";
import { showPredictions, topLosses } from "../tl/predictions";

// wasm memory ends at 4 GiB and running out aborts the module, losing every tensor; tl refuses
// such a batch up front. A wide layer makes the activations of one example large (2 MB) while
// the arithmetic stays cheap.
let data: Dataset;
let model: tf.LayersModel;
const wide = 500_000;

beforeAll(async () => {
  await backend.init("wasm");
  const n = 2400;
  data = fromTensors(
    tf.randomNormal([n, 4], 0, 1, "float32", 1),
    Array.from({ length: n }, (_, i) => i % 2),
    { seed: 1, validation: 0, test: 0 },
  );
  model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: wide, activation: "relu", name: "wide" }),
      tf.layers.dense({ units: 2, activation: "softmax", name: "out" }),
    ],
  });
}, 120_000);

const batchSizeNamed = (message: string) => Number(/try batchSize: (\d+)\./.exec(message)?.[1]);

describe("a batch too large for wasm memory", () => {
  test("evaluate, showPredictions and topLosses refuse it in one sentence naming a batch size; the model and earlier tensors survive", async () => {
    expect(tf.getBackend()).toBe("wasm");
    const survivor = tf.tensor([1, 2, 3]);
    const weightsBefore = model.getWeights().map((w) => w.sum().dataSync()[0]);
    const tensors = tf.memory().numTensors;
    const messages: string[] = [];
    for (const attempt of [
      () => evaluate(model, data.train, { batchSize: 2048, show: false }),
      async () => showPredictions(model, data.train, 4, { batchSize: 2048 }),
      async () => topLosses(model, data.train, 4, { batchSize: 2048 }),
    ]) {
      const error = await attempt().then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toMatch(
        /^Predicting in batches of 2048 needs about [\d.]+ GB on the wasm backend, whose memory ends at 4 GB .*; try batchSize: \d+\.$/,
      );
      messages.push(error!.message);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(Array.from(survivor.dataSync())).toEqual([1, 2, 3]);
    expect(model.getWeights().map((w) => w.sum().dataSync()[0])).toEqual(weightsBefore);
    // the size it names works
    const size = batchSizeNamed(messages[0]);
    expect(size).toBeGreaterThanOrEqual(1);
    const small = fromTensors(
      tf.randomNormal([size + 3, 4], 0, 1, "float32", 2),
      Array.from({ length: size + 3 }, (_, i) => i % 2),
      { seed: 1, validation: 0, test: 0 },
    );
    const result = await evaluate(model, small.train, { batchSize: size, show: false });
    expect(result.examples).toBe(size + 3);
    expect(result.accuracy).toBeGreaterThanOrEqual(0);
    survivor.dispose();
  }, 300_000);

  test("fit refuses it before computing a frozen part's activations in such batches", async () => {
    const frozen = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: wide, activation: "relu", name: "frozen_wide" }),
        tf.layers.dense({ units: 2, activation: "softmax", name: "head" }),
      ],
    });
    freeze(frozen, { upTo: "frozen_wide" });
    const tensors = tf.memory().numTensors;
    await expect(fit(frozen, data, { batchSize: 2048, epochs: 1, verbose: false })).rejects.toThrow(/try batchSize: \d+\.$/);
    expect(tf.memory().numTensors).toBe(tensors);
    frozen.dispose();
  }, 300_000);

  test("a model with many weights but small activations is not refused (weight gradients do not grow with the batch)", async () => {
    // 8 M weights: 32 MB of gradients per step whatever the batch, and 256 examples need little
    // more; counted per example (16 MB each from a probe of two), the batch would look like 6 GB.
    const big = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 2000, activation: "relu" }),
        tf.layers.dense({ units: 4000, activation: "relu" }),
        tf.layers.dense({ units: 2, activation: "softmax" }),
      ],
    });
    const few = fromTensors(
      tf.randomNormal([256, 4], 0, 1, "float32", 3),
      Array.from({ length: 256 }, (_, i) => i % 2),
      { seed: 1, validation: 0, test: 0 },
    );
    const history = await fit(big, few, { batchSize: 256, epochs: 1, verbose: false, seed: 1 });
    expect(history.epochs).toHaveLength(1);
    big.dispose();
  }, 300_000);
});
