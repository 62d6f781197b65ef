import type * as tf from "@tensorflow/tfjs";

/** The head a backbone's features suit, declared by its registry entry. */
export interface HeadDefaults {
  pooling?: "avg" | "max" | "flatten";
  normalize?: boolean;
}

const recommended = new WeakMap<tf.LayersModel, HeadDefaults>();

export function recommendHead(model: tf.LayersModel, defaults: HeadDefaults | undefined): tf.LayersModel {
  if (defaults) recommended.set(model, defaults);
  return model;
}

/** What tl.classifier / tl.regressor use for options the caller leaves out. */
export function recommendedHead(model: tf.LayersModel): HeadDefaults {
  return recommended.get(model) ?? {};
}
