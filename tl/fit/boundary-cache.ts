import * as tf from "@tensorflow/tfjs";
import { Examples, type ExampleSource } from "../data/examples";
import type { Callback, FitState } from "./callback";
import { checkInferenceFitsMemory } from "./memory-check";
import { keptBelow, storeActivations, storedActivations } from "./activation-store";
import { foldedInference } from "./folded-inference";
import { freezeBoundary, upperModel, type FreezeBoundary } from "./model-graph";
import { values } from "../read-values";
import { isStopRequested } from "./stop-request";

/** Classification labels or regression targets of `examples`, for a table of their activations. */
function withTargets(source: ExampleSource, examples: Examples): Examples {
  if (examples.isClassification) {
    source.labels = Int32Array.from({ length: examples.size }, (_, p) => examples.label(p));
  } else {
    const original = examples.source;
    const d = original.targetSize ?? 1;
    source.targets = new Float32Array(examples.size * d);
    examples.indices.forEach((index, p) => source.targets!.set(original.targets!.subarray(index * d, index * d + d), p * d));
    source.targetSize = d;
  }
  return new Examples(source, examples.classes);
}

function table(features: Float32Array, shape: number[], examples: Examples): Examples {
  const per = shape.reduce((a, b) => a * b, 1);
  return withTargets(
    {
      kind: "table",
      inputShape: shape,
      size: examples.size,
      read(index, out, offset) {
        out.set(features.subarray(index * per, (index + 1) * per), offset);
      },
    },
    examples,
  );
}

/**
 * Runs the fixed lower part once over `examples` and keeps its outputs as plain floats: the
 * boundary's first, then those of `kept` (tensors below it that a later fit may start from).
 * Undefined when an interrupt comes first (checked before each batch).
 */
async function activations(lower: tf.LayersModel, examples: Examples, batchSize: number): Promise<Examples[] | undefined> {
  const shapes = lower.outputs.map((t) => t.shape.slice(1) as number[]);
  const pers = shapes.map((shape) => shape.reduce((a, b) => a * b, 1));
  checkInferenceFitsMemory(lower, examples, batchSize);
  const features = pers.map((per) => new Float32Array(per * examples.size));
  for (const batch of examples.batches(batchSize)) {
    if (isStopRequested()) {
      tf.dispose([batch.xs, batch.ys]);
      return undefined;
    }
    const outs = tf.tidy(() => [lower.predict(batch.xs)].flat() as tf.Tensor[]);
    const read = values(outs);
    const arrays = read instanceof Promise ? await read : read;
    arrays.forEach((array, i) => features[i].set(array, batch.positions[0] * pers[i]));
    tf.dispose(outs);
    batch.xs.dispose();
    batch.ys.dispose();
  }
  return features.map((f, i) => table(f, shapes[i], examples));
}

/**
 * The boundary's activations over `examples`: from an earlier fit when it kept them with the
 * weights the model has now, else computed (and the boundary's and a few tensors' below kept).
 * Undefined when an interrupt stopped the computation (nothing is kept then).
 */
async function boundaryActivations(
  model: tf.LayersModel,
  boundary: FreezeBoundary,
  examples: Examples,
  batchSize: number,
): Promise<{ set: Examples; reused: boolean } | undefined> {
  const earlier = storedActivations(model, examples, boundary.tensor);
  if (earlier) return { set: earlier, reused: true };
  const kept = [boundary.tensor, ...keptBelow(boundary, examples.size)];
  const lower = foldedInference(model, kept);
  let sets: Examples[] | undefined;
  try {
    sets = await activations(lower.model, examples, batchSize);
  } finally {
    lower.dispose();
  }
  if (!sets) return undefined;
  const computed = sets;
  kept.forEach((tensor, i) => storeActivations(model, examples, tensor, computed[i]));
  return { set: computed[0], reused: false };
}

/**
 * When the frozen lower part of the model computes the same thing every epoch (no
 * augmentation before it, no dropout or trainable BatchNorm in it), its output at the freeze
 * boundary is computed once, and only the layers above are trained on it. The weights being
 * trained are the model's own: nothing needs copying back. `onTrainModel` hears of the layers
 * above before their activations are computed (an engine prepares them meanwhile). An interrupt
 * during that pass ends it at the next batch, before the fit's first step.
 */
export function boundaryCache(onTrainModel?: (trainModel: tf.LayersModel, state: FitState) => void): Callback {
  return {
    name: "boundary-cache",
    async beforeFit(state: FitState) {
      if (state.data.train.augments) return;
      const boundary = freezeBoundary(state.model);
      if (!boundary) return;
      const started = Date.now();
      const trainModel = upperModel(state.model, boundary);
      onTrainModel?.(trainModel, state);
      const train = await boundaryActivations(state.model, boundary, state.trainSet, state.batchSize);
      const validation = train && state.validationSet && (await boundaryActivations(state.model, boundary, state.validationSet, state.batchSize));
      // Interrupted: the state stays as it was, and the engine's first startBatch ends the run.
      if (!train || (state.validationSet && !validation)) return;
      state.trainSet = train.set;
      if (validation) state.validationSet = validation.set;
      state.trainModel = trainModel;
      const trained = boundary.trainableSteps.filter((s) => s.layer.countParams() > 0).length;
      state.notes.push(
        `frozen layers up to ${boundary.layerName} ${train.reused ? "taken from an earlier fit" : "computed once"} (${((Date.now() - started) / 1000).toFixed(1)} s); training the ${trained} layer${trained === 1 ? "" : "s"} above`,
      );
    },
  };
}
