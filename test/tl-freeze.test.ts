import * as tf from "@tensorflow/tfjs";
import { backend } from "../tl/backend";
import { freeze, freezeTo, layerGroups, unfreeze } from "../tl/freeze";

/** A small MobileNet-like network with block-style layer names, BatchNorm everywhere. */
function smallNet(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  let x = tf.layers.conv2d({ name: "Conv1", filters: 4, kernelSize: 3, padding: "same", useBias: false }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: "bn_Conv1" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: "Conv1_relu", maxValue: 6 }).apply(x) as tf.SymbolicTensor;
  for (const block of [1, 2]) {
    x = tf.layers.depthwiseConv2d({ name: `block_${block}_depthwise`, kernelSize: 3, padding: "same", useBias: false }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `block_${block}_depthwise_BN` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.conv2d({ name: `block_${block}_project`, filters: 4, kernelSize: 1, useBias: false }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `block_${block}_project_BN` }).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.globalAveragePooling2d({ name: "pool" }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ name: "logits", units: 3, activation: "softmax" }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: "small_net" });
}

function snapshot(model: tf.LayersModel, layerName: string): Float32Array[] {
  return model
    .getLayer(layerName)
    .getWeights()
    .map((w) => w.dataSync() as Float32Array);
}

function sameBits(a: Float32Array[], b: Float32Array[]): boolean {
  return a.length === b.length && a.every((arr, i) => Buffer.from(arr.buffer).equals(Buffer.from(b[i].buffer)));
}

async function fitOnce(model: tf.LayersModel): Promise<void> {
  model.compile({ optimizer: tf.train.adam(0.05), loss: "categoricalCrossentropy" });
  const xs = tf.randomNormal([16, 8, 8, 3], 0, 1, "float32", 1);
  const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], "int32"), 3);
  await model.fit(xs, ys, { epochs: 2, batchSize: 8, verbose: 0 });
  xs.dispose();
  ys.dispose();
}

beforeAll(async () => {
  await backend.init();
});

describe("tl.freeze", () => {
  test("a frozen BatchNorm keeps gamma, beta and moving statistics bit-identical through fit; an unfrozen one changes", async () => {
    const model = smallNet();
    freeze(model, { upTo: "block_1" });
    const frozenBefore = snapshot(model, "block_1_project_BN");
    const stemBefore = snapshot(model, "bn_Conv1");
    const trainableBefore = snapshot(model, "block_2_project_BN");
    await fitOnce(model);
    expect(sameBits(snapshot(model, "block_1_project_BN"), frozenBefore)).toBe(true);
    expect(sameBits(snapshot(model, "bn_Conv1"), stemBefore)).toBe(true);
    const trainableAfter = snapshot(model, "block_2_project_BN");
    // gamma, beta, moving mean, moving variance all move
    trainableAfter.forEach((values, i) => expect(sameBits([values], [trainableBefore[i]])).toBe(false));
  });

  test("a frozen BatchNorm normalises with its moving statistics during training", () => {
    const model = smallNet();
    freeze(model, { layers: ["bn_Conv1"] });
    const bn = model.getLayer("bn_Conv1");
    const x = tf.randomNormal([4, 8, 8, 4], 3, 2, "float32", 2);
    const inTraining = bn.apply(x, { training: true }) as tf.Tensor;
    const inInference = bn.apply(x, { training: false }) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(inTraining, inInference))).dataSync()[0]).toBe(0);
    unfreeze(model);
    const batchStats = bn.apply(x, { training: true }) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(batchStats, inInference))).dataSync()[0]).toBeGreaterThan(0.1);
    tf.dispose([x, inTraining, inInference, batchStats]);
  });

  test("the summary counts trainable, frozen and statistic parameters", () => {
    const model = smallNet();
    // Conv1 3·3·3·4 = 108; BN 4+4 trainable (+8 statistics) ×5; depthwise 3·3·4 = 36 ×2; project 16 ×2; dense 4·3+3 = 15
    const all = unfreeze(model);
    expect(all.trainableParams).toBe(108 + 5 * 8 + 2 * 36 + 2 * 16 + 15);
    expect(all.frozenParams).toBe(0);
    expect(all.statisticParams).toBe(5 * 8);
    expect(all.trainableParams).toBe(model.trainableWeights.reduce((n, w) => n + w.shape.reduce((p, q) => p * (q ?? 1), 1), 0));

    const summary = freeze(model, { upTo: "block_1" });
    expect(summary.frozenParams).toBe(108 + 8 + 36 + 8 + 16 + 8);
    expect(summary.trainableParams).toBe(36 + 8 + 16 + 8 + 15);
    expect(summary.frozenLayers).toEqual([
      "Conv1",
      "bn_Conv1",
      "Conv1_relu",
      "block_1_depthwise",
      "block_1_depthwise_BN",
      "block_1_project",
      "block_1_project_BN",
    ]);
    expect(summary.toMimeBundle()["text/plain"]).toContain("frozen    Conv1 … block_1 (2 groups)");
    expect(summary.toMimeBundle()["text/html"]).toContain("<table>");
  });

  test("layer groups follow block names; BatchNorm and activations join the layer before them", () => {
    const groups = layerGroups(smallNet()).map((g) => [g.name, g.layers.length]);
    expect(groups).toEqual([
      ["Conv1", 3],
      ["block_1", 4],
      ["block_2", 4],
      ["pool", 1],
      ["logits", 1],
    ]);
  });

  test("freezeTo and unfreeze work in layer groups", () => {
    const model = smallNet();
    expect(freezeTo(model, -1).trainableLayers).toEqual(["logits"]);
    expect(freezeTo(model, 2).frozenLayers).toHaveLength(7);
    expect(unfreeze(freeze(model) && model, { last: 2 }).trainableLayers).toEqual(["pool", "logits"]);
    expect(unfreeze(model, { from: "block_2" }).frozenLayers).toHaveLength(7);
    expect(freeze(model, { match: /_BN$/ }).frozenLayers).toContain("block_2_project_BN");
  });

  test("an unknown layer name is one clear error listing the nearest names", () => {
    const model = smallNet();
    expect(() => freeze(model, { upTo: "block_3" })).toThrow(/No layer or block named "block_3" in model "small_net"; nearest names: block_1, block_2/);
    expect(() => unfreeze(model, { from: "logit" })).toThrow(/nearest names: logits/);
  });

  test("frozen parts of a nested backbone stay fixed when the outer model trains", async () => {
    const base = smallNet();
    const features = tf.model({ inputs: base.inputs, outputs: base.getLayer("pool").output as tf.SymbolicTensor, name: "features" });
    const input = tf.input({ shape: [8, 8, 3] });
    const head = tf.layers.dense({ units: 3, activation: "softmax", name: "head" });
    const model = tf.model({ inputs: input, outputs: head.apply(features.apply(input)) as tf.SymbolicTensor });
    freeze(features);
    const before = snapshot(model, "features");
    await fitOnce(model);
    expect(sameBits(snapshot(model, "features"), before)).toBe(true);
    expect(summaryOf(model).trainableParams).toBe(4 * 3 + 3);
  });
});

function summaryOf(model: tf.LayersModel) {
  return unfreeze(model, { last: 0 });
}
