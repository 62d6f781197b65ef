import type * as tf from "@tensorflow/tfjs";
import { loadModelFrom } from "./url";
import type { BackboneEntry, BackboneOptions } from "./types";

const alphas = [0.35, 0.5, 0.75, 1.0];

/** The no-top MobileNet v2 LayersModels Teachable Machine trains on (ImageNet, Keras applications). */
export function teachableMobilenetV2Url(alpha: number): string {
  return `https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${alpha.toFixed(2)}_224_no_top/model.json`;
}

async function load(options: BackboneOptions): Promise<tf.LayersModel> {
  const alpha = options.alpha ?? 1;
  if (!alphas.includes(alpha)) throw new Error(`teachable_mobilenet_v2 exists at alpha ${alphas.join(", ")}; got ${alpha}.`);
  if (options.weights === null) throw new Error("teachable_mobilenet_v2 is only available with its pretrained weights.");
  const url = typeof options.weights === "string" && options.weights !== "pretrained" ? options.weights : teachableMobilenetV2Url(alpha);
  return loadModelFrom(url, { inputShape: options.inputShape, name: `teachable_mobilenet_v2_${alpha}` });
}

export const teachableMobilenetV2Hub: BackboneEntry = {
  name: "teachable_mobilenet_v2",
  description: "Keras MobileNetV2 ImageNet weights without top, as hosted for Teachable Machine (downloads once, then cached).",
  inputShape: [224, 224, 3],
  params: 2_257_984,
  source: "https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{alpha}_224_no_top/model.json",
  licence: "Apache-2.0",
  offline: false,
  alphas,
  inputRange: "[-1, 1] RGB",
  load,
};
