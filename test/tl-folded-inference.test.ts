/**
 * BatchNorm folded into the convolution before it (tl/fit/folded-inference.ts, what the
 * frozen-activation pass runs): the same outputs within float rounding, on a model with every
 * case (bias or not, depthwise with a multiplier, BatchNorm without scale or center, ReLU6 and
 * ReLU taken into the convolution, a convolution whose output also goes elsewhere left alone)
 * and on MobileNetV2 with its trained statistics.
 */
import * as tf from "@tensorflow/tfjs";
import { backend } from "../tl/backend";
import { backbone } from "../tl/backbones/registry";
import { foldedInference } from "../tl/fit/folded-inference";
import { freezeBoundary } from "../tl/fit/model-graph";
import { freeze } from "../tl/freeze";
import { classifier } from "../tl/heads";

beforeAll(async () => {
  await backend.init("wasm");
});

/** Largest difference relative to the largest value of the reference. */
function relativeDifference(reference: tf.Tensor, other: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(reference, other))).dataSync()[0] / tf.max(tf.abs(reference)).dataSync()[0]);
}

/** Random weights, and BatchNorm statistics far from 0 and 1, so a wrong fold shows. */
function randomize(model: tf.LayersModel, seed: number): void {
  model.setWeights(
    model.weights.map((w, i) =>
      tf.tidy(() =>
        /variance/.test(w.name)
          ? tf.randomUniform(w.shape as number[], 0.2, 3, "float32", seed + i)
          : tf.randomNormal(w.shape as number[], 0, 0.7, "float32", seed + i),
      ),
    ),
  );
}

test("every foldable convolution and BatchNorm pair gives the unfolded outputs within 1e-5", () => {
  const L = tf.layers;
  const input = tf.input({ shape: [12, 12, 3] });
  let x = L.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: "same", useBias: true, name: "c1" }).apply(input) as tf.SymbolicTensor;
  x = L.batchNormalization({ name: "c1_bn" }).apply(x) as tf.SymbolicTensor;
  x = L.reLU({ maxValue: 6, name: "c1_relu6" }).apply(x) as tf.SymbolicTensor;
  x = L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: "same", useBias: false, name: "dw" }).apply(x) as tf.SymbolicTensor;
  x = L.batchNormalization({ scale: false, name: "dw_bn" }).apply(x) as tf.SymbolicTensor;
  x = L.activation({ activation: "relu", name: "dw_relu" }).apply(x) as tf.SymbolicTensor;
  const branch = L.conv2d({ filters: 12, kernelSize: 1, useBias: false, name: "pw" }).apply(x) as tf.SymbolicTensor;
  // pw's output feeds its BatchNorm and the Add: it must stay as it is.
  const normed = L.batchNormalization({ center: false, name: "pw_bn" }).apply(branch) as tf.SymbolicTensor;
  x = L.add({ name: "sum" }).apply([normed, branch]) as tf.SymbolicTensor;
  x = L.conv2d({ filters: 4, kernelSize: 1, useBias: false, name: "last" }).apply(x) as tf.SymbolicTensor;
  const out = L.batchNormalization({ name: "last_bn" }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  randomize(model, 40);
  const images = tf.randomNormal([5, 12, 12, 3], 0, 1, "float32", 9);
  const before = tf.memory().numTensors;
  const folded = foldedInference(model, [out]);
  expect(folded.folded).toBe(3);
  const [reference, result] = [model.predict(images) as tf.Tensor, folded.model.predict(images) as tf.Tensor];
  expect(result.shape).toEqual(reference.shape);
  expect(relativeDifference(reference, result)).toBeLessThan(1e-5);
  tf.dispose([reference, result]);
  folded.dispose();
  expect(tf.memory().numTensors).toBe(before);
  // The model itself is untouched and still predicts.
  expect(relativeDifference(model.predict(images) as tf.Tensor, model.predict(images) as tf.Tensor)).toBe(0);
  model.dispose();
  images.dispose();
});

test("MobileNetV2's frozen part, folded, gives its activations within 1e-5", async () => {
  const base = await backbone("mobilenet_v2", { inputShape: [96, 96, 3] });
  const model = classifier(base, { classes: 3, dropout: 0 });
  freeze(base);
  const boundary = freezeBoundary(model)!;
  const lower = tf.model({ inputs: model.inputs, outputs: boundary.tensor });
  const folded = foldedInference(model, [boundary.tensor]);
  expect(folded.folded).toBe(52);
  const images = tf.randomUniform([4, 96, 96, 3], 0, 1, "float32", 3);
  const [reference, result] = [lower.predict(images) as tf.Tensor, folded.model.predict(images) as tf.Tensor];
  expect(relativeDifference(reference, result)).toBeLessThan(1e-5);
  tf.dispose([reference, result, images]);
  folded.dispose();
  model.dispose();
}, 120_000);
