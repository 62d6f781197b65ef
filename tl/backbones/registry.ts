import type * as tf from "@tensorflow/tfjs";
import { nearestNote } from "../nearest-names";
import { fashionCnn } from "./fashion-cnn";
import { mobilenetV1Hub } from "./mobilenet-v1-hub";
import { nsfwjsInceptionV3 } from "./nsfwjs-inception-v3";
import { nsfwjsMobileNetV2 } from "./nsfwjs-mobilenet-v2";
import { teachableMobilenetV2Hub } from "./teachable-mobilenet-v2-hub";
import { recommendHead } from "./head-defaults";
import type { BackboneEntry, BackboneOptions } from "./types";
import { isLocalModelPath, isUrl, loadModelFrom } from "./url";

const entries: BackboneEntry[] = [fashionCnn, nsfwjsMobileNetV2, nsfwjsInceptionV3, mobilenetV1Hub, teachableMobilenetV2Hub];

/** Extra spellings people use. */
const aliases: Record<string, string> = {
  mobilenetv2: "mobilenet_v2",
  "mobilenet-v2": "mobilenet_v2",
  inceptionv3: "inception_v3",
  "inception-v3": "inception_v3",
  "fashion-cnn": "fashion_cnn",
  "mobilenet-v1": "mobilenet_v1",
};

export interface BackboneListing {
  name: string;
  input: string;
  params: number;
  offline: boolean;
  source: string;
  licence: string;
  description: string;
}

export function findBackbone(name: string): BackboneEntry | undefined {
  const key = aliases[name.toLowerCase()] ?? name.toLowerCase();
  return entries.find((e) => e.name === key);
}

/** What `tl.backbone(name)` knows: name, input size, parameters, source and licence. */
export function backbones(): BackboneListing[] & { toMimeBundle(): Record<string, unknown> } {
  const rows = entries.map((e) => ({
    name: e.name,
    input: e.inputShape.join("×"),
    params: e.params,
    offline: e.offline,
    source: e.source,
    licence: e.licence,
    description: e.description,
  }));
  return Object.assign(rows, {
    toMimeBundle() {
      const text = rows
        .map((r) => `${r.name.padEnd(24)} ${r.input.padEnd(12)} ${String(r.params).padStart(11)}  ${r.offline ? "offline" : "needs internet"}  ${r.licence}`)
        .join("\n");
      const html =
        `<table><tr><th>name</th><th>input</th><th>params</th><th>offline</th><th>source</th><th>licence</th></tr>` +
        rows
          .map(
            (r) =>
              `<tr><td><code>${r.name}</code></td><td>${r.input}</td><td>${r.params.toLocaleString("en")}</td><td>${r.offline ? "yes" : "no"}</td><td title="${r.description.replace(/"/g, "&quot;")}">${r.source}</td><td>${r.licence}</td></tr>`,
          )
          .join("") +
        `</table>`;
      return { "text/plain": text, "text/html": html };
    },
  });
}

/**
 * A pretrained network without its classifier: a registry name (see backbones()), a URL of a
 * tfjs model.json (downloaded once into the cache), or a local folder / model.json path.
 */
export async function backbone(name: string, options: BackboneOptions & { outputLayer?: string } = {}): Promise<tf.LayersModel> {
  if (isUrl(name) || isLocalModelPath(name)) {
    return loadModelFrom(name, { inputShape: options.inputShape, outputLayer: options.outputLayer });
  }
  const entry = findBackbone(name);
  if (!entry) {
    throw new Error(
      `Unknown backbone "${name}"${nearestNote(
        name,
        entries.map((e) => e.name),
      )}; tl.backbones() lists them, or give a model.json URL or folder.`,
    );
  }
  return recommendHead(await entry.load(options), entry.head);
}
