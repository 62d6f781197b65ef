import * as tf from "@tensorflow/tfjs";
import { makeDataset, type DataOptions, type Dataset } from "./dataset";
import type { ExampleSource } from "./examples";
import { valuesNow } from "../read-values";

export interface FromTensorsOptions extends DataOptions {
  /** Class names; given or implied by integer / one-hot labels, the task is classification. */
  classNames?: string[];
  /** Force the task: class labels, or numeric targets for a regression head. */
  task?: "classification" | "regression";
  /** Held-out examples, used as the test split instead of a random fraction. */
  testXs?: tf.Tensor;
  testYs?: tf.Tensor | number[];
  name?: string;
}

function isClassLabels(ys: tf.Tensor, values: Float32Array | Int32Array): boolean {
  if (ys.rank === 1) return ys.dtype === "int32" || values.every((v) => Number.isInteger(v) && v >= 0);
  if (ys.rank === 2 && ys.shape[1]! > 1) {
    const k = ys.shape[1]!;
    for (let i = 0; i < ys.shape[0]; i++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += values[i * k + j];
      if (Math.abs(sum - 1) > 1e-6) return false;
    }
    return true;
  }
  return false;
}

/**
 * A data set from tensors already in memory: xs [n, ...shape]; ys as class indices [n],
 * one-hot [n, k], or regression targets [n] / [n, d]. The values are copied out, so the
 * caller may dispose the tensors afterwards.
 */
export function fromTensors(xs: tf.Tensor, ys: tf.Tensor | number[], options: FromTensorsOptions = {}): Dataset {
  const testXs = options.testXs;
  const testYs = options.testYs;
  const allXs = testXs ? tf.concat([xs, testXs]) : xs;
  const ysTensor = Array.isArray(ys) ? tf.tensor1d(ys) : ys;
  const testYsTensor = testYs === undefined ? undefined : Array.isArray(testYs) ? tf.tensor1d(testYs) : testYs;
  const allYs = testYsTensor ? tf.concat([ysTensor, testYsTensor]) : ysTensor;
  const n = allXs.shape[0];
  if (allYs.shape[0] !== n) {
    throw new Error(`fromTensors: ${n} inputs but ${allYs.shape[0]} labels; give one label per example.`);
  }
  const features = valuesNow(allXs, "tl.data.fromTensors") as Float32Array;
  const labelValues = valuesNow(allYs, "tl.data.fromTensors") as Float32Array;
  const shape = allXs.shape.slice(1);
  const per = shape.reduce((a, b) => a * b, 1);
  const classification = options.task ? options.task === "classification" : !!options.classNames || isClassLabels(allYs, labelValues);
  const source: ExampleSource = {
    kind: shape.length === 3 ? "image" : "table",
    inputShape: shape,
    size: n,
    read(index, out, offset) {
      out.set(features.subarray(index * per, (index + 1) * per), offset);
    },
  };
  let classNames: string[] | null = null;
  if (classification) {
    const labels = new Int32Array(n);
    if (allYs.rank === 2) {
      const k = allYs.shape[1]!;
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let j = 1; j < k; j++) if (labelValues[i * k + j] > labelValues[i * k + best]) best = j;
        labels[i] = best;
      }
    } else labels.set(labelValues);
    const k = allYs.rank === 2 ? allYs.shape[1]! : Math.max(...labels) + 1;
    classNames = options.classNames ?? Array.from({ length: k }, (_, i) => String(i));
    if (Math.max(...labels) >= classNames.length) {
      throw new Error(`fromTensors: labels go up to ${Math.max(...labels)} but only ${classNames.length} class names were given.`);
    }
    source.labels = labels;
  } else {
    source.targets = Float32Array.from(labelValues);
    source.targetSize = allYs.rank === 2 ? allYs.shape[1]! : 1;
  }
  if (testXs) allXs.dispose();
  if (Array.isArray(ys)) ysTensor.dispose();
  if (testYsTensor && Array.isArray(testYs)) testYsTensor.dispose();
  if (testYsTensor) allYs.dispose();
  const trainCount = xs.shape[0];
  const train = Array.from({ length: trainCount }, (_, i) => i);
  const test = testXs ? Array.from({ length: n - trainCount }, (_, i) => trainCount + i) : undefined;
  return makeDataset(options.name ?? "tensors", source, classNames, { train, test }, options);
}
