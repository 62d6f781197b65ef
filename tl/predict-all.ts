import * as tf from "@tensorflow/tfjs";
import type { Examples } from "./data/examples";
import { reportInterruptedFit } from "./fit/interrupted-run";
import { exampleLosses } from "./fit/measure";
import { checkInferenceFitsMemory } from "./fit/memory-check";
import { values } from "./read-values";

export interface Predictions {
  /** Model outputs, `width` per example (class probabilities or regression values). */
  outputs: Float32Array;
  width: number;
  /** Loss of each example. */
  losses: Float32Array;
}

/**
 * Runs the model over examples in batches (inference mode), keeping only numbers. A batch too
 * large for wasm memory is refused before anything runs. Synchronous to the end where the backend
 * reads synchronously; awaits its reads on WebGPU.
 */
export async function predictAll(model: tf.LayersModel, examples: Examples, batchSize = 64, engine = "tfjs"): Promise<Predictions> {
  if (!(batchSize >= 1 && Number.isInteger(batchSize))) throw new Error(`batchSize must be a whole number ≥ 1, got ${batchSize}.`);
  reportInterruptedFit();
  if (engine === "keras") return (await import("./engine/keras/predict")).kerasPredictAll(model, examples, batchSize);
  if (engine !== "tfjs") throw new Error(`engine must be "tfjs" or "keras"; received ${JSON.stringify(engine)}.`);
  checkInferenceFitsMemory(model, examples, batchSize);
  return predictBatches(model, examples, batchSize, (xs) => tf.tidy(() => model.predict(xs) as tf.Tensor));
}

/** One batch's outputs for its inputs: tfjs's own predict, or another engine's (tl/engine/keras/predict.ts). */
export type PredictBatch = (xs: tf.Tensor) => tf.Tensor | Promise<tf.Tensor>;

/**
 * Runs `predictBatch` over examples in batches and keeps each example's outputs and loss, the loss by
 * tl's own function whichever engine predicted. Awaits only where `predictBatch` or the backend's
 * reads return a Promise, so it stays synchronous to the end on the tfjs engine's synchronous backends.
 */
export async function predictBatches(model: tf.LayersModel, examples: Examples, batchSize: number, predictBatch: PredictBatch): Promise<Predictions> {
  const shape = model.outputs[0].shape;
  const width = shape[shape.length - 1] as number;
  const outputs = new Float32Array(examples.size * width);
  const losses = new Float32Array(examples.size);
  let at = 0;
  for (const batch of examples.batches(batchSize)) {
    const predicted = predictBatch(batch.xs);
    const p = predicted instanceof Promise ? await predicted : predicted;
    const l = exampleLosses(batch.ys, p, examples.isClassification);
    const read = values([p, l]);
    const [pValues, lValues] = read instanceof Promise ? await read : read;
    outputs.set(pValues, at * width);
    losses.set(lValues, at);
    at += batch.positions.length;
    tf.dispose([p, l, batch.xs, batch.ys]);
  }
  return { outputs, width, losses };
}

export function argMax(values: Float32Array, offset: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (values[offset + j] > values[offset + best]) best = j;
  return best;
}
