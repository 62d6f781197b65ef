import type * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/dataset";

/**
 * The mistakes a user can make when pairing a model with data, each as one sentence that
 * says what to do. Checked before any weight changes.
 */
export function checkModelFitsData(model: tf.LayersModel, data: Dataset): void {
  if (!data || !data.train) {
    throw new Error("fit needs a data set with a train split, e.g. from tl.data.mnist() or tl.data.fromTensors(xs, ys).");
  }
  if (data.train.size === 0) throw new Error(`${data.name} has no training examples.`);
  const expected = model.inputs[0].shape.slice(1);
  const given = data.inputShape;
  const fits = expected.length === given.length && expected.every((d, i) => d === null || d === given[i]);
  if (!fits) {
    const hint =
      data.kind === "image" && expected.length === 3
        ? `; resize the data with data.resize(${expected[0]}, ${expected[2]}) (or %dataset … --size ${expected[0]} --channels ${expected[2]})`
        : "";
    throw new Error(`${model.name} expects inputs of shape [${expected.join(", ")}] but ${data.name} gives [${given.join(", ")}]${hint}.`);
  }
  const outputs = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  if (data.train.isClassification) {
    const k = data.train.numClasses;
    if (outputs !== k) {
      throw new Error(
        `${model.name} has ${outputs} outputs but ${data.name} has ${k} classes; build the head with tl.classifier(backbone, { classes: ${k} }).`,
      );
    }
  } else {
    const d = data.train.source.targetSize ?? 1;
    if (outputs !== d) throw new Error(`${model.name} has ${outputs} outputs but ${data.name} has ${d} regression targets per example.`);
  }
}
