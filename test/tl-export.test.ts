/**
 * tl.export → a folder plain TensorFlow.js uses without tsfine, tl.load with its metadata, and
 * tl.predict on image files of other sizes, channel counts and formats.
 */
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import * as jpeg from "jpeg-js";
import { encodePng } from "../display/png-encoder";
import { backend } from "../tl/backend";
import { backbone } from "../tl/backbones/registry";
import { imageFolder } from "../tl/data/image-folder";
import { mnist } from "../tl/data/mnist";
import { spamAssassin } from "../tl/data/spam-assassin";
import { demo } from "../tl/export/demo-frame";
import { exportModel } from "../tl/export/export";
import { load } from "../tl/export/load";
import { predict } from "../tl/export/predict";
import { fit } from "../tl/fit/fit";
import { freeze } from "../tl/freeze";
import { seed as seedAll } from "../tl/seed";
import { classifier } from "../tl/heads";
import { text } from "../tl/text";

jest.setTimeout(240_000);

const ROOT = join(__dirname, "..");
const work = mkdtempSync(join(tmpdir(), "tsfine-export-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Runs a Node script that can require only what the repository's node_modules holds and
 * nothing of tsfine: it reads model.json and the weights itself, as a user's script would.
 */
function plainNodePredictions(dir: string, inputs: { shape: number[]; values: number[] }): number[][] {
  const script = join(work, "plain-predict.js");
  writeFileSync(
    script,
    `const fs = require("fs"), path = require("path");
const tf = require("@tensorflow/tfjs");
const [dir, inputFile] = process.argv.slice(2);
const loader = path.join(dir, "tsfine-layers.js");
if (fs.existsSync(loader)) require(loader)(tf);
const modelJson = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8"));
const weights = fs.readFileSync(path.join(dir, modelJson.weightsManifest[0].paths[0]));
const handler = { load: async () => ({
  modelTopology: modelJson.modelTopology,
  weightSpecs: modelJson.weightsManifest[0].weights,
  weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
}) };
tf.loadLayersModel(handler).then((model) => {
  const input = JSON.parse(fs.readFileSync(inputFile, "utf8"));
  const out = model.predict(tf.tensor(input.values, input.shape));
  process.stdout.write(JSON.stringify(out.arraySync()));
});
`,
  );
  const inputFile = join(work, "inputs.json");
  writeFileSync(inputFile, JSON.stringify(inputs));
  const child = spawnSync(process.execPath, [script, dir, inputFile], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, NODE_PATH: join(ROOT, "node_modules") },
    cwd: work,
  });
  if (child.status !== 0) throw new Error(`plain Node script failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as number[][];
}

function maxDifference(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i][j]))));
}

/** One 28×28 grey example as 8-bit pixels at `size`, with `channels` (RGB/RGBA repeat the grey). */
function pixelsOf(values: Float32Array, size: number, channels: 1 | 3 | 4): Uint8Array {
  const small = tf.tensor3d(values, [28, 28, 1]);
  const big = tf.tidy(() => tf.image.resizeBilinear(small, [size, size], false, true).mul(255).round().clipByValue(0, 255));
  const grey = big.dataSync();
  small.dispose();
  big.dispose();
  const out = new Uint8Array(size * size * channels);
  for (let i = 0; i < size * size; i++) {
    for (let k = 0; k < channels; k++) out[i * channels + k] = k === 3 ? 255 : grey[i];
  }
  return out;
}

describe("an image classifier from the quick start", () => {
  let model: tf.LayersModel;
  let data: Awaited<ReturnType<typeof mnist>>;
  let dir: string;

  beforeAll(async () => {
    data = await mnist({ perClass: 20, testPerClass: 5, seed: 1 });
    await backend.init("wasm");
    seedAll(1);
    const base = await backbone("fashion_cnn");
    freeze(base);
    model = classifier(base, { classes: 10, pooling: "flatten", normalize: true });
    await fit(model, data, { epochs: 3, lr: 3e-3, seed: 1, batchSize: 16, verbose: false });
    dir = join(work, "digits");
  });

  test("export writes model.json, weights and metadata.json with the labels and the preprocessing", async () => {
    const exported = await exportModel(model, dir, { data });
    const metadata = JSON.parse(readFileSync(join(dir, "metadata.json"), "utf8"));
    expect(metadata.labels).toEqual(data.classes);
    expect(metadata.inputShape).toEqual(model.inputs[0].shape.slice(1));
    expect(metadata.preprocessing).toMatchObject({ resize: "bilinear", channels: 1, scale: 1 / 255, normalizeLayer: "head_norm" });
    expect(metadata.backbone).toBe("fashion_cnn");
    expect(metadata.versions.tfjs).toBe(tf.version.tfjs);
    expect(metadata.customLayers).toEqual([]);
    expect(exported.files.map((f) => f.name)).toEqual(["model.json", "weights.bin", "metadata.json"]);
  });

  test("a plain Node script with only @tensorflow/tfjs predicts what the notebook predicts", async () => {
    const { xs } = data.test!.batch();
    const inNotebook = (model.predict(xs) as tf.Tensor).arraySync() as number[][];
    const plain = plainNodePredictions(dir, { shape: xs.shape, values: Array.from(xs.dataSync()) });
    xs.dispose();
    expect(plain).toHaveLength(inNotebook.length);
    expect(maxDifference(plain, inNotebook)).toBeLessThanOrEqual(1e-5);
  });

  test("tl.load brings the metadata back and tl.predict names the label", async () => {
    const loaded = await load(dir);
    expect(loaded.metadata?.labels).toEqual(data.classes);
    const { xs, ys } = data.test!.batch([0]);
    const truth = data.classes![(await ys.argMax(1).data())[0]];
    const fromLoaded = await predict(loaded, xs, { top: 3 });
    const fromNotebook = await predict(model, xs, { top: 3 });
    xs.dispose();
    ys.dispose();
    expect(fromLoaded.top).toHaveLength(3);
    expect(fromLoaded.label).toBe(fromNotebook.label);
    expect(Math.abs(fromLoaded.probability - fromNotebook.probability)).toBeLessThanOrEqual(1e-5);
    expect(data.classes).toContain(fromLoaded.label);
    expect(typeof truth).toBe("string");
    expect(fromLoaded.toMimeBundle()["text/plain"]).toContain(fromLoaded.label);
  });

  /**
   * Test examples the model is sure of (top two classes at least 0.2 apart), as 28×28 grey
   * values: a resampled file may move a near tie either way, which says nothing about the
   * preprocessing.
   */
  function sureExamples(): Float32Array[] {
    const { xs } = data.test!.batch();
    const probabilities = (model.predict(xs) as tf.Tensor).arraySync() as number[][];
    const per = 28 * 28;
    const all = xs.dataSync();
    xs.dispose();
    const sure = probabilities
      .map((p, i) => ({ i, sorted: [...p].sort((a, b) => b - a) }))
      .filter(({ sorted }) => sorted[0] - sorted[1] >= 0.2)
      .slice(0, 4)
      .map(({ i }) => all.slice(i * per, (i + 1) * per));
    expect(sure.length).toBeGreaterThanOrEqual(2);
    return sure;
  }

  test("PNG and JPEG files of other sizes and channel counts get the dataset tensor's label", async () => {
    const loaded = await load(dir);
    for (const [i, values] of sureExamples().entries()) {
      const expected = (await predict(loaded, tf.tensor3d(values, [28, 28, 1]))).label;
      const png56rgb = join(work, `digit${i}-56-rgb.png`);
      writeFileSync(png56rgb, encodePng({ width: 56, height: 56, channels: 3, data: pixelsOf(values, 56, 3) }));
      const png40rgba = join(work, `digit${i}-40-rgba.png`);
      writeFileSync(png40rgba, encodePng({ width: 40, height: 40, channels: 4, data: pixelsOf(values, 40, 4) }));
      const jpeg84 = join(work, `digit${i}-84.jpg`);
      writeFileSync(jpeg84, jpeg.encode({ width: 84, height: 84, data: Buffer.from(pixelsOf(values, 84, 4)) }, 95).data);
      expect((await predict(loaded, png56rgb)).label).toBe(expected);
      expect((await predict(loaded, png40rgba)).label).toBe(expected);
      expect((await predict(loaded, jpeg84)).label).toBe(expected);
      expect((await predict(loaded, readFileSync(jpeg84))).label).toBe(expected);
    }
  });

  test("an imageFolder entry (PNG or JPEG) gets the label of the data set's own tensor, and shows its picture", async () => {
    const loaded = await load(dir);
    // One class folder per label the model gives the digit on its 28×28 tensor; RGB files of other sizes.
    const folder = join(work, "folder");
    for (const [i, values] of sureExamples().entries()) {
      const label = (await predict(loaded, tf.tensor3d(values, [28, 28, 1]))).label;
      mkdirSync(join(folder, label), { recursive: true });
      writeFileSync(join(folder, label, `digit${i}.png`), encodePng({ width: 56, height: 56, channels: 3, data: pixelsOf(values, 56, 3) }));
      writeFileSync(join(folder, label, `digit${i}.jpg`), jpeg.encode({ width: 84, height: 84, data: Buffer.from(pixelsOf(values, 84, 4)) }, 95).data);
    }
    const photos = await imageFolder(folder, { size: 28, channels: 1, test: 0 });
    expect(photos.test).toBeUndefined();
    const formats = new Set<string>();
    for (let p = 0; p < photos.train.size; p++) {
      const entry = photos.train.entry(p);
      const own = entry.tensor();
      const fromTensor = await predict(loaded, own);
      own.dispose();
      const fromEntry = await predict(loaded, entry);
      expect(fromEntry.label).toBe(fromTensor.label);
      expect(fromEntry.label).toBe(entry.label);
      expect(Math.abs(fromEntry.probability - fromTensor.probability)).toBeLessThanOrEqual(1e-5);
      const format = /\.(png|jpg)$/.exec(entry.file!)![1];
      formats.add(format);
      expect(fromEntry.toMimeBundle()["text/html"]).toContain(`<img src="data:image/${format === "jpg" ? "jpeg" : "png"};base64,`);
    }
    expect([...formats].sort()).toEqual(["jpg", "png"]);
    expect(() => photos.train.entry(photos.train.size)).toThrow(
      `entry(${photos.train.size}): there are ${photos.train.size} examples here; give a position from 0 to ${photos.train.size - 1}.`,
    );
  });

  test("an image URL gives the same prediction as the file", async () => {
    const file = join(work, "served.png");
    const { xs } = data.test!.batch([1]);
    const pixels = tf.tidy(() => xs.mul(255).round().dataSync());
    xs.dispose();
    writeFileSync(file, encodePng({ width: 28, height: 28, channels: 1, data: Uint8Array.from(pixels) }));
    const server = createServer((request, response) => {
      if (request.url === "/served.png") response.writeHead(200, { "content-type": "image/png" }).end(readFileSync(file));
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const fromUrl = await predict(model, `http://127.0.0.1:${port}/served.png`);
      const fromFile = await predict(model, file);
      expect(fromUrl.top).toEqual(fromFile.top);
      await expect(predict(model, `http://127.0.0.1:${port}/missing.png`)).rejects.toThrow(/answered HTTP 404; check the address\./);
    } finally {
      server.close();
    }
  });

  test("a corrupt or non-image file gets one sentence", async () => {
    const notImage = join(work, "notes.png");
    writeFileSync(notImage, "these are notes, not pixels\n");
    await expect(predict(model, notImage)).rejects.toThrow(/notes\.png is not a PNG or JPEG image; give a PNG or JPEG file\./);
    const truncated = join(work, "truncated.png");
    const png = encodePng({ width: 30, height: 30, channels: 1, data: new Uint8Array(900).fill(7) });
    writeFileSync(truncated, png.subarray(0, 40));
    await expect(predict(model, truncated)).rejects.toThrow(/truncated\.png is not a readable PNG/);
    const brokenJpeg = join(work, "truncated.jpg");
    writeFileSync(brokenJpeg, jpeg.encode({ width: 30, height: 30, data: Buffer.alloc(30 * 30 * 4, 128) }, 90).data.subarray(0, 100));
    await expect(predict(model, brokenJpeg)).rejects.toThrow(/truncated\.jpg is not a readable JPEG: [^.]+\.$/);
    await expect(predict(model, join(work, "missing.png"))).rejects.toThrow(/no file at .*missing\.png/);
  });
});

