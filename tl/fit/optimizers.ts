import * as tf from "@tensorflow/tfjs";

export type OptimizerName = "adam" | "sgd" | "momentum" | "rmsprop" | "adamw";

export function makeOptimizer(name: OptimizerName, lr: number): tf.Optimizer {
  switch (name) {
    case "adam":
    case "adamw":
      return tf.train.adam(lr);
    case "sgd":
      return tf.train.sgd(lr);
    case "momentum":
      return tf.train.momentum(lr, 0.9);
    case "rmsprop":
      return tf.train.rmsprop(lr);
    default:
      throw new Error(`Unknown optimizer "${String(name)}"; use adam, sgd, momentum or rmsprop.`);
  }
}

/** tfjs optimizers keep their rate in a protected field; schedules change it between steps. */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/** The trainable variables of a model, split into consecutive layer groups (bottom first). */
export interface ParameterGroup {
  layers: string[];
  variables: tf.Variable[];
  /** Multiplier on the scheduled rate. */
  multiplier: number;
}

/**
 * Discriminative rates: `layerLrs` gives one learning rate per group of trainable layers (bottom
 * to top, groups of equal layer count); `lrMult` = r spreads rates geometrically from lr/r
 * at the bottom to lr at the top over three groups (fastai's slice(lr/r, lr)).
 */
export function parameterGroups(model: tf.LayersModel, options: { layerLrs?: number[]; lrMult?: number }, baseLr: number): ParameterGroup[] {
  const layers = model.layers.filter((l) => l.trainableWeights.length > 0);
  let multipliers = [1];
  if (options.layerLrs?.length) multipliers = options.layerLrs.map((lr) => lr / baseLr);
  else if (options.lrMult && options.lrMult !== 1) {
    const r = options.lrMult;
    multipliers = [1 / r, 1 / Math.sqrt(r), 1];
  }
  // With fewer trainable layers than groups, the top groups' rates are the ones used.
  const k = Math.min(multipliers.length, Math.max(1, layers.length));
  multipliers = multipliers.slice(multipliers.length - k);
  const groups: ParameterGroup[] = [];
  for (let g = 0; g < k; g++) {
    const slice = layers.slice(Math.floor((g * layers.length) / k), Math.floor(((g + 1) * layers.length) / k));
    groups.push({
      layers: slice.map((l) => l.name),
      variables: slice.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable)),
      multiplier: multipliers[g],
    });
  }
  return groups;
}
