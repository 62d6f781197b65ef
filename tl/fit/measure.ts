import * as tf from "@tensorflow/tfjs";
import type { Examples } from "../data/examples";
import { values } from "../read-values";

/** Per-example loss: cross-entropy of softmax outputs against one-hot truth, or squared error. */
export function exampleLosses(ys: tf.Tensor, predictions: tf.Tensor, classification: boolean): tf.Tensor1D {
  return tf.tidy(() => {
    if (classification) {
      const p = tf.clipByValue(predictions, 1e-7, 1);
      return tf.neg(tf.sum(tf.mul(ys, tf.log(p)), -1)) as tf.Tensor1D;
    }
    return tf.mean(tf.square(tf.sub(predictions, ys)), -1) as tf.Tensor1D;
  });
}

export function meanLoss(ys: tf.Tensor, predictions: tf.Tensor, classification: boolean): tf.Scalar {
  return tf.tidy(() => tf.mean(exampleLosses(ys, predictions, classification)) as tf.Scalar);
}

export function accuracy(ys: tf.Tensor, predictions: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(ys, -1), tf.argMax(predictions, -1)), "float32")) as tf.Scalar);
}

export interface Measured {
  loss: number;
  acc?: number;
}

/**
 * Mean loss (and accuracy) of `model` over `examples`, in batches, in inference mode. Runs to the
 * end synchronously where the backend reads synchronously; awaits its reads on WebGPU.
 */
export async function measure(model: tf.LayersModel, examples: Examples, batchSize = 64): Promise<Measured> {
  const classification = examples.isClassification;
  let lossSum = 0;
  let correct = 0;
  for (const batch of examples.batches(batchSize)) {
    const [l, a] = tf.tidy(() => {
      const p = model.predict(batch.xs) as tf.Tensor;
      const n = batch.positions.length;
      const loss = tf.mul(meanLoss(batch.ys, p, classification), n);
      return [loss, classification ? tf.mul(accuracy(batch.ys, p), n) : tf.scalar(0)];
    });
    const read = values([l, a]);
    const [lossValue, correctValue] = read instanceof Promise ? await read : read;
    lossSum += lossValue[0];
    correct += correctValue[0];
    tf.dispose([l, a, batch.xs, batch.ys]);
  }
  const n = Math.max(1, examples.size);
  return classification ? { loss: lossSum / n, acc: correct / n } : { loss: lossSum / n };
}