test("a text model exports with a loader for tsfine's EmbeddingBag; plain tfjs predicts the same", async () => {
  const vocabulary = text.vocabulary(["free money now", "meeting at noon", "win money free", "lunch at noon tomorrow"], { minCount: 1 });
  const model = text.classifier(vocabulary, { classes: 2, dimensions: 8, seed: 3, length: 6 });
  const dir = join(work, "spam");
  const exported = await exportModel(model, dir, { labels: ["ham", "spam"], vocabulary });
  expect(exported.metadata.customLayers).toEqual([{ className: "TsfineEmbeddingBag", loader: "tsfine-layers.js" }]);
  expect(exported.metadata.backbone).toBeNull();
  const ids = [...vocabulary.encode("win free money", 6), ...vocabulary.encode("lunch at noon", 6)];
  const x = tf.tensor2d(ids, [2, 6]);
  const inNotebook = (model.predict(x) as tf.Tensor).arraySync() as number[][];
  x.dispose();
  const plain = plainNodePredictions(dir, { shape: [2, 6], values: ids });
  expect(maxDifference(plain, inNotebook)).toBeLessThanOrEqual(1e-5);

  // A text goes in as a text: tl.load's metadata carries the words and how to tokenize.
  const loaded = await load(dir);
  expect(loaded.metadata?.kind).toBe("text");
  const prediction = await predict(loaded, "Win FREE money!", { top: 2 });
  const expectedSpam = inNotebook[0][1];
  const spam = prediction.top.find((t) => t.label === "spam")!;
  expect(Math.abs(spam.probability - expectedSpam)).toBeLessThanOrEqual(1e-5);
  expect(prediction.label).toBe(expectedSpam > 0.5 ? "spam" : "ham");
});

