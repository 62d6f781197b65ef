/**
 * tl.evaluate with `{ engine: "keras" }`: the model's outputs computed by Keras, batch by batch,
 * the per-example losses by tl's own function, so the numbers compare with the tfjs engine's.
 */
import type * as tf from "@tensorflow/tfjs";
import type { Examples } from "../../data/examples";
import { predictBatches, type Predictions } from "../../predict-all";
import { KerasModelSession } from "./session";

export async function kerasPredictAll(model: tf.LayersModel, examples: Examples, batchSize: number): Promise<Predictions> {
  const session = await KerasModelSession.open(model);
  return predictBatches(model, examples, batchSize, (xs) => session.predict(xs));
}
