/**
 * The tfjs side of the converter: what the Python side needs to build the same model in Keras
 * (the topology tfjs serialises, and a manifest of every leaf layer's weights in order), and the
 * weights both ways as one flat float32 .npy (exact: the same 32-bit values cross unchanged).
 */
import * as tf from "@tensorflow/tfjs";
import { leafLayers } from "../../freeze";
import { readNpy, writeNpy } from "./npy";

export interface ManifestEntry {
  layer: string;
  shapes: number[][];
  trainable: boolean;
}

/** Leaf layers that hold weights, in order; each lists its weights as tfjs orders them (trainable kind first). */
export function weightManifest(model: tf.LayersModel): ManifestEntry[] {
  return leafLayers(model)
    .filter((layer) => layer.weights.length > 0)
    .map((layer) => ({ layer: layer.name, shapes: layer.weights.map((w) => w.shape as number[]), trainable: layer.trainable }));
}

/** The variables behind the manifest, in its order. */
function manifestVariables(model: tf.LayersModel): tf.LayerVariable[] {
  return leafLayers(model).flatMap((layer) => layer.weights);
}

/** model.toJSON() as an object: the Keras-format topology without the weights. */
export function topology(model: tf.LayersModel): object {
  return model.toJSON(null, false) as object;
}

export function writeWeights(model: tf.LayersModel, file: string): void {
  const variables = manifestVariables(model);
  const total = variables.reduce((n, v) => n + v.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
  const flat = new Float32Array(total);
  let offset = 0;
  for (const v of variables) {
    const values = v.read().dataSync() as Float32Array;
    flat.set(values, offset);
    offset += values.length;
  }
  writeNpy(file, flat, [total]);
}

/** Puts the flat weights in `file` into the model's variables (manifest order). */
export function readWeights(model: tf.LayersModel, file: string): void {
  const { values } = readNpy(file);
  const variables = manifestVariables(model);
  let offset = 0;
  const tensors: tf.Tensor[] = [];
  for (const v of variables) {
    const size = v.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    if (offset + size > values.length) throw new Error(`The keras engine sent ${values.length} weight values; ${model.name} holds more.`);
    tensors.push(tf.tensor(values.subarray(offset, offset + size), v.shape as number[]));
    offset += size;
  }
  if (offset !== values.length) throw new Error(`The keras engine sent ${values.length} weight values; ${model.name} holds ${offset}.`);
  variables.forEach((v, i) => v.write(tensors[i]));
  tf.dispose(tensors);
}
