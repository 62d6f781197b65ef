/**
 * tl.predict: one input — an image file, URL, bytes, a tensor or a data set's entry — prepared the way tl.data
 * prepared the training images, and the model's top classes with their labels.
 */
import * as fs from "fs";
import * as tf from "@tensorflow/tfjs";
import { escapeHtml } from "../../display/html";
import { sniffImageFormat, toBase64 } from "../../display/image-bytes";
import { ExampleEntry } from "../data/examples";
import { decodeImage, imageToFloats } from "../data/image-pixels";
import { tokenize } from "../text/tokenize";
import { Vocabulary } from "../text/vocabulary";
import { metadataOf } from "./metadata";

export interface PredictOptions {
  /** How many classes `top` lists (default 3). */
  top?: number;
  /** Class names in output order; default: the labels the model was exported or loaded with. */
  labels?: string[];
  /** A text model's vocabulary; default: the words the model was exported or loaded with. */
  vocabulary?: Vocabulary;
}

export interface Prediction {
  label: string;
  probability: number;
  top: Array<{ label: string; probability: number }>;
  toMimeBundle(): Record<string, string>;
}

export type PredictInput = string | Uint8Array | tf.Tensor | ExampleEntry;

function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

async function inputBytes(input: string): Promise<Uint8Array> {
  if (isUrl(input)) {
    const response = await fetch(input);
    if (!response.ok) throw new Error(`tl.predict: ${input} answered HTTP ${response.status}; check the address.`);
    return new Uint8Array(await response.arrayBuffer());
  }
  if (!fs.existsSync(input)) throw new Error(`tl.predict: no file at ${input}; give the path of a PNG or JPEG image.`);
  if (fs.statSync(input).isDirectory()) throw new Error(`tl.predict: ${input} is a folder; give the path of one PNG or JPEG image.`);
  return fs.readFileSync(input);
}

/** [h, w, c] of one example, from the metadata or the model's input layer. */
function exampleShape(model: tf.LayersModel): number[] {
  const fromMetadata = metadataOf(model)?.inputShape;
  if (fromMetadata) return fromMetadata;
  return model.inputs[0].shape.slice(1).map((d) => d ?? -1);
}

function imageTensor(bytes: Uint8Array, name: string, shape: number[]): tf.Tensor {
  if (shape.length !== 3 || shape.some((d) => d < 1)) {
    throw new Error(`tl.predict: this model takes inputs of shape [${shape.join(", ")}], not images; give a tensor.`);
  }
  const [h, w, c] = shape;
  const image = decodeImage(bytes, name);
  return tf.tensor4d(imageToFloats(image, h, w, c, new Float32Array(h * w * c)), [1, h, w, c]);
}

/** A tensor is taken as the model sees it (values as tl.data gives them); a batch of one or one example. */
function batchOfOne(tensor: tf.Tensor, shape: number[]): tf.Tensor {
  return tf.tidy(() => resizedBatch(tensor, shape));
}

function resizedBatch(tensor: tf.Tensor, shape: number[]): tf.Tensor {
  const x = tensor.rank === shape.length ? tensor.expandDims(0) : tensor;
  if (x.rank !== shape.length + 1 || x.shape[0] !== 1) {
    throw new Error(`tl.predict: a tensor of shape [${tensor.shape.join(", ")}] does not fit the model's input [${shape.join(", ")}]; give one example.`);
  }
  if (shape.length === 3 && (x.shape[1] !== shape[0] || x.shape[2] !== shape[1])) {
    if (x.shape[3] !== shape[2]) throw new Error(`tl.predict: the tensor has ${x.shape[3]} channels and the model wants ${shape[2]}.`);
    return tf.image.resizeBilinear(x as tf.Tensor4D, [shape[0], shape[1]]);
  }
  return x;
}

function labelList(model: tf.LayersModel, options: PredictOptions, count: number): string[] {
  const labels = options.labels ?? metadataOf(model)?.labels ?? undefined;
  if (labels && labels.length !== count) {
    throw new Error(`tl.predict: ${labels.length} labels for a model with ${count} outputs; give one label per output.`);
  }
  return labels ?? Array.from({ length: count }, (_, i) => `class ${i}`);
}