test("the text model from text-transfer: plain tfjs predicts what the notebook predicts, and tl.predict on a message's text matches its token ids", async () => {
  // The example's "pretrained, frozen" way at its smallest label count: SpamAssassin messages as
  // 128 token ids, the pretrained wink vectors in a frozen EmbeddingBag, a softmax layer trained.
  const length = 128;
  const data = await spamAssassin({ headers: false, perClass: 5, testPerClass: 10, seed: 1, tokens: { length, vocabulary: { maxSize: 10000 } } });
  const vectors = text.wordVectors(data.vocabulary);
  seedAll(1);
  const model = text.classifier(data.vocabulary, { classes: 2, vectors, scale: vectors.scale, seed: 1, length });
  freeze(model, { layers: ["embedding"] });
  await fit(model, data, { epochs: 20, batchSize: 16, lr: 0.05, seed: 1, verbose: false });
  const dir = join(work, "text-transfer");
  const exported = await exportModel(model, dir, { data, vocabulary: data.vocabulary });
  expect(exported.metadata.labels).toEqual(data.classes);
  expect(exported.metadata.text?.length).toBe(length);

  const { xs } = data.test!.batch();
  const inNotebook = (model.predict(xs) as tf.Tensor).arraySync() as number[][];
  const plain = plainNodePredictions(dir, { shape: xs.shape, values: Array.from(xs.dataSync()) });
  xs.dispose();
  expect(plain).toHaveLength(data.test!.size);
  expect(maxDifference(plain, inNotebook)).toBeLessThanOrEqual(1e-5);

  const loaded = await load(dir);
  for (const position of [0, data.test!.size - 1]) {
    const message = data.test!.entry(position);
    const fromText = await predict(loaded, message.text!, { top: 2 });
    const fromIds = await predict(loaded, message);
    expect(fromText.label).toBe(fromIds.label);
    expect(Math.abs(fromText.probability - inNotebook[position][data.classes!.indexOf(fromText.label)])).toBeLessThanOrEqual(1e-5);
  }
});

