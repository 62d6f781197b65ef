import type * as tf from "@tensorflow/tfjs";
import { loadModelFrom } from "./url";
import type { BackboneEntry, BackboneOptions } from "./types";

const alphas = [0.25, 0.5, 0.75, 1.0];

/** The MobileNet v1 LayersModels published for TensorFlow.js (ImageNet, Keras layer names). */
export function mobilenetV1Url(alpha: number): string {
  const a = alpha === 1 ? "1.0" : alpha.toFixed(2);
  return `https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_${a}_224/model.json`;
}

async function load(options: BackboneOptions): Promise<tf.LayersModel> {
  const alpha = options.alpha ?? 1;
  if (!alphas.includes(alpha)) throw new Error(`mobilenet_v1 exists at alpha ${alphas.join(", ")}; got ${alpha}.`);
  if (options.weights === null) throw new Error("mobilenet_v1 is only available with its pretrained weights (weights: null is not supported).");
  const url = typeof options.weights === "string" && options.weights !== "pretrained" ? options.weights : mobilenetV1Url(alpha);
  return loadModelFrom(url, { inputShape: options.inputShape, outputLayer: "conv_pw_13_relu", name: `mobilenet_v1_${alpha}` });
}

export const mobilenetV1Hub: BackboneEntry = {
  name: "mobilenet_v1",
  description: "MobileNet v1 trained on ImageNet, as published for TensorFlow.js by Google; cut at conv_pw_13_relu (downloads once, then cached).",
  inputShape: [224, 224, 3],
  params: 3_228_864,
  source: "https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_{alpha}_224/model.json",
  licence: "Apache-2.0",
  offline: false,
  alphas,
  inputRange: "[-1, 1] RGB",
  load,
};
