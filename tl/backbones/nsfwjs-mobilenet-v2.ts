import type * as tf from "@tensorflow/tfjs";
import { buildCut } from "./nsfwjs-files";
import type { BackboneEntry, BackboneOptions } from "./types";

/** Smallest input whose stride-32 feature map is at least 1×1, and keeps Keras' (0,1) padding right. */
function checkSize(inputShape: number[]): void {
  const [h, w, c] = inputShape;
  if (inputShape.length !== 3 || c !== 3) {
    throw new Error(`mobilenet_v2 takes colour images [height, width, 3]; got [${inputShape.join(", ")}].`);
  }
  if (h < 32 || w < 32 || h % 32 !== 0 || w % 32 !== 0) {
    throw new Error(`mobilenet_v2 needs height and width that are multiples of 32 (e.g. 96, 128, 160, 224); got ${h}×${w}.`);
  }
}

async function load(options: BackboneOptions): Promise<tf.LayersModel> {
  if (options.alpha !== undefined && options.alpha !== 1) {
    throw new Error(`The offline mobilenet_v2 exists only at alpha 1.0; for other widths use teachable_mobilenet_v2 (needs internet).`);
  }
  const inputShape = options.inputShape ?? [224, 224, 3];
  checkSize(inputShape);
  if (options.weights !== undefined && options.weights !== null && options.weights !== "pretrained") {
    throw new Error(`mobilenet_v2 loads its weights from the nsfwjs package; for other weights use tl.backbone("<url or folder>").`);
  }
  return buildCut("mobilenet_v2", "out_relu", inputShape, "mobilenet_v2", options.weights !== null);
}

export const nsfwjsMobileNetV2: BackboneEntry = {
  name: "mobilenet_v2",
  description:
    "Keras MobileNetV2 (alpha 1.0) whose weights were fine-tuned from ImageNet for content moderation by the nsfwjs authors " +
    "(GantMan/nsfw_model); read offline from the nsfwjs npm package (uint8-quantised) and cut below its classifier at out_relu " +
    "(7×7×1280 at 224²).",
  inputShape: [224, 224, 3],
  params: 2_257_984,
  source: "nsfwjs@4.4.0 npm package (GantMan/nsfw_model), fine-tuned from Keras' ImageNet MobileNetV2",
  licence: "MIT",
  offline: true,
  inputRange: "[0, 1] RGB",
  load,
};
