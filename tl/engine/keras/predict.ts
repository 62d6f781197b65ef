/**
 * tl.evaluate with `{ engine: "keras" }`: the model's outputs computed by Keras, batch by batch,
 * the per-example losses by tl's own function, so the numbers compare with the tfjs engine's.
 */
import * as tf from "@tensorflow/tfjs";
import type { Examples } from "../../data/examples";
import { exampleLosses } from "../../fit/measure";
import type { Predictions } from "../../predict-all";
import { KerasModelSession } from "./session";

export async function kerasPredictAll(model: tf.LayersModel, examples: Examples, batchSize: number): Promise<Predictions> {
  const session = await KerasModelSession.open(model);
  const shape = model.outputs[0].shape;
  const width = shape[shape.length - 1] as number;
  const outputs = new Float32Array(examples.size * width);
  const losses = new Float32Array(examples.size);
  let at = 0;
  for (const batch of examples.batches(batchSize)) {
    const p = await session.predict(batch.xs);
    const l = exampleLosses(batch.ys, p, examples.isClassification);
    outputs.set(p.dataSync(), at * width);
    losses.set(l.dataSync(), at);
    at += batch.positions.length;
    tf.dispose([p, l, batch.xs, batch.ys]);
  }
  return { outputs, width, losses };
}
