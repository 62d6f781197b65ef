import type * as tf from "@tensorflow/tfjs";
import { buildCut } from "./nsfwjs-files";
import type { BackboneEntry, BackboneOptions } from "./types";

async function load(options: BackboneOptions): Promise<tf.LayersModel> {
  const inputShape = options.inputShape ?? [299, 299, 3];
  const [h, w, c] = inputShape;
  if (inputShape.length !== 3 || c !== 3) {
    throw new Error(`inception_v3 takes colour images [height, width, 3]; got [${inputShape.join(", ")}].`);
  }
  if (h < 75 || w < 75) throw new Error(`inception_v3 needs images of at least 75×75; got ${h}×${w}.`);
  if (options.alpha !== undefined && options.alpha !== 1) throw new Error("inception_v3 has no width multiplier (alpha).");
  if (options.weights !== undefined && options.weights !== null && options.weights !== "pretrained") {
    throw new Error(`inception_v3 loads its weights from the nsfwjs package; for other weights use tl.backbone("<url or folder>").`);
  }
  return buildCut("inception_v3", "mixed10", inputShape, "inception_v3", options.weights !== null);
}

export const nsfwjsInceptionV3: BackboneEntry = {
  name: "inception_v3",
  description:
    "Keras InceptionV3 whose weights were fine-tuned from ImageNet for content moderation by the nsfwjs authors " +
    "(GantMan/nsfw_model); read offline from the nsfwjs npm package (uint8-quantised) and cut below its classifier at mixed10 " +
    "(8×8×2048 at 299²).",
  inputShape: [299, 299, 3],
  params: 21_802_784,
  source: "nsfwjs@4.4.0 npm package (GantMan/nsfw_model), fine-tuned from Keras' ImageNet InceptionV3",
  licence: "MIT",
  offline: true,
  inputRange: "[0, 1] RGB",
  load,
};
