import * as tf from "@tensorflow/tfjs";
import { randomStream } from "../data/random-stream";
import { EmbeddingBag } from "./embedding-bag";
import { Vocabulary } from "./vocabulary";
import type { WordVectors } from "./word-vectors";

export interface TextClassifierOptions {
  classes: number;
  /** Start the embedding from these pretrained vectors (words they lack start random). */
  vectors?: WordVectors;
  /** Length of each word's vector when no `vectors` are given (default 100). */
  dimensions?: number;
  /** Standard deviation of the random vectors (default: the pretrained vectors' scale, else 0.05). */
  scale?: number;
  /** Seed of the random vectors and of the output layer's initial weights (default 0). */
  seed?: number;
  /** Token ids per text; leave out to accept any length. */
  length?: number;
  name?: string;
}

/** Normal(0, scale) values from a seeded stream (Box–Muller), so a seed gives the same table. */
function normalValues(out: Float32Array, from: number, to: number, scale: number, rng: ReturnType<typeof randomStream>): void {
  for (let i = from; i < to; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng.next()));
    const angle = 2 * Math.PI * rng.next();
    out[i] = scale * r * Math.cos(angle);
    if (i + 1 < to) out[i + 1] = scale * r * Math.sin(angle);
  }
}

/**
 * A text classifier over token ids: an EmbeddingBag named "embedding" (the mean of the words'
 * vectors) and a softmax layer named "output". Freeze the embedding with
 * tl.freeze(model, { layers: ["embedding"] }), or tl.unfreeze(model) to train every layer.
 */
export function textClassifier(vocabulary: Vocabulary, options: TextClassifierOptions): tf.LayersModel {
  if (!(vocabulary instanceof Vocabulary)) throw new Error("textClassifier needs a tl.text.Vocabulary (from tl.text.vocabulary(texts)).");
  if (!(Number.isInteger(options?.classes) && options.classes >= 2)) throw new Error(`classes must be a whole number ≥ 2, got ${options?.classes}.`);
  const { vectors } = options;
  if (vectors && vectors.vocabulary !== vocabulary) {
    throw new Error("These word vectors belong to another vocabulary; load them with tl.text.wordVectors(vocabulary) for this one.");
  }
  const dims = vectors?.dimensions ?? options.dimensions ?? 100;
  const scale = options.scale ?? (vectors && vectors.knownCount > 0 ? vectors.scale : 0.05);
  const seed = options.seed ?? 0;
  const rng = randomStream(seed);
  const table = new Float32Array(vocabulary.size * dims);
  for (let word = 1; word < vocabulary.size; word++) {
    if (vectors?.known[word]) table.set(vectors.matrix.subarray(word * dims, (word + 1) * dims), word * dims);
    else normalValues(table, word * dims, (word + 1) * dims, scale, rng);
  }
  const input = tf.input({ shape: [options.length ?? null], name: "token_ids" });
  const bag = new EmbeddingBag({ inputDim: vocabulary.size, outputDim: dims, name: "embedding", table }).apply(input) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({ units: options.classes, activation: "softmax", name: "output", kernelInitializer: tf.initializers.glorotUniform({ seed }) })
    .apply(bag) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: options.name ?? (vectors ? "pretrained_text" : "random_text") });
}
