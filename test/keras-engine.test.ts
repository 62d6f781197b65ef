/**
 * The keras engine against the tfjs engine, on real Keras 3 with TensorFlow from PyPI (installed by
 * `tsfine backend install keras`; .ci/run does it). Without it the suite is skipped here and
 * fails under CI=true.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { backend } from "../tl/backend";
import { fromTensors, type Dataset } from "../tl/data";
import type { Callback } from "../tl/fit/callback";
import { fineTune } from "../tl/fit/fine-tune";
import { fit } from "../tl/fit/fit";
import { lrFind } from "../tl/fit/lr-find";
import { evaluate } from "../tl/evaluate";
import { meanLoss } from "../tl/fit/measure";
import { requestStop } from "../tl/fit/stop-request";
import { freeze } from "../tl/freeze";
import { findInterpreter, runningKerasProcess } from "../tl/engine/keras/process";
import { KerasModelSession } from "../tl/engine/keras/session";
import "../tl/engine/keras/fit-engine";
import { describe as describeEngines } from "../tl/engine/describe";

const available = findInterpreter() !== undefined || process.env.CI === "true";
const suite = available ? describe : describe.skip;

const SIZE = 12;
const CLASSES = 4;

/**
 * A small model with the layers tl's backbones and heads use: rescaling, padding, plain,
 * depthwise and separable convolutions, BatchNorm, ReLU6 both ways, a residual Add, a
 * Concatenate, poolings, LayerNormalization, Dense; Dropout only where asked (it is random in training).
 */
function smallModel(options: { dropout?: boolean; maxPooling?: boolean; seed?: number } = {}): tf.LayersModel {
  const L = tf.layers;
  const input = tf.input({ shape: [SIZE, SIZE, 3], name: "image" });
  let x = L.rescaling({ scale: 1 / 2, offset: -0.25, name: "rescale" }).apply(input) as tf.SymbolicTensor;
  x = L.zeroPadding2d({ padding: 1, name: "pad" }).apply(x) as tf.SymbolicTensor;
  // No bias before a BatchNorm (its gradient is zero but for rounding, so no relative error means anything).
  x = L.conv2d({ filters: 8, kernelSize: 3, useBias: false, name: "conv1" }).apply(x) as tf.SymbolicTensor;
  x = L.batchNormalization({ name: "conv1_bn" }).apply(x) as tf.SymbolicTensor;
  x = L.reLU({ maxValue: 6, name: "conv1_relu" }).apply(x) as tf.SymbolicTensor;
  let y = L.depthwiseConv2d({ kernelSize: 3, padding: "same", useBias: false, name: "dw" }).apply(x) as tf.SymbolicTensor;
  y = L.batchNormalization({ name: "dw_bn" }).apply(y) as tf.SymbolicTensor;
  y = L.activation({ activation: "relu6", name: "dw_relu" }).apply(y) as tf.SymbolicTensor;
  y = L.separableConv2d({ filters: 8, kernelSize: 3, padding: "same", name: "sep" }).apply(y) as tf.SymbolicTensor;
  x = L.add({ name: "residual" }).apply([x, y]) as tf.SymbolicTensor;
  // Max pooling only where no gradient is compared: stock tfjs-backend-wasm 4.22's MaxPoolGrad gives
  // gradients ~15% off from the cpu backend's and Keras's (which agree to 2e-7).
  const pool = options.maxPooling ? L.maxPooling2d : L.averagePooling2d;
  x = pool({ poolSize: 2, name: "pool1" }).apply(x) as tf.SymbolicTensor;
  const branch = L.conv2d({ filters: 4, kernelSize: 1, activation: "relu", name: "branch" }).apply(x) as tf.SymbolicTensor;
  x = L.concatenate({ name: "concat" }).apply([x, branch]) as tf.SymbolicTensor;
  x = L.averagePooling2d({ poolSize: 2, name: "pool2" }).apply(x) as tf.SymbolicTensor;
  x = L.flatten({ name: "flat" }).apply(x) as tf.SymbolicTensor;
  x = L.layerNormalization({ name: "norm" }).apply(x) as tf.SymbolicTensor;
  x = L.dense({ units: 16, activation: "relu", name: "hidden" }).apply(x) as tf.SymbolicTensor;
  if (options.dropout) x = L.dropout({ rate: 0.5, name: "drop" }).apply(x) as tf.SymbolicTensor;
  const output = L.dense({ units: CLASSES, activation: "softmax", name: "out" }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output, name: "small" });
  // Weights away from their initial values (BatchNorm statistics included), the same every time.
  const seed = options.seed ?? 1;
  model.setWeights(
    model.weights.map((w, i) =>
      tf.tidy(() => {
        const r = tf.randomUniform(w.shape as number[], -0.4, 0.4, "float32", seed * 1000 + i);
        return w.name.includes("moving_variance") ? tf.add(tf.abs(r), 0.5) : r;
      }),
    ),
  );
  return model;
}

