import * as tf from "@tensorflow/tfjs";
import { recommendedHead } from "./backbones/head-defaults";

export interface HeadOptions {
  /** Width of an optional hidden Dense(ReLU) layer between the features and the output. */
  hidden?: number;
  /** Dropout rate before each Dense layer of the head (default 0). */
  dropout?: number;
  /**
   * How 4-D backbone features become a vector: "avg", "max" or "flatten". Default: what the
   * backbone's registry entry recommends (fashion_cnn: "flatten"), else "avg".
   */
  pooling?: "avg" | "max" | "flatten";
  /**
   * Layer-normalise the pooled features before the dense layers. Pretrained ReLU features can
   * be large; normalised, the head trains stably at ordinary learning rates. Default: the
   * backbone entry's recommendation (fashion_cnn: true), else false.
   */
  normalize?: boolean;
}

export interface ClassifierOptions extends HeadOptions {
  classes: number;
}

export interface RegressorOptions extends HeadOptions {
  /** Number of outputs (default 1). */
  outputs?: number;
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Layer names must be unique in a model; a second head on the same backbone gets a suffix. */
function namer(backbone: tf.LayersModel): (base: string) => string {
  const taken = new Set(backbone.layers.map((l) => l.name));
  return (base) => {
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
}

function features(backbone: tf.LayersModel, given: HeadOptions, name: (b: string) => string): tf.SymbolicTensor {
  const options = { ...recommendedHead(backbone), ...definedOnly(given) };
  if (backbone.outputs.length !== 1) {
    throw new Error(`A head needs a backbone with one output; ${backbone.name} has ${backbone.outputs.length}.`);
  }
  let x = backbone.outputs[0];
  const rank = x.shape.length;
  if (rank === 4) {
    const pooling = options.pooling ?? "avg";
    x =
      pooling === "flatten"
        ? (tf.layers.flatten({ name: name("head_flatten") }).apply(x) as tf.SymbolicTensor)
        : pooling === "max"
          ? (tf.layers.globalMaxPooling2d({ name: name("head_pool") }).apply(x) as tf.SymbolicTensor)
          : (tf.layers.globalAveragePooling2d({ name: name("head_pool") }).apply(x) as tf.SymbolicTensor);
  } else if (rank !== 2) {
    x = tf.layers.flatten({ name: name("head_flatten") }).apply(x) as tf.SymbolicTensor;
  }
  if (options.normalize) x = tf.layers.layerNormalization({ name: name("head_norm") }).apply(x) as tf.SymbolicTensor;
  const dropout = options.dropout ?? 0;
  if (options.hidden) {
    if (dropout) x = tf.layers.dropout({ rate: dropout, name: name("head_dropout") }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dense({ units: options.hidden, activation: "relu", name: name("head_hidden") }).apply(x) as tf.SymbolicTensor;
  }
  if (dropout) x = tf.layers.dropout({ rate: dropout, name: name("head_dropout") }).apply(x) as tf.SymbolicTensor;
  return x;
}

/**
 * A classifier on top of a backbone: pooling, optional hidden layer and dropout, then a
 * softmax over `classes`. The new model shares the backbone's layers (and their trainable
 * flags), so freezing the backbone freezes them in the classifier too.
 */
export function classifier(backbone: tf.LayersModel, options: ClassifierOptions): tf.LayersModel {
  if (!Number.isInteger(options.classes) || options.classes < 2) {
    throw new Error(`classifier: classes must be a whole number ≥ 2, got ${options.classes}.`);
  }
  const name = namer(backbone);
  const x = features(backbone, options, name);
  const out = tf.layers.dense({ units: options.classes, activation: "softmax", name: name("head_output") }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: backbone.inputs, outputs: out, name: `${backbone.name}_classifier` });
  model.compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}

/** A linear regression head (mean squared error) on top of a backbone. */
export function regressor(backbone: tf.LayersModel, options: RegressorOptions = {}): tf.LayersModel {
  const name = namer(backbone);
  const x = features(backbone, options, name);
  const out = tf.layers.dense({ units: options.outputs ?? 1, name: name("head_output") }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: backbone.inputs, outputs: out, name: `${backbone.name}_regressor` });
  model.compile({ optimizer: "adam", loss: "meanSquaredError" });
  return model;
}

/** Whether a model ends in a softmax (classification) rather than a linear output (regression). */
export function isClassifier(model: tf.LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  const activation = (last.getConfig() as { activation?: string }).activation;
  return activation === "softmax" || activation === "sigmoid";
}
