import * as tf from "@tensorflow/tfjs";
import { flushPendingDisplays, setDisplaySink, type DisplayEvent } from "../display";
import { formatWithRegistry } from "../display/formatters";
import { backend } from "../tl/backend";
import { backbone } from "../tl/backbones/registry";
import { fromTensors, mnist, type Dataset } from "../tl/data";
import { evaluate } from "../tl/evaluate";
import type { Callback } from "../tl/fit/callback";
import { fineTune } from "../tl/fit/fine-tune";
import { fit } from "../tl/fit/fit";
import { lrFind } from "../tl/fit/lr-find";
import { measure } from "../tl/fit/measure";
import { requestStop } from "../tl/fit/stop-request";
import { freeze, unfreeze } from "../tl/freeze";
import { classifier, regressor } from "../tl/heads";
import "../tl/index";
import { showPredictions, topLosses } from "../tl/predictions";
import { summary } from "../tl/summary";

let digits: Dataset;

beforeAll(async () => {
  await backend.init("wasm");
  digits = await mnist({ perClass: 8, testPerClass: 5, validation: 2, seed: 7 });
});

/** A fresh small CNN classifier (the fashion-cnn architecture, random weights) with fixed initial weights. */
async function freshModel(): Promise<tf.LayersModel> {
  const base = await backbone("fashion_cnn", { weights: null });
  // average pooling, not fashion_cnn's recommended flatten head: these tests name head_pool
  const model = classifier(base, { classes: 10, pooling: "avg", normalize: false });
  model.setWeights(model.weights.map((w, i) => tf.tidy(() => tf.randomUniform(w.shape as number[], -0.2, 0.2, "float32", 100 + i))));
  return model;
}

const weightValues = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
const quiet = { verbose: false } as const;

