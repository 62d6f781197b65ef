/**
 * tl.export: model.json + weights.bin (as tl.save writes them), metadata.json with the labels
 * and the preprocessing, and a loader for tsfine's own layers — a folder plain TensorFlow.js
 * can use in Node or a browser.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { formatBytes } from "../../display/bytes";
import { escapeHtml } from "../../display/html";
import type { Dataset } from "../data";
import { tokenPattern } from "../text/tokenize";
import type { Vocabulary } from "../text/vocabulary";
import { writeAtomically, save } from "../io";
import { LOADER_FILE, checkExportable, customLayerClasses, loaderScript } from "./custom-layers";
import { METADATA_FILE, attachMetadata, packageVersion, type ExportMetadata, type ImagePreprocessing } from "./metadata";

export interface ExportOptions {
  /** Class names in output order. Default: the `data` set's classes. */
  labels?: string[];
  /** The data set the model was trained on: its classes become the labels. */
  data?: Dataset;
  /** A text model's vocabulary (tl.text.vocabulary): its words go into metadata.json so texts can be encoded. */
  vocabulary?: Vocabulary;
  /** The backbone's name. Default: the model's name without tl.classifier's "_classifier" suffix, else none. */
  backbone?: string;
}

export interface ExportedModel {
  folder: string;
  metadata: ExportMetadata;
  files: Array<{ name: string; bytes: number }>;
  toMimeBundle(): Record<string, string>;
}

function outputActivation(model: tf.LayersModel): ExportMetadata["model"]["output"] {
  const last = model.layers[model.layers.length - 1];
  const activation = (last.getConfig() as { activation?: string }).activation;
  return activation === "softmax" || activation === "sigmoid" ? activation : "linear";
}

function exampleShape(model: tf.LayersModel): number[] {
  if (model.inputs.length !== 1) throw new Error(`tl.export: the model has ${model.inputs.length} inputs; export handles models with one.`);
  return model.inputs[0].shape.slice(1).map((d) => d ?? -1);
}

function labelsFor(model: tf.LayersModel, options: ExportOptions): string[] | null {
  const labels = options.labels ?? options.data?.classes ?? null;
  if (!labels) return null;
  const units = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  if (units !== null && units !== labels.length) {
    throw new Error(`tl.export: ${labels.length} labels were given but the model has ${units} outputs; give one label per output.`);
  }
  return labels.map(String);
}

function imagePreprocessing(model: tf.LayersModel, shape: number[]): ImagePreprocessing | null {
  if (shape.length !== 3 || shape.some((d) => d < 1)) return null;
  const normalizeLayer = model.layers.find((l) => l.getClassName() === "LayerNormalization")?.name ?? null;
  return { resize: "bilinear", channels: shape[2], scale: 1 / 255, normalizeLayer };
}

/** tl.classifier and tl.regressor name their model after the backbone: "fashion_cnn_classifier". */
function headBackbone(name: string): string | null {
  const match = /^(.+)_(classifier|regressor)$/.exec(name);
  return match ? match[1] : null;
}

export function describeMetadata(model: tf.LayersModel, options: ExportOptions, customLayers: string[]): ExportMetadata {
  const inputShape = exampleShape(model);
  const preprocessing = imagePreprocessing(model, inputShape);
  const text = options.vocabulary
    ? { tokenPattern: tokenPattern.source, words: [...options.vocabulary.words], length: inputShape.length === 1 && inputShape[0] > 0 ? inputShape[0] : null }
    : undefined;
  return {
    format: "tsfine-export",
    formatVersion: 1,
    kind: text ? "text" : preprocessing ? "image" : "tensor",
    labels: labelsFor(model, options),
    inputShape,
    preprocessing,
    ...(text ? { text } : {}),
    backbone: options.backbone ?? headBackbone(model.name),
    model: { name: model.name, parameters: model.countParams(), output: outputActivation(model) },
    customLayers: customLayers.map((className) => ({ className, loader: LOADER_FILE })),
    versions: { tsfine: packageVersion(), tfjs: tf.version.tfjs },
    created: new Date().toISOString(),
  };
}

/** Writes the model, its metadata and (when needed) the layer loader into `dir`. */
export async function exportModel(model: tf.LayersModel, dir: string, options: ExportOptions = {}): Promise<ExportedModel> {
  if (!(model instanceof tf.LayersModel)) throw new Error("tl.export needs a tf LayersModel (e.g. from tl.classifier); got something else.");
  const customLayers = customLayerClasses(model);
  checkExportable(model, customLayers);
  const metadata = describeMetadata(model, options, customLayers);
  const saved = await save(model, dir);
  writeAtomically(path.join(saved.folder, METADATA_FILE), JSON.stringify(metadata, null, 2) + "\n");
  const loader = path.join(saved.folder, LOADER_FILE);
  if (customLayers.length) writeAtomically(loader, loaderScript(customLayers));
  else if (fs.existsSync(loader)) fs.rmSync(loader);
  attachMetadata(model, metadata);
  const names = [...saved.files.map((f) => f.name), METADATA_FILE, ...(customLayers.length ? [LOADER_FILE] : [])];
  const files = names.map((name) => ({ name, bytes: fs.statSync(path.join(saved.folder, name)).size }));
  const total = formatBytes(files.reduce((sum, f) => sum + f.bytes, 0));
  const labels = metadata.labels ? `${metadata.labels.length} labels` : "no labels";
  const line = `Exported model "${model.name}" to ${saved.folder} (${names.join(", ")}; ${total}; ${labels})`;
  return {
    folder: saved.folder,
    metadata,
    files,
    toMimeBundle: () => ({
      "text/plain": line,
      "text/html": `Exported model <b>${escapeHtml(model.name)}</b> to <code>${escapeHtml(saved.folder)}</code> (${escapeHtml(names.join(", "))}; ${total}; ${labels}). <code>npx tsfine demo ${escapeHtml(saved.folder)}</code> makes a page to try it.`,
    }),
  };
}