function batch(n: number, seed: number): { xs: tf.Tensor; ys: tf.Tensor } {
  const xs = tf.randomUniform([n, SIZE, SIZE, 3], 0, 1, "float32", seed);
  const labels = Array.from({ length: n }, (_, i) => (i * 7 + seed) % CLASSES);
  return { xs, ys: tf.oneHot(tf.tensor1d(labels, "int32"), CLASSES).toFloat() };
}

function dataset(n: number, seed: number): Dataset {
  const { xs, ys } = batch(n, seed);
  const labels = Array.from(tf.argMax(ys, -1).dataSync());
  return fromTensors(xs, labels, { validation: 0.2, seed });
}

const values = (m: tf.LayersModel) => m.weights.map((w) => Float32Array.from(w.read().dataSync()));
const relativeL2 = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return Math.sqrt(d / Math.max(n, 1e-30));
};

beforeAll(async () => {
  await backend.init("wasm");
});

afterAll(() => runningKerasProcess()?.close());

suite("the keras engine's converter", () => {
  test("a model goes to Keras and back with exactly the same weights, and predicts the same", async () => {
    const model = smallModel({ dropout: true, maxPooling: true });
    const before = values(model);
    const session = await KerasModelSession.open(model);
    const { xs } = batch(6, 3);
    const ours = model.predict(xs) as tf.Tensor;
    const theirs = await session.predict(xs);
    expect(theirs.shape).toEqual(ours.shape);
    expect(tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]).toBeLessThan(1e-5);
    model.setWeights(model.weights.map((w) => tf.zerosLike(w.read())));
    await session.pullWeights();
    const after = values(model);
    after.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(before[i].buffer))).toBe(true));
  });

  test("a layer that differs in Keras is refused in one sentence naming it, and nothing is trained", async () => {
    const input = tf.input({ shape: [4] });
    const output = tf.layers.dense({ units: 2, activation: "hardSigmoid", name: "gate" }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    const data = fromTensors(
      tf.randomUniform([16, 4], 0, 1, "float32", 5),
      Array.from({ length: 16 }, (_, i) => i % 2),
      { validation: 0 },
    );
    const before = values(model);
    await expect(fit(model, data, { engine: "keras", verbose: false })).rejects.toThrow(
      /^Layer gate \(Dense\) uses activation hard_sigmoid, which differs between the engines \(.*\); train this model with the tfjs engine\.$/,
    );
    expect(values(model)).toEqual(before);
  });
});

suite("parity with the tfjs engine (same weights, same batch)", () => {
  test("the loss agrees to 1e-5 and every trainable weight's gradient within 1e-4 (L2, relative)", async () => {
    const model = smallModel();
    const { xs, ys } = batch(8, 11);
    const session = await KerasModelSession.open(model, { classification: true, optimizer: "sgd", lr: 0.01 });
    const keras = await session.gradients(xs, ys);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const ours = tf.variableGrads(() => meanLoss(ys, model.apply(xs, { training: true }) as tf.Tensor, true), variables);
    expect(Math.abs(keras.loss - ours.value.dataSync()[0])).toBeLessThan(1e-5);
    let offset = 0;
    const worst: [string, number][] = [];
    for (const v of variables) {
      const g = ours.grads[v.name].dataSync();
      worst.push([v.name, relativeL2(keras.grads.subarray(offset, offset + g.length), g)]);
      offset += g.length;
    }
    expect(offset).toBe(keras.grads.length);
    expect(worst.filter(([, e]) => !(e < 1e-4))).toEqual([]);
  });

  test("one SGD step's update agrees within 1%", async () => {
    const lr = 0.05;
    const tfjsModel = smallModel();
    const kerasModel = smallModel();
    const { xs, ys } = batch(8, 12);
    const start = values(tfjsModel);
    const variables = tfjsModel.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => meanLoss(ys, tfjsModel.apply(xs, { training: true }) as tf.Tensor, true), variables);
    tf.train.sgd(lr).applyGradients(grads);
    const session = await KerasModelSession.open(kerasModel, { classification: true, optimizer: "sgd", lr });
    await session.step(xs, ys, lr);
    await session.pullWeights();
    const names = tfjsModel.weights.map((w) => w.originalName);
    const trainable = new Set(tfjsModel.trainableWeights.map((w) => w.originalName));
    const ours = values(tfjsModel);
    const theirs = values(kerasModel);
    const off: [string, number][] = [];
    names.forEach((name, i) => {
      if (!trainable.has(name)) return;
      const dOurs = ours[i].map((v, j) => v - start[i][j]);
      const dTheirs = theirs[i].map((v, j) => v - start[i][j]);
      const e = relativeL2(dTheirs, dOurs);
      if (!(e < 0.01)) off.push([name, e]);
    });
    expect(off).toEqual([]);
  });

  test("20 SGD steps at a small learning rate through tl.fit: the loss curves agree within 2%, and history says which engine ran", async () => {
    const data = dataset(250, 21); // 160 for training: 20 batches of 8
    const options = { epochs: 1, batchSize: 8, lr: 0.01, optimizer: "sgd" as const, seed: 4, verbose: false, cacheFrozen: false };
    const tfjsRun = await fit(smallModel(), data, { ...options, engine: "tfjs" });
    const kerasRun = await fit(smallModel(), data, { ...options, engine: "keras" });
    expect(tfjsRun.batchLoss).toHaveLength(20);
    expect(kerasRun.batchLoss).toHaveLength(20);
    const apart = kerasRun.batchLoss.map((loss, i) => Math.abs(loss - tfjsRun.batchLoss[i]) / tfjsRun.batchLoss[i]);
    expect(Math.max(...apart)).toBeLessThan(0.02);
    expect(tfjsRun.engine).toBe("tfjs");
    expect(kerasRun.engine).toMatch(/^keras 3\.\d+\.\d+ on tensorflow 2\.\d+\.\d+ \(CPU:0\)$/);
    expect(kerasRun.epochs[0].valLoss).toBeCloseTo(tfjsRun.epochs[0].valLoss!, 1);
  });
});