function bars(prediction: Omit<Prediction, "toMimeBundle">): string {
  return prediction.top
    .map(
      (t) =>
        `<tr><td style="padding-right:8px">${escapeHtml(t.label)}</td><td style="width:160px"><div style="background:#4c78a8;height:10px;width:${(t.probability * 100).toFixed(1)}%"></div></td><td style="padding-left:8px">${(t.probability * 100).toFixed(1)}%</td></tr>`,
    )
    .join("");
}

function withDisplay(result: Omit<Prediction, "toMimeBundle">, picture?: Uint8Array): Prediction {
  const format = picture ? sniffImageFormat(picture) : undefined;
  const img =
    picture && format
      ? `<img src="data:image/${format};base64,${toBase64(picture)}" style="max-width:160px;max-height:160px;image-rendering:pixelated;margin-right:12px">`
      : "";
  const text = `${result.label} (${(result.probability * 100).toFixed(1)}%); top: ${result.top.map((t) => `${t.label} ${(t.probability * 100).toFixed(1)}%`).join(", ")}`;
  return {
    ...result,
    toMimeBundle: () => ({
      "text/plain": text,
      "text/html": `<div style="display:flex;align-items:center">${img}<table>${bars(result)}</table></div>`,
    }),
  };
}

/** Token ids of `text` as the exported vocabulary numbers them, in a batch of one. */
function textTensor(model: tf.LayersModel, text: string, options: PredictOptions): tf.Tensor {
  const exported = metadataOf(model)?.text;
  const vocabulary = options.vocabulary ?? (exported ? new Vocabulary(exported.words) : undefined);
  if (!vocabulary)
    throw new Error("tl.predict: this text model has no vocabulary; export it with tl.export(model, dir, { vocabulary }) or pass { vocabulary }.");
  const tokens = tokenize(text);
  const fixed = model.inputs[0].shape[1];
  const ids = vocabulary.encode(tokens, fixed ?? Math.max(1, tokens.length));
  return tf.tensor2d(ids, [1, ids.length], "int32");
}

/** The model's top classes for one input, with the labels it was exported with. */
export async function predict(model: tf.LayersModel, input: PredictInput, options: PredictOptions = {}): Promise<Prediction> {
  if (!(model instanceof tf.LayersModel)) throw new Error("tl.predict needs a tf LayersModel (from tl.classifier or tl.load) as its first argument.");
  const shape = exampleShape(model);
  let picture: Uint8Array | undefined;
  let x: tf.Tensor;
  if (input instanceof ExampleEntry) {
    // An imageFolder entry goes through its file, as a user's own file would (and shows it).
    const file = input.file;
    if (file) {
      picture = await inputBytes(file);
      x = imageTensor(picture, file, shape);
    } else {
      const tensor = input.tensor();
      x = batchOfOne(tensor, shape);
      if (x !== tensor) tensor.dispose();
    }
  } else if (input instanceof tf.Tensor) {
    x = batchOfOne(input, shape);
  } else if (typeof input === "string" && (metadataOf(model)?.kind === "text" || options.vocabulary)) {
    x = textTensor(model, input, options);
  } else if (typeof input === "string") {
    picture = await inputBytes(input);
    x = imageTensor(picture, input, shape);
  } else if (input instanceof Uint8Array) {
    picture = input;
    x = imageTensor(input, "the given bytes", shape);
  } else {
    throw new Error(
      "tl.predict takes an image path or URL, a Buffer of PNG/JPEG bytes, a tensor, a data set entry (data.test.entry(0)), or a text for a text model.",
    );
  }
  const output = model.predict(x) as tf.Tensor;
  const probabilities = Array.from(await output.data());
  output.dispose();
  if (x !== input) x.dispose();
  const labels = labelList(model, options, probabilities.length);
  const ranked = probabilities.map((probability, i) => ({ label: labels[i], probability })).sort((a, b) => b.probability - a.probability);
  const top = ranked.slice(0, Math.max(1, options.top ?? 3));
  return withDisplay({ label: top[0].label, probability: top[0].probability, top }, picture);
}
