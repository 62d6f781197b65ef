import * as tf from "@tensorflow/tfjs";
import { Vocabulary } from "./vocabulary";
import { valuesNow } from "../read-values";

export interface WordEffect {
  word: string;
  /** Times the word occurs in the (encoded) text. */
  count: number;
  /** How much the probability of `classIndex` falls when every occurrence of the word is removed. */
  effect: number;
}

export interface WordImportance {
  /** The model's class probabilities for the whole text. */
  probabilities: number[];
  /** The class the effects are measured for (the predicted one unless asked otherwise). */
  classIndex: number;
  /** Every distinct known word, strongest push towards `classIndex` first. */
  words: WordEffect[];
}

export interface WordImportanceOptions {
  /** Token ids per text, as the model was trained (default: the model's input length, else 256). */
  length?: number;
  /** Measure effects on this class's probability (default: the predicted class). */
  classIndex?: number;
}

/**
 * Which words mattered, by occlusion: the text is run once whole and once without each distinct
 * word (all of its occurrences), all in one batch. Works for any model over token ids.
 */
export function wordImportance(
  model: tf.LayersModel,
  vocabulary: Vocabulary,
  text: string | ArrayLike<number>,
  options: WordImportanceOptions = {},
): WordImportance {
  if (!(vocabulary instanceof Vocabulary)) throw new Error("wordImportance needs the tl.text.Vocabulary the model was trained with.");
  const length = options.length ?? (model.inputs[0].shape[1] as number | null) ?? 256;
  const ids = typeof text === "string" ? vocabulary.encode(text, length) : Int32Array.from(text);
  const distinct = [...new Set(Array.from(ids).filter((i) => i > 0))];
  const rows = new Float32Array((distinct.length + 1) * ids.length);
  rows.set(ids, 0);
  distinct.forEach((word, k) => {
    let n = 0;
    const at = (k + 1) * ids.length;
    for (const i of ids) if (i > 0 && i !== word) rows[at + n++] = i;
  });
  const probabilities = tf.tidy(() => model.predict(tf.tensor2d(rows, [distinct.length + 1, ids.length])) as tf.Tensor);
  const width = probabilities.shape[1]!;
  const flat = valuesNow(probabilities, "tl.text.wordImportance");
  const p = Array.from({ length: probabilities.shape[0] }, (_, row) => Array.from(flat.subarray(row * width, (row + 1) * width)));
  probabilities.dispose();
  const whole = p[0];
  const classIndex = options.classIndex ?? whole.indexOf(Math.max(...whole));
  if (!(Number.isInteger(classIndex) && classIndex >= 0 && classIndex < whole.length)) {
    throw new Error(`classIndex must be a class of the model (0..${whole.length - 1}), got ${classIndex}.`);
  }
  const words = distinct.map((word, k) => ({
    word: vocabulary.words[word],
    count: Array.prototype.filter.call(ids, (i: number) => i === word).length,
    effect: whole[classIndex] - p[k + 1][classIndex],
  }));
  words.sort((a, b) => b.effect - a.effect);
  return { probabilities: whole, classIndex, words };
}