test("tl.demo: an exported model gives one self-contained page in a sandboxed frame; a model without metadata gets one sentence", async () => {
  const input = tf.input({ shape: [8, 8, 1] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 2, activation: "softmax" }).apply(flat) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output, name: "tiny" });
  await expect(demo(model)).rejects.toThrow(
    'tl.demo: model "tiny" has no labels or preprocessing yet; export it first (tl.export(model, dir, { data }) or %export), or load it with tl.load.',
  );
  await exportModel(model, join(work, "tiny"), { labels: ["cat", "dog"] });
  for (const frame of [await demo(model), await demo(join(work, "tiny"))]) {
    expect(frame.title).toBe("tiny");
    expect(frame.html).not.toMatch(/<script src=/);
    expect(frame.html).toContain("window.TSFINE_MODEL = ");
    const html = frame.toMimeBundle()["text/html"];
    expect(html).toMatch(/^<iframe class="tsfine-demo" [^>]*sandbox="allow-scripts"[^>]*srcdoc="[^"]+"><\/iframe>$/);
  }
  await expect(demo(model, { height: -1 })).rejects.toThrow("tl.demo: height must be a whole number of pixels above 0; received -1.");
});

test("a layer class of the notebook's own stops the export with its name", async () => {
  class Doubler extends tf.layers.Layer {
    static className = "NotebookDoubler";
    call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, 2);
    }
  }
  tf.serialization.registerClass(Doubler);
  const input = tf.input({ shape: [4] });
  const doubled = new Doubler({ name: "double_it" }).apply(input) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 2, activation: "softmax" }).apply(doubled) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  await expect(exportModel(model, join(work, "custom"), { labels: ["a", "b"] })).rejects.toThrow(
    'tl.export: layer "double_it" is a custom NotebookDoubler that plain TensorFlow.js cannot load and tsfine has no loader for; replace it with built-in layers, or use tl.save for a model only tsfine reloads.',
  );
});