describe("fit", () => {
  test("the same seed gives the same history, and fit, evaluate and predictions leave no tensors behind", async () => {
    const model = await freshModel();
    const initial = model.getWeights().map((w) => w.clone());
    const before = tf.memory().numTensors;
    const first = await fit(model, digits, { epochs: 2, batchSize: 16, lr: 3e-3, seed: 11, ...quiet });
    await evaluate(model, digits, { show: false });
    (await showPredictions(model, digits, 8)).toMimeBundle();
    expect(tf.memory().numTensors).toBe(before);
    model.setWeights(initial);
    const second = await fit(model, digits, { epochs: 2, batchSize: 16, lr: 3e-3, seed: 11, ...quiet });
    expect(second.epochs.map((e) => [e.loss, e.valLoss])).toEqual(first.epochs.map((e) => [e.loss, e.valLoss]));
    expect(first.epochs).toHaveLength(2);
    expect(first.epochs[1].loss).toBeLessThan(first.epochs[0].loss);
    expect(first.batchLoss).toHaveLength(2 * Math.ceil(digits.train.size / 16));
    initial.forEach((t) => t.dispose());
    model.dispose();
  });

  test("checkpoint 'best' puts back the weights of the best validation epoch", async () => {
    const model = await freshModel();
    const sabotage: Callback = {
      name: "sabotage",
      beforeBatch(state) {
        if (state.epoch === 2) state.lr = 5; // the last epoch wrecks the weights
      },
    };
    const history = await fit(model, digits, { epochs: 3, lr: 3e-3, seed: 1, checkpoint: "best", callbacks: [sabotage], ...quiet });
    const best = Math.min(...history.epochs.map((e) => e.valLoss!));
    expect(history.epochs[2].valLoss!).toBeGreaterThan(best);
    expect(history.restoredEpoch).toBe(history.epochs.findIndex((e) => e.valLoss === best) + 1);
    expect((await measure(model, digits.validation!)).loss).toBeCloseTo(best, 4);
    model.dispose();
  });

  test("an interrupt stops at a batch boundary and keeps the best weights", async () => {
    const model = await freshModel();
    const interrupt: Callback = {
      name: "user presses stop",
      afterBatch(state) {
        if (state.epoch === 1 && state.batch === 1) requestStop();
      },
    };
    const history = await fit(model, digits, { epochs: 5, batchSize: 16, seed: 2, checkpoint: "best", callbacks: [interrupt], ...quiet });
    expect(history.stopped).toBe("interrupted");
    expect(history.epochs).toHaveLength(1);
    expect(history.restoredEpoch).toBe(1);
    expect((await measure(model, digits.validation!)).loss).toBeCloseTo(history.epochs[0].valLoss!, 4);
    model.dispose();
  });

  test("early stopping ends training when the monitored value stops improving", async () => {
    const model = await freshModel();
    const history = await fit(model, digits, { epochs: 6, seed: 3, earlyStopping: { patience: 1, minDelta: 1e9 }, ...quiet });
    expect(history.epochs).toHaveLength(2);
    expect(history.stopped).toMatch(/early stopping/);
    model.dispose();
  });

  // What the cache saves in time is measured by bench/boundary-cache.js, not here.
  test("with the backbone frozen, caching its activations trains to the same result", async () => {
    const run = async (cacheFrozen: boolean) => {
      const model = await freshModel();
      freeze(model, { upTo: "block3_conv" });
      const notes: string[] = [];
      const spy: Callback = { name: "spy", afterFit: (s) => notes.push(...s.notes) };
      const tensors = tf.memory().numTensors;
      const history = await fit(model, digits, { epochs: 4, batchSize: 16, lr: 1e-2, seed: 5, cacheFrozen, callbacks: [spy], ...quiet });
      expect(tf.memory().numTensors).toBe(tensors);
      const weights = weightValues(model);
      model.dispose();
      return { history, notes, weights };
    };
    const plain = await run(false);
    const cached = await run(true);
    expect(cached.notes.join(" ")).toMatch(/frozen layers up to head_pool computed once .*; training the 1 layer above/);
    expect(plain.notes).toEqual([]);
    cached.history.epochs.forEach((e, i) => {
      expect(e.loss).toBeCloseTo(plain.history.epochs[i].loss, 4);
      expect(e.valLoss!).toBeCloseTo(plain.history.epochs[i].valLoss!, 4);
    });
  });

  test("an interrupt while the frozen activations are computed ends the fit before its first step: nothing trained, nothing kept, the next fit computes them", async () => {
    const model = await freshModel();
    freeze(model, { upTo: "block3_conv" });
    const { xs, labels } = tf.tidy(() => ({ xs: tf.randomUniform([48, 28, 28, 1], 0, 1, "float32", 8), labels: Array.from({ length: 48 }, (_, i) => i % 10) }));
    const data = fromTensors(xs, labels, { seed: 3 });
    // The interrupt arrives while the pass reads its second batch (a user's, or the kernel's, stop request).
    const source = data.train.source;
    const read = source.read.bind(source);
    let reads = 0;
    source.read = (index, out, offset) => {
      if (++reads === 20) requestStop();
      read(index, out, offset);
    };
    const before = weightValues(model);
    const notes: string[] = [];
    const spy: Callback = { name: "spy", afterFit: (s) => notes.push(...s.notes) };
    const stopped = await fit(model, data, { epochs: 2, batchSize: 16, callbacks: [spy], ...quiet });
    expect(stopped.stopped).toBe("interrupted");
    expect(stopped.batchLoss).toHaveLength(0);
    expect(notes).toEqual([]);
    expect(weightValues(model)).toEqual(before);
    source.read = read;
    const next = await fit(model, data, { epochs: 1, batchSize: 16, callbacks: [spy], ...quiet });
    expect(next.epochs).toHaveLength(1);
    expect(notes.join(" ")).toMatch(/frozen layers up to head_pool computed once/);
    xs.dispose();
    model.dispose();
  });

  // The usual recipe: the head on a frozen backbone, then the top blocks unfrozen. The second
  // fit's boundary (mid_relu) lies inside what the first fit ran, which kept its activations.
  test("a later fit whose frozen part lies inside an earlier fit's takes its activations and trains as if it computed them", async () => {
    const xs = tf.randomUniform([40, 16, 16, 3], 0, 1, "float32", 21);
    const labels = Array.from({ length: 40 }, (_, i) => i % 3);
    const data = fromTensors(xs, labels, { seed: 4, validation: 0.2 });
    const smallConvNet = () => {
      const input = tf.input({ shape: [16, 16, 3] });
      let h = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: "same", useBias: false, name: "stem" }).apply(input) as tf.SymbolicTensor;
      h = tf.layers.batchNormalization({ name: "stem_bn" }).apply(h) as tf.SymbolicTensor;
      h = tf.layers.reLU({ maxValue: 6, name: "stem_relu" }).apply(h) as tf.SymbolicTensor;
      h = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: "same", name: "mid" }).apply(h) as tf.SymbolicTensor;
      h = tf.layers.reLU({ name: "mid_relu" }).apply(h) as tf.SymbolicTensor;
      h = tf.layers.conv2d({ filters: 16, kernelSize: 1, name: "top" }).apply(h) as tf.SymbolicTensor;
      h = tf.layers.globalAveragePooling2d({ name: "pool" }).apply(h) as tf.SymbolicTensor;
      const out = tf.layers.dense({ units: 3, activation: "softmax", name: "out" }).apply(h) as tf.SymbolicTensor;
      const model = tf.model({ inputs: input, outputs: out });
      model.setWeights(model.weights.map((w, i) => tf.tidy(() => tf.randomUniform(w.shape as number[], -0.4, 0.4, "float32", 300 + i))));
      return model;
    };
    /** Head first, then from "top" on; `secondData` is what the second fit gets, `touch` changes a weight below its boundary. */
    const recipe = async (secondData: Dataset, touch = false) => {
      const model = smallConvNet();
      freeze(model, { upTo: "pool" });
      await fit(model, data, { epochs: 1, batchSize: 8, lr: 1e-2, seed: 1, ...quiet });
      unfreeze(model, { from: "top" });
      if (touch)
        model.getLayer("stem").setWeights(
          model
            .getLayer("stem")
            .getWeights()
            .map((w) => w.mul(-2)),
        );
      const notes: string[] = [];
      const spy: Callback = { name: "spy", afterFit: (s) => notes.push(...s.notes) };
      const tensors = tf.memory().numTensors;
      const history = await fit(model, secondData, { epochs: 2, batchSize: 8, lr: 1e-2, seed: 2, callbacks: [spy], ...quiet });
      expect(tf.memory().numTensors).toBe(tensors);
      const weights = weightValues(model);
      model.dispose();
      return { notes: notes.join(" "), history, weights };
    };
    // The same examples in a new Dataset object: nothing kept for it, so computed afresh.
    const computed = await recipe(fromTensors(xs, labels, { seed: 4, validation: 0.2 }));
    const reused = await recipe(data);
    const touched = await recipe(data, true);
    expect(computed.notes).toMatch(/frozen layers up to mid_relu computed once/);
    expect(reused.notes).toMatch(/frozen layers up to mid_relu taken from an earlier fit/);
    expect(touched.notes).toMatch(/frozen layers up to mid_relu computed once/);
    reused.history.batchLoss.forEach((loss, i) => expect(loss).toBeCloseTo(computed.history.batchLoss[i], 6));
    reused.history.epochs.forEach((e, i) => expect(e.valLoss!).toBeCloseTo(computed.history.epochs[i].valLoss!, 6));
    reused.weights.forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(computed.weights[i][j], 5)));
    expect(touched.history.batchLoss[0]).not.toBeCloseTo(reused.history.batchLoss[0], 3);
    xs.dispose();
  });

  test("discriminative rates and schedules run; fineTune trains the head first, then everything", async () => {
    const model = await freshModel();
    const h = await fit(model, digits, { epochs: 1, lr: 1e-3, lrMult: 10, schedule: "cosine", ...quiet });
    expect(h.epochs[0].lr).toBeLessThan(1e-3);
    const backboneBefore = model.getLayer("block1_conv").getWeights()[0].dataSync().slice();
    let backboneAfterPhase1: Float32Array | undefined;
    const watch: Callback = {
      name: "watch",
      afterFit(s) {
        if (!backboneAfterPhase1) backboneAfterPhase1 = s.model.getLayer("block1_conv").getWeights()[0].dataSync().slice() as Float32Array;
      },
    };
    const history = await fineTune(model, digits, { freezeEpochs: 1, epochs: 1, lr: 2e-3, seed: 4, callbacks: [watch], ...quiet });
    expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(Array.from(backboneAfterPhase1!)).toEqual(Array.from(backboneBefore));
    expect(model.layers.filter((l) => l.weights.length > 0).every((l) => l.trainable)).toBe(true);
    model.dispose();
  });

  test("lrFind suggests a rate where the loss is falling and leaves the weights as they were", async () => {
    // A problem a small dense net learns quickly, so the sweep has a falling stretch to find.
    const xs = tf.randomNormal([96, 4], 0, 1, "float32", 5);
    const labels = Array.from(xs.arraySync() as number[][], (row) => (row[0] + row[1] > 0 ? 1 : 0));
    const data = fromTensors(xs, labels, { seed: 1 });
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 8, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
        tf.layers.dense({ units: 2, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      ],
    });
    const before = weightValues(model);
    const tensors = tf.memory().numTensors;
    const result = await lrFind(model, data, { steps: 60, batchSize: 16, show: false, start: 1e-4, end: 10, seed: 3 });
    expect(result.lrs.length).toBeGreaterThan(10);
    expect(result.suggestion).toBeGreaterThan(1e-4);
    expect(result.suggestion).toBeLessThan(10);
    const at = result.lrs.indexOf(result.suggestion);
    expect(result.losses[at + 1]).toBeLessThan(result.losses[Math.max(0, at - 1)]);
    expect(weightValues(model)).toEqual(before);
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
    xs.dispose();
  });

  test("a regression head learns a linear target", async () => {
    const xs = tf.randomNormal([64, 3], 0, 1, "float32", 1);
    const ys = tf.tidy(() => xs.matMul(tf.tensor2d([[1], [-2], [0.5]])).squeeze([1]));
    const data = fromTensors(xs, ys, { test: 0.25, seed: 1 });
    const input = tf.input({ shape: [3] });
    const base = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 8, activation: "relu" }).apply(input) as tf.SymbolicTensor });
    const model = regressor(base);
    const history = await fit(model, data, { epochs: 20, batchSize: 16, lr: 2e-2, seed: 1, ...quiet });
    expect(history.epochs[19].loss).toBeLessThan(history.epochs[0].loss / 3);
    const result = await evaluate(model, data, { show: false });
    expect(result.accuracy).toBeUndefined();
    tf.dispose([xs, ys]);
    model.dispose();
  });
});

