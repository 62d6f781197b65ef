import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { load as loadLayersModel } from "../io";
import type { BackboneEntry, BackboneOptions } from "./types";

/**
 * tsfine's own small CNN, pretrained on Fashion-MNIST by tl/backbones/pretrain-fashion.ts
 * (rerun it to reproduce tl/weights/fashion-cnn). Three conv blocks; the output is the last
 * block's feature map (7×7×64 at 28×28 input). Kept small (23 k parameters, ~4 MFLOP per
 * image) so it fine-tunes in seconds on the wasm backend.
 */
export function fashionCnnArchitecture(inputShape: number[] = [28, 28, 1]): tf.LayersModel {
  const input = tf.input({ shape: inputShape, name: "input" });
  let x = tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: "same", activation: "relu", name: "block1_conv" }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: "block1_pool" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: "same", activation: "relu", name: "block2_conv" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: "block2_pool" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: "same", activation: "relu", name: "block3_conv" }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x, name: "fashion_cnn" });
}

/** tl/weights/fashion-cnn, found from the source tree or from dist/. */
export function fashionCnnWeightsDir(): string {
  const candidates = [path.join(__dirname, "../weights/fashion-cnn"), path.join(__dirname, "../../../tl/weights/fashion-cnn")];
  const found = candidates.find((d) => fs.existsSync(path.join(d, "model.json")));
  if (!found) {
    throw new Error(
      `The fashion-cnn weights are missing (looked in ${candidates.join(" and ")}); run \`node dist/tl/backbones/pretrain-fashion.js\` to make them.`,
    );
  }
  return found;
}

async function loadFashionCnn(options: BackboneOptions): Promise<tf.LayersModel> {
  const inputShape = options.inputShape ?? [28, 28, 1];
  if (inputShape.length !== 3 || inputShape[2] !== 1) {
    throw new Error(`fashion-cnn takes grey images [height, width, 1]; got [${inputShape.join(", ")}].`);
  }
  const model = fashionCnnArchitecture(inputShape);
  const weights = options.weights === undefined ? "pretrained" : options.weights;
  if (weights === null) return model;
  const saved = await loadLayersModel(weights === "pretrained" ? fashionCnnWeightsDir() : weights);
  // Copy by layer name: the saved file may carry a classifier head the backbone leaves out.
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    layer.setWeights(saved.getLayer(layer.name).getWeights());
  }
  saved.dispose();
  return model;
}

export const fashionCnn: BackboneEntry = {
  name: "fashion_cnn",
  description: "A small 3-block CNN pretrained by tsfine on Fashion-MNIST (60 000 clothing images, 10 classes) with tl/backbones/pretrain-fashion.ts.",
  inputShape: [28, 28, 1],
  params: 23_296,
  source: "tsfine (tl/weights/fashion-cnn), trained on Fashion-MNIST (Zalando Research)",
  licence: "MIT (weights and data)",
  offline: true,
  inputRange: "[0, 1] grey",
  // Its 7×7×64 map keeps where a stroke is. On 20 MNIST digits per class (150 steps, seeds 4-6,
  // examples/less-data-sweep.js) a head on the frozen backbone reached 90.4% flattened and
  // layer-normalised, 36% (lr 1e-3) to 65% (3e-3) averaged without normalisation, which learns too
  // slowly from 64 small averages; fine-tuned, 90.7% against 69-83%.
  head: { pooling: "flatten", normalize: true },
  load: loadFashionCnn,
};
