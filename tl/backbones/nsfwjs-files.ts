import { existsSync, readFileSync } from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { rebuild } from "./keras-cut";

/**
 * What a person reads when a model's files are missing. The browser kernel, where `%npm` cannot run,
 * gives its own sentence through tl/kernel-seams.
 */
let explainMissing = (_folder: string): string => "The nsfwjs backbones need the nsfwjs package, which is not installed: run `%npm install nsfwjs@4.4.0`.";

export function explainMissingNsfwjsFiles(explain: (folder: string) => string): void {
  explainMissing = explain;
}

/**
 * nsfwjs ships its Keras models as UMD .min.js files: model.min.js exports the model.json
 * object, each group1-shardNofM.min.js exports one base64 string of (uint8-quantised)
 * weights. The package's `exports` map blocks deep requires, so the files are located from
 * its main entry. Decoding with Buffer takes milliseconds; nsfwjs' own loader takes seconds.
 */
function modelDir(folder: string): string {
  let main: string;
  try {
    main = require.resolve("nsfwjs");
  } catch {
    throw new Error(explainMissing(folder));
  }
  const dir = path.join(path.dirname(main), "..", "models", folder);
  if (!existsSync(path.join(dir, "model.min.js"))) throw new Error(explainMissing(folder));
  return dir;
}

/**
 * One UMD file's export, run as a CommonJS module from its text: read through fs rather than
 * required, so the browser kernel's bundle, which has no require, reads it from its site's files.
 */
function umdExport(file: string): unknown {
  const module = { exports: {} as unknown };
  new Function("module", "exports", readFileSync(file, "utf8"))(module, module.exports);
  return module.exports;
}

export interface KerasModelJson {
  modelTopology: {
    model_config: { class_name: string; config: { name: string; layers: KerasLayer[]; input_layers: unknown[]; output_layers: unknown[] } };
    [key: string]: unknown;
  };
  weightsManifest: tf.io.WeightsManifestConfig;
}

export interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown> & { name: string };
  inbound_nodes: unknown[];
}

const cache = new Map<string, { json: KerasModelJson; weights: ArrayBuffer }>();

/** The topology (a fresh copy, safe to edit) and the concatenated weight bytes of one model. */
export function readNsfwjsModel(folder: string): { json: KerasModelJson; weights: ArrayBuffer } {
  let entry = cache.get(folder);
  if (!entry) {
    const dir = modelDir(folder);
    const json = umdExport(path.join(dir, "model.min.js")) as KerasModelJson;
    const buffers: ArrayBuffer[] = [];
    for (const group of json.weightsManifest) {
      for (const p of group.paths) {
        const base64 = umdExport(path.join(dir, `${p}.min.js`)) as string;
        const bytes = Buffer.from(base64, "base64");
        buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      }
    }
    entry = { json, weights: tf.io.CompositeArrayBuffer.join(buffers) };
    cache.set(folder, entry);
  }
  return { json: JSON.parse(JSON.stringify(entry.json)), weights: entry.weights };
}

/**
 * Builds the LayersModel from the Keras topology cut at `outputLayer` (everything after it is
 * dropped) with the input set to `inputShape`, and loads the pretrained weights by name.
 */
export async function buildCut(folder: string, outputLayer: string, inputShape: number[], name: string, pretrained: boolean): Promise<tf.LayersModel> {
  const { json, weights } = readNsfwjsModel(folder);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology as unknown as tf.io.ModelArtifacts["modelTopology"],
    format: "layers-model",
  };
  if (pretrained) {
    artifacts.weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
    artifacts.weightData = weights;
  }
  return rebuild(artifacts, { inputShape, outputLayer, name });
}
