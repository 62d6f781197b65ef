import * as tf from "@tensorflow/tfjs";
import { Examples, type ExampleSource } from "../data/examples";
import type { Callback, FitState } from "./callback";
import { checkInferenceFitsMemory } from "./memory-check";
import { freezeBoundary, lowerModel, upperModel } from "./model-graph";
import { values } from "../read-values";

/** Runs the fixed lower part once over `examples` and keeps its outputs as plain floats. */
async function activations(lower: tf.LayersModel, examples: Examples, batchSize: number): Promise<Examples> {
  const shape = lower.outputs[0].shape.slice(1) as number[];
  const per = shape.reduce((a, b) => a * b, 1);
  checkInferenceFitsMemory(lower, examples, batchSize);
  const features = new Float32Array(per * examples.size);
  for (const batch of examples.batches(batchSize)) {
    const out = tf.tidy(() => lower.predict(batch.xs) as tf.Tensor);
    const read = values([out]);
    features.set((read instanceof Promise ? await read : read)[0], batch.positions[0] * per);
    out.dispose();
    batch.xs.dispose();
    batch.ys.dispose();
  }
  const source: ExampleSource = {
    kind: "table",
    inputShape: shape,
    size: examples.size,
    read(index, out, offset) {
      out.set(features.subarray(index * per, (index + 1) * per), offset);
    },
  };
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

/**
 * When the frozen lower part of the model computes the same thing every epoch (no
 * augmentation before it, no dropout or trainable BatchNorm in it), its output at the freeze
 * boundary is computed once, and only the layers above are trained on it. The weights being
 * trained are the model's own: nothing needs copying back.
 */
export function boundaryCache(): Callback {
  return {
    name: "boundary-cache",
    async beforeFit(state: FitState) {
      if (state.data.train.augments) return;
      const boundary = freezeBoundary(state.model);
      if (!boundary) return;
      const lower = lowerModel(state.model, boundary);
      const started = Date.now();
      state.trainSet = await activations(lower, state.trainSet, state.batchSize);
      if (state.validationSet) state.validationSet = await activations(lower, state.validationSet, state.batchSize);
      state.trainModel = upperModel(state.model, boundary);
      const trained = boundary.trainableSteps.filter((s) => s.layer.countParams() > 0).length;
      state.notes.push(
        `frozen layers up to ${boundary.layerName} computed once (${((Date.now() - started) / 1000).toFixed(1)} s); training the ${trained} layer${trained === 1 ? "" : "s"} above`,
      );
    },
  };
}