describe("bad input: one sentence, the model unchanged", () => {
  test("a class count that does not match the labels", async () => {
    const base = await backbone("fashion_cnn", { weights: null });
    const model = classifier(base, { classes: 5 });
    const before = weightValues(model);
    await expect(fit(model, digits, quiet)).rejects.toThrow(
      "fashion_cnn_classifier has 5 outputs but mnist has 10 classes; build the head with tl.classifier(backbone, { classes: 10 }).",
    );
    expect(weightValues(model)).toEqual(before);
    model.dispose();
  });

  test("images of the wrong size for the backbone", async () => {
    const base = await backbone("fashion_cnn", { weights: null, inputShape: [32, 32, 1] });
    const model = classifier(base, { classes: 10 });
    await expect(fit(model, digits, quiet)).rejects.toThrow(
      "fashion_cnn_classifier expects inputs of shape [32, 32, 1] but mnist gives [28, 28, 1]; resize the data with data.resize(32, 1)",
    );
    model.dispose();
  });

  test("a NaN loss stops training, names the batch, and changes no weight", async () => {
    const xs = tf.randomNormal([8, 3], 0, 1, "float32", 2);
    const data = fromTensors(xs, [1, 2, NaN, 3, 1, 2, 3, 4], { task: "regression", test: 0 });
    const input = tf.input({ shape: [3] });
    const model = regressor(tf.model({ inputs: input, outputs: tf.layers.dense({ units: 4 }).apply(input) as tf.SymbolicTensor }));
    const before = weightValues(model);
    await expect(fit(model, data, { batchSize: 8, epochs: 2, ...quiet })).rejects.toThrow(
      /^The loss became NaN at epoch 1, batch 1 \(learning rate 0\.00100\); training stopped before that batch changed any weight/,
    );
    expect(weightValues(model)).toEqual(before);
    xs.dispose();
    model.dispose();
  });

  test("nothing trainable", async () => {
    const model = await freshModel();
    freeze(model);
    await expect(fit(model, digits, quiet)).rejects.toThrow(/Every layer of .* is frozen, so there is nothing to train/);
    model.dispose();
  });
});

