/**
 * The converter on tl's own backbones and heads (the offline ones) and on tl.text's EmbeddingBag:
 * Keras predicts what tfjs predicts, and the weights come back bit for bit. Real Keras (installed
 * by `tsfine backend install keras`); skipped without it here, failing under CI=true.
 */
import * as tf from "@tensorflow/tfjs";
import { backend } from "../tl/backend";
import { backbone } from "../tl/backbones/registry";
import { classifier } from "../tl/heads";
import { EmbeddingBag } from "../tl/text/embedding-bag";
import { meanLoss } from "../tl/fit/measure";
import { findInterpreter, runningKerasProcess } from "../tl/engine/keras/process";
import { KerasModelSession } from "../tl/engine/keras/session";

const available = findInterpreter() !== undefined || process.env.CI === "true";
const suite = available ? describe : describe.skip;

const bits = (m: tf.LayersModel) => m.weights.map((w) => Buffer.from(w.read().dataSync().buffer).toString("base64"));

async function checkRoundTrip(model: tf.LayersModel, xs: tf.Tensor): Promise<void> {
  const session = await KerasModelSession.open(model);
  const ours = model.predict(xs) as tf.Tensor;
  const theirs = await session.predict(xs);
  expect(tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]).toBeLessThan(1e-5);
  const before = bits(model);
  model.setWeights(model.weights.map((w) => tf.zerosLike(w.read())));
  await session.pullWeights();
  expect(bits(model)).toEqual(before);
}

beforeAll(async () => {
  await backend.init("wasm");
});

afterAll(() => runningKerasProcess()?.close());

suite("tl's backbones with a classifier head go to Keras and back exactly", () => {
  test.each([
    ["fashion_cnn", undefined],
    ["mobilenet_v2", [96, 96, 3]],
    ["inception_v3", [75, 75, 3]],
  ] as const)(
    "%s",
    async (name, inputShape) => {
      const base = await backbone(name, inputShape ? { inputShape: [...inputShape] } : {});
      const model = classifier(base, { classes: 5, hidden: 8, dropout: 0.2 });
      await checkRoundTrip(model, tf.randomUniform([2, ...(model.inputs[0].shape.slice(1) as number[])], 0, 1, "float32", 3));
    },
    120_000,
  );

  test("tl.text's EmbeddingBag: same outputs, and its table's gradient within 1e-4", async () => {
    const input = tf.input({ shape: [6] });
    const bag = new EmbeddingBag({ inputDim: 20, outputDim: 4, name: "bag" }).apply(input) as tf.SymbolicTensor;
    const output = tf.layers.dense({ units: 3, activation: "softmax", name: "out" }).apply(bag) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    model.setWeights(model.weights.map((w, i) => tf.randomUniform(w.shape as number[], -0.5, 0.5, "float32", 70 + i)));
    // Padded texts: id 0 takes no part in the mean.
    const ids = tf.tensor2d([3, 5, 7, 0, 0, 0, 1, 1, 19, 4, 0, 0, 2, 0, 0, 0, 0, 0], [3, 6]);
    await checkRoundTrip(model, ids);
    const ys = tf.oneHot(tf.tensor1d([0, 2, 1], "int32"), 3).toFloat();
    const session = await KerasModelSession.open(model, { classification: true, optimizer: "sgd", lr: 0.1 });
    const keras = await session.gradients(ids, ys);
    const table = model.trainableWeights[0].read() as tf.Variable;
    const { grads } = tf.variableGrads(() => meanLoss(ys, model.apply(ids, { training: true }) as tf.Tensor, true), [table]);
    const ours = grads[table.name].dataSync();
    const theirs = keras.grads.subarray(0, ours.length);
    let d = 0,
      n = 0;
    for (let i = 0; i < ours.length; i++) {
      d += (ours[i] - theirs[i]) ** 2;
      n += ours[i] ** 2;
    }
    expect(Math.sqrt(d / n)).toBeLessThan(1e-4);
  });
});
