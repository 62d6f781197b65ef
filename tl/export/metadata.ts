/**
 * metadata.json: what a model needs beside its weights to be used outside the notebook — the
 * labels, the input it expects and how tl.data prepared the training images.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";

export interface ImagePreprocessing {
  /** Images are resampled (bilinear) to the input's height and width. */
  resize: "bilinear";
  /** Grey images repeat their channel for 3-channel models; colour images are averaged for 1-channel models; alpha is dropped. */
  channels: number;
  /** Pixel values are multiplied by this (1/255: values in [0, 1]). */
  scale: number;
  /**
   * The name of the layer-normalisation layer inside the model (tl.classifier's `normalize`),
   * or null. It runs inside the model, so a loader has nothing to do for it.
   */
  normalizeLayer: string | null;
}

export interface TextPreprocessing {
  /**
   * Lower-cased, then the matches of this regular expression (flags "gu") are the tokens, with
   * "’" written as "'" (tl.text.tokenize).
   */
  tokenPattern: string;
  /** Word of each id; id 0 ("") is padding. Tokens not listed are left out. */
  words: string[];
  /** Ids per text (cut or padded with 0), or null: as many as the text has known tokens. */
  length: number | null;
}

export interface ExportMetadata {
  format: "tsfine-export";
  formatVersion: 1;
  /** "image": give an image; "text": give a text (see `text`); "tensor": give the input tensor itself. */
  kind: "image" | "text" | "tensor";
  labels: string[] | null;
  /** One example's shape, without the batch dimension (e.g. [28, 28, 3]). */
  inputShape: number[];
  preprocessing: ImagePreprocessing | null;
  /** Text models: how a text becomes token ids. */
  text?: TextPreprocessing;
  /** The backbone the model was built on (registry name or model name), when known. */
  backbone: string | null;
  model: { name: string; parameters: number; output: "softmax" | "sigmoid" | "linear" };
  /** Layer classes tsfine adds itself, registered by the loader shipped beside model.json. */
  customLayers: Array<{ className: string; loader: string }>;
  versions: { tsfine: string; tfjs: string };
  created: string;
}

export const METADATA_FILE = "metadata.json";

const attached = new WeakMap<tf.LayersModel, ExportMetadata>();

/** The metadata a model was exported or loaded with, if any. */
export function metadataOf(model: tf.LayersModel): ExportMetadata | undefined {
  return attached.get(model);
}

/** Remembers `metadata` for `model` and shows it as `model.metadata`. */
export function attachMetadata<M extends tf.LayersModel>(model: M, metadata: ExportMetadata): M & { metadata: ExportMetadata } {
  attached.set(model, metadata);
  Object.defineProperty(model, "metadata", { value: metadata, configurable: true, enumerable: false, writable: true });
  return model as M & { metadata: ExportMetadata };
}

/** Reads `dir/metadata.json` when it is there (tl.save folders have none). */
export function readMetadata(dir: string): ExportMetadata | undefined {
  const file = path.join(dir, METADATA_FILE);
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as ExportMetadata;
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}); export the model again with tl.export.`, { cause: error });
  }
}

let tsfineVersion: string | undefined;

/** This package's version, read from the package.json above this file (src or dist). */
export function packageVersion(): string {
  if (tsfineVersion) return tsfineVersion;
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (!fs.existsSync(manifest)) continue;
    const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "tsfine") return (tsfineVersion = pkg.version ?? "unknown");
  }
  return (tsfineVersion = "unknown");
}