describe("insight", () => {
  test("a verbose fit shows a progress line and live loss/accuracy curves in the notebook", async () => {
    const events: DisplayEvent[] = [];
    setDisplaySink({ display: (e) => events.push(e), clearOutput: () => undefined });
    try {
      const model = await freshModel();
      freeze(model, { upTo: "block3_conv" });
      await fit(model, digits, { epochs: 2, batchSize: 16, seed: 1 });
      flushPendingDisplays();
      model.dispose();
    } finally {
      setDisplaySink(undefined);
    }
    const texts = events.map((e) => String(e.data["text/plain"] ?? ""));
    expect(texts.some((t) => /epoch 2\/2 · loss [0-9.]+ · acc [0-9.]+ · frozen layers up to head_pool computed once/.test(t))).toBe(true);
    expect(texts.some((t) => /· done$/.test(t))).toBe(true);
    const figures = events.filter((e) => JSON.stringify(e.data).includes("validation loss"));
    expect(figures.length).toBeGreaterThan(0);
    expect(figures.some((e) => e.update)).toBe(true);
  });

  test("evaluate reports accuracy, per-class precision/recall and a confusion matrix heatmap", async () => {
    const model = await freshModel();
    await fit(model, digits, { epochs: 2, lr: 3e-3, seed: 9, ...quiet });
    const result = await evaluate(model, digits.test!, { show: false });
    expect(result.examples).toBe(50);
    const total = result.confusion!.flat().reduce((a, b) => a + b, 0);
    const diagonal = result.confusion!.reduce((a, row, i) => a + row[i], 0);
    expect(total).toBe(50);
    expect(result.accuracy).toBeCloseTo(diagonal / 50, 6);
    expect(result.perClass!.map((c) => c.support)).toEqual(new Array(10).fill(5));
    expect(JSON.stringify(result.confusionFigure()!.toJSON())).toContain('"type":"heatmap"');
    expect(String(result.toMimeBundle()["text/html"])).toContain("precision");
    const view = await showPredictions(model, digits.test!, 12);
    const wrong = view.rows.filter((r) => !r.correct).length;
    expect(view.rows.slice(0, wrong).every((r) => !r.correct)).toBe(true);
    expect(String(view.toMimeBundle()["text/html"])).toContain("<img");
    const top = (await topLosses(model, digits.test!, 5)).rows.map((r) => r.loss);
    expect(top).toEqual([...top].sort((a, b) => b - a));
    model.dispose();
  });

  test("models and tensors display as a summary table and a shape/dtype preview", async () => {
    const model = await freshModel();
    freeze(model, { upTo: "block2_conv" });
    const bundle = formatWithRegistry(model)!;
    expect(String(bundle["text/plain"])).toMatch(/block1_conv .* frozen/);
    expect(String(bundle["text/plain"])).toMatch(/head_output .* trainable/);
    expect(summary(model).frozenParams).toBe(160 + 4640);
    const t = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    expect(String(formatWithRegistry(t)!["text/plain"])).toContain("Tensor shape [2, 2] float32");
    t.dispose();
    model.dispose();
  });
});
