import { tokenize } from "./tokenize";

export interface VocabularyOptions {
  /** Keep at most this many words, the most frequent first (default 20 000). */
  maxSize?: number;
  /** Leave out words seen fewer times than this in the texts (default 2). */
  minCount?: number;
}

/**
 * Words and their ids. Id 0 is padding (no word); words have ids 1..size-1, the most
 * frequent first. Tokens outside the vocabulary are left out when a text is encoded.
 */
export class Vocabulary {
  private readonly ids = new Map<string, number>();

  /** `words[0]` is the padding slot (""). */
  constructor(readonly words: readonly string[]) {
    if (words[0] !== "") throw new Error('A Vocabulary\'s first word must be "" (id 0 is padding).');
    words.forEach((w, i) => {
      if (i > 0 && this.ids.has(w)) throw new Error(`The word "${w}" appears twice in the vocabulary.`);
      this.ids.set(w, i);
    });
  }

  /** The words of `texts` (tokenized with tl.text.tokenize) that occur often enough. */
  static build(texts: Iterable<string>, options: VocabularyOptions = {}): Vocabulary {
    const maxSize = options.maxSize ?? 20_000;
    const minCount = options.minCount ?? 2;
    if (!(Number.isInteger(maxSize) && maxSize >= 1)) throw new Error(`maxSize must be a whole number ≥ 1, got ${maxSize}.`);
    if (!(minCount >= 1)) throw new Error(`minCount must be ≥ 1, got ${minCount}.`);
    const counts = new Map<string, number>();
    for (const text of texts) for (const t of tokenize(text)) counts.set(t, (counts.get(t) ?? 0) + 1);
    const kept = [...counts].filter(([, n]) => n >= minCount);
    // Ties in order of the word itself, so the same texts always give the same ids.
    kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return new Vocabulary(["", ...kept.slice(0, maxSize).map(([w]) => w)]);
  }

  /** Number of ids, padding included. */
  get size(): number {
    return this.words.length;
  }

  /** The id of a word, or undefined when it is not in the vocabulary. */
  id(word: string): number | undefined {
    const i = this.ids.get(word);
    return i === 0 ? undefined : i;
  }

  /**
   * A text as `length` ids: its known tokens in order, cut after `length`, then 0s. Also takes
   * an already tokenized text.
   */
  encode(text: string | readonly string[], length: number): Int32Array {
    if (!(Number.isInteger(length) && length >= 1)) throw new Error(`length must be a whole number ≥ 1, got ${length}.`);
    const tokens = typeof text === "string" ? tokenize(text) : text;
    const out = new Int32Array(length);
    let n = 0;
    for (const t of tokens) {
      if (n === length) break;
      const i = this.ids.get(t);
      if (i) out[n++] = i;
    }
    return out;
  }

  /** The words of encoded ids, padding left out. */
  decode(ids: ArrayLike<number>): string[] {
    const words: string[] = [];
    for (let i = 0; i < ids.length; i++) if (ids[i] > 0) words.push(this.words[ids[i]] ?? "?");
    return words;
  }

  toString(): string {
    const shown = this.words.slice(1, 11).join(", ");
    return `Vocabulary of ${this.size - 1} words (id 0 is padding): ${shown}${this.size > 11 ? ", …" : ""}`;
  }

  toMimeBundle(): Record<string, string> {
    return { "text/plain": this.toString() };
  }
}