suite("tl.fit with engine: 'keras'", () => {
  test("frozen layers stay frozen and a frozen BatchNorm keeps its statistics (inference mode), as tl.freeze does", async () => {
    const model = smallModel();
    freeze(model, { upTo: "residual" });
    const frozen = new Set(["conv1", "conv1_bn", "dw", "dw_bn", "sep"]);
    const before = values(model);
    const names = model.weights.map((w) => w.originalName.split("/")[0]);
    // cacheFrozen off: the frozen layers themselves go to Keras and must stay put there.
    const history = await fit(model, dataset(48, 5), { engine: "keras", epochs: 1, batchSize: 16, lr: 0.05, verbose: false, cacheFrozen: false });
    expect(history.epochs).toHaveLength(1);
    const after = values(model);
    names.forEach((layer, i) => {
      if (frozen.has(layer)) expect([layer, Array.from(after[i])]).toEqual([layer, Array.from(before[i])]);
    });
    const hidden = names.indexOf("hidden");
    expect(after[hidden]).not.toEqual(before[hidden]);
  });

  test("with the frozen-activation cache only the layers above the boundary go to Keras, and training follows the same curve as without it", async () => {
    const data = dataset(48, 6);
    const options = { engine: "keras" as const, epochs: 2, batchSize: 16, lr: 0.01, seed: 4, verbose: false };
    const cachedModel = smallModel();
    freeze(cachedModel, { upTo: "flat" });
    const notes: string[] = [];
    // The engine's Python starts as fit begins, so its imports overlap the activation pass.
    runningKerasProcess()?.close();
    let engineRanDuringPreparation = false;
    const spy: Callback = {
      name: "spy",
      beforeFit: () => void (engineRanDuringPreparation = runningKerasProcess() !== undefined),
      afterEpoch: (state) => notes.push(...state.notes),
    };
    const cached = await fit(cachedModel, data, { ...options, callbacks: [spy] });
    expect(engineRanDuringPreparation).toBe(true);
    expect(notes.join(" ")).toMatch(/frozen layers up to flat computed once/);
    expect(cached.epochs).toHaveLength(2);
    // The frozen layers (BatchNorm in inference mode) give the same activations whether computed once or every step.
    const wholeModel = smallModel();
    freeze(wholeModel, { upTo: "flat" });
    const whole = await fit(wholeModel, data, { ...options, cacheFrozen: false });
    expect(cached.batchLoss).toHaveLength(whole.batchLoss.length);
    cached.batchLoss.forEach((loss, i) => expect(Math.abs(loss - whole.batchLoss[i])).toBeLessThan(1e-4 * whole.batchLoss[i] + 1e-5));
    // A fresh Python process imports TensorFlow first: tens of seconds on a loaded machine.
  }, 240_000);

  test("per-batch logs reach tl's callbacks, schedules set each step's rate, and an interrupt keeps the weights trained so far", async () => {
    const model = smallModel();
    const before = values(model);
    const seen: { batch: number; loss: number; lr: number }[] = [];
    const stopper: Callback = {
      name: "stopper",
      afterBatch(state) {
        seen.push({ batch: state.batch, loss: state.batchLoss, lr: state.lr });
        if (state.batch === 3) requestStop();
      },
    };
    const history = await fit(model, dataset(160, 8), {
      engine: "keras",
      epochs: 2,
      batchSize: 8,
      lr: 0.01,
      schedule: "onecycle",
      verbose: false,
      callbacks: [stopper],
    });
    expect(history.stopped).toBe("interrupted");
    expect(seen.map((s) => s.batch)).toEqual([0, 1, 2, 3]);
    expect(seen.every((s) => Number.isFinite(s.loss))).toBe(true);
    expect(seen[1].lr).toBeGreaterThan(seen[0].lr); // one-cycle warms up
    expect(values(model)).not.toEqual(before);
    const session = await KerasModelSession.open(model);
    const { xs } = batch(4, 9);
    expect(tf.max(tf.abs(tf.sub(model.predict(xs) as tf.Tensor, await session.predict(xs)))).dataSync()[0]).toBeLessThan(1e-5);
  });

  test("an interrupt while the engine's Python starts ends the fit without waiting for it: nothing trained, the model untouched, and the next fit trains", async () => {
    runningKerasProcess()?.close();
    const model = smallModel();
    // With the cache, the engine's model is converted and compiled during the activation pass.
    freeze(model, { upTo: "flat" });
    const before = values(model);
    let engineReady = false;
    const interrupter: Callback = {
      name: "interrupter",
      beforeFit() {
        // fit started the Python process as it began; it answers once Keras and TensorFlow are imported.
        void runningKerasProcess()!
          .request("hello")
          .then(() => (engineReady = true));
        requestStop();
      },
    };
    const data = dataset(48, 3);
    const options = { engine: "keras", epochs: 1, batchSize: 16, verbose: false } as const;
    const history = await fit(model, data, { ...options, callbacks: [interrupter] });
    expect(engineReady).toBe(false);
    expect(history.stopped).toBe("interrupted");
    expect(history.epochs).toHaveLength(0);
    expect(values(model)).toEqual(before);
    const again = await fit(model, data, options);
    expect(again.stopped).toBeUndefined();
    expect(again.epochs).toHaveLength(1);
    expect(values(model)).not.toEqual(before);
  }, 240_000); // a fresh Python imports TensorFlow: 10-60 s on this loaded machine

  test("a Python that fails to start is one sentence, and the model is as it was", async () => {
    runningKerasProcess()?.close();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-broken-python-"));
    const broken = path.join(dir, "python");
    fs.writeFileSync(broken, "#!/bin/sh\necho 'ModuleNotFoundError: No module named keras' >&2\nexit 3\n", { mode: 0o755 });
    const saved = process.env.TSFINE_PYTHON;
    process.env.TSFINE_PYTHON = broken;
    try {
      const model = smallModel();
      freeze(model, { upTo: "flat" });
      const before = values(model);
      await expect(fit(model, dataset(32, 4), { engine: "keras", epochs: 1, batchSize: 8, verbose: false })).rejects.toThrow(
        /^The keras engine's Python process exited with code 3 \(its last words: ModuleNotFoundError: No module named keras\) before the first batch; the model is as it was before this fit\.$/,
      );
      expect(values(model)).toEqual(before);
    } finally {
      if (saved === undefined) delete process.env.TSFINE_PYTHON;
      else process.env.TSFINE_PYTHON = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("if the Python process dies, fit says so in one sentence and the model is as it was before that fit; the next fit starts a new one", async () => {
    const model = smallModel();
    const before = values(model);
    const killer: Callback = {
      name: "killer",
      afterBatch(state) {
        if (state.step === 2) runningKerasProcess()?.kill("SIGKILL");
      },
    };
    await expect(fit(model, dataset(80, 9), { engine: "keras", epochs: 1, batchSize: 8, verbose: false, callbacks: [killer] })).rejects.toThrow(
      /^The keras engine's Python process was killed by SIGKILL.* at epoch 1, batch \d+; the model is as it was before this fit\.$/,
    );
    expect(values(model)).toEqual(before);
    const again = await fit(model, dataset(32, 9), { engine: "keras", epochs: 1, batchSize: 8, verbose: false });
    expect(again.epochs).toHaveLength(1);
  }, 240_000); // two starts of Python with TensorFlow: 10-60 s each on this loaded machine

  test("discriminative rates (lrMult) reach Keras: 20 SGD steps agree with the tfjs engine within 2%, and tl.fineTune runs both phases there", async () => {
    const data = dataset(250, 22);
    const options = { epochs: 1, batchSize: 8, lr: 0.02, lrMult: 10, optimizer: "sgd" as const, seed: 5, verbose: false, cacheFrozen: false };
    const tfjsRun = await fit(smallModel({ seed: 2 }), data, { ...options, engine: "tfjs" });
    const kerasRun = await fit(smallModel({ seed: 2 }), data, { ...options, engine: "keras" });
    const apart = kerasRun.batchLoss.map((loss, i) => Math.abs(loss - tfjsRun.batchLoss[i]) / tfjsRun.batchLoss[i]);
    expect(kerasRun.batchLoss).toHaveLength(20);
    expect(Math.max(...apart)).toBeLessThan(0.02);
    // Without the multipliers the bottom layers would move 10× more: the curves would part.
    const uniform = await fit(smallModel({ seed: 2 }), data, { ...options, lrMult: undefined, engine: "keras" });
    expect(uniform.batchLoss.slice(5).some((loss, i) => Math.abs(loss - kerasRun.batchLoss[i + 5]) / kerasRun.batchLoss[i + 5] > 1e-3)).toBe(true);

    const model = smallModel({ seed: 3 });
    freeze(model, { upTo: "residual" });
    const tuned = await fineTune(model, dataset(48, 7), { engine: "keras", freezeEpochs: 1, epochs: 1, batchSize: 16, verbose: false });
    expect(tuned.engine).toMatch(/^keras 3/);
    expect(tuned.epochs).toHaveLength(2);
  }, 240_000);

  test('devices: "all" on TensorFlow says it needs JAX, and nothing trains', async () => {
    const model = smallModel();
    const before = values(model);
    await expect(fit(model, dataset(32, 2), { engine: "keras", devices: "all", verbose: false })).rejects.toThrow(
      'devices: "all" trains data-parallel with keras.distribution, which runs on JAX, and this engine runs tensorflow: run `npx tsfine backend install keras --with jax` and set TSFINE_KERAS_FRAMEWORK=jax.',
    );
    expect(values(model)).toEqual(before);
  });

  test("tl.lrFind runs its trial steps in Keras and puts the weights back", async () => {
    const model = smallModel();
    const before = values(model);
    const found = await lrFind(model, dataset(160, 4), { engine: "keras", steps: 12, batchSize: 8, show: false, seed: 1 });
    expect(found.lrs.length).toBeGreaterThanOrEqual(5);
    expect(found.lrs[1]).toBeGreaterThan(found.lrs[0]);
    expect(found.losses.every(Number.isFinite)).toBe(true);
    expect(values(model)).toEqual(before);
  });

  test("tl.evaluate with the keras engine gives the tfjs engine's loss, accuracy and confusion matrix", async () => {
    const model = smallModel({ maxPooling: true });
    const data = dataset(60, 13);
    const ours = await evaluate(model, data, { show: false });
    const theirs = await evaluate(model, data, { show: false, engine: "keras" });
    expect(Math.abs(theirs.loss - ours.loss)).toBeLessThan(1e-5);
    expect(theirs.accuracy).toBe(ours.accuracy);
    expect(theirs.confusion).toEqual(ours.confusion);
  });

  test("an unknown engine is one sentence", async () => {
    await expect(fit(smallModel(), dataset(16, 1), { engine: "pytorch", verbose: false })).rejects.toThrow(
      /^engine must be one of "tfjs", "keras"; received "pytorch"\./,
    );
  });
});

suite("tl.engine.describe (%engine)", () => {
  test("names the framework, its devices and the interpreter, and advises which engine to pick", async () => {
    const description = await describeEngines();
    expect(description.default).toBe("tfjs");
    expect(description.engines).toEqual(["tfjs", "keras"]);
    expect(description.keras.info?.framework).toBe("tensorflow");
    expect(description.keras.info?.devices).toContain("CPU:0");
    const text = description.toMimeBundle()["text/plain"];
    expect(text).toMatch(
      /^engine: tfjs \(tl\.fit's default; engines: tfjs, keras\)\n {2}✓ keras: Keras 3\.\d+\.\d+ on tensorflow 2\.\d+\.\d+, devices CPU:0; \S+python \(.+\)\n/,
    );
    expect(text).toMatch(/The keras engine runs on the CPU here; .* tfjs stays the default\.$/);
    expect(description.toMimeBundle()["text/html"]).toContain("<code>keras</code>");
  });
});
