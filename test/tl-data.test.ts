import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import * as jpeg from "jpeg-js";
import { backend } from "../tl/backend";
import { csv, encodePng, fashionMnist, fromTensors, imageFolder, load, mnist, spamAssassin } from "../tl/data";

beforeAll(async () => {
  await backend.init("wasm");
});

const labelsOf = (e: { size: number; label(p: number): number }) => Array.from({ length: e.size }, (_, p) => e.label(p));
const counts = (labels: number[], k: number) => labels.reduce((c, l) => (c[l]++, c), new Array(k).fill(0));

describe("built-in data sets", () => {
  test("mnist few-shot: exactly 20 digits per class, values in [0, 1], the same picks for the same seed", async () => {
    const a = await mnist({ perClass: 20, seed: 1 });
    expect(a.classes).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(a.train.size).toBe(200);
    expect(counts(labelsOf(a.train), 10)).toEqual(new Array(10).fill(20));
    expect(a.test!.size).toBe(2000);
    expect(a.inputShape).toEqual([28, 28, 1]);
    const pixels = a.train.features(0);
    expect(Math.min(...pixels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
    const again = await mnist({ perClass: 20, seed: 1 });
    const other = await mnist({ perClass: 20, seed: 2 });
    expect(Array.from(again.train.indices)).toEqual(Array.from(a.train.indices));
    expect(Array.from(other.train.indices)).not.toEqual(Array.from(a.train.indices));
    // Train and test never share an image.
    const train = new Set(a.train.indices);
    expect(Array.from(a.test!.indices).some((i) => train.has(i))).toBe(false);
  });

  test("a validation split comes out of the training examples, per class", async () => {
    const d = await mnist({ perClass: 20, validation: 5, seed: 3 });
    expect(d.train.size).toBe(150);
    expect(d.validation!.size).toBe(50);
    expect(counts(labelsOf(d.validation!), 10)).toEqual(new Array(10).fill(5));
    const train = new Set(d.train.indices);
    expect(Array.from(d.validation!.indices).some((i) => train.has(i))).toBe(false);
  });

  test("fashion-mnist with a chosen pair of classes is relabelled 0..1", async () => {
    const d = await fashionMnist({ classes: ["Sneaker", "Bag"], perClass: 5, testPerClass: 3 });
    expect(d.classes).toEqual(["Sneaker", "Bag"]);
    expect(d.train.size).toBe(10);
    expect(d.test!.size).toBe(6);
    expect(counts(labelsOf(d.train), 2)).toEqual([5, 5]);
    await expect(fashionMnist({ classes: ["Sneakers"] })).rejects.toThrow(/Unknown class "Sneakers".*Sneaker/);
  });

  test("load() by name, with the nearest names for a typo", async () => {
    const d = await load("mnist", { perClass: 2 });
    expect(d.train.size).toBe(20);
    await expect(load("mnsit")).rejects.toThrow(/Unknown data set "mnsit" \(nearest: mnist/);
  });

  // Its missing-package sentence is tested in tl-text.test.ts (the package is installed here).
  test("spamAssassin gives ham and spam as hashed bag-of-words vectors", async () => {
    const data = await spamAssassin({ perClass: 10, seed: 1 });
    expect(data.classes).toEqual(["ham", "spam"]);
    expect(data.train.size).toBeGreaterThanOrEqual(10);
    const batch = data.train.batches(4).next().value!;
    expect(batch.xs.shape).toEqual([4, 1024]);
    tf.dispose([batch.xs, batch.ys]);
  });
});

describe("batches", () => {
  test("lazy batches have the asked size, one-hot labels, and leave no tensors behind", async () => {
    const d = await mnist({ perClass: 3 });
    const before = tf.memory().numTensors;
    const sizes: number[] = [];
    for (const b of d.train.batches(8, { shuffle: true, seed: 1 })) {
      sizes.push(b.xs.shape[0]);
      expect(b.xs.shape.slice(1)).toEqual([28, 28, 1]);
      expect(b.ys.shape).toEqual([b.xs.shape[0], 10]);
      const rowSums = b.ys.sum(1);
      expect(Array.from(rowSums.dataSync())).toEqual(new Array(b.xs.shape[0]).fill(1));
      tf.dispose([b.xs, b.ys, rowSums]);
    }
    expect(sizes).toEqual([8, 8, 8, 6]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test("resize turns 28×28 grey into 32×32 colour for an ImageNet-style backbone", async () => {
    const d = (await mnist({ perClass: 1 })).resize(32, 3);
    expect(d.inputShape).toEqual([32, 32, 3]);
    const b = d.train.batch([0, 1]);
    expect(b.xs.shape).toEqual([2, 32, 32, 3]);
    tf.dispose([b.xs, b.ys]);
  });

  test("augmentation is seeded, changes training batches only", async () => {
    const d = (await mnist({ perClass: 2 })).augment({ flip: true, crop: 3, rotate: 15, brightness: 0.1 });
    const take = (seed: number, augment: boolean) => {
      const b = d.train.batches(20, { seed, augment }).next().value!;
      const values = Array.from(b.xs.dataSync());
      tf.dispose([b.xs, b.ys]);
      return values;
    };
    expect(take(5, true)).toEqual(take(5, true));
    expect(take(5, true)).not.toEqual(take(6, true));
    expect(take(5, true)).not.toEqual(take(5, false));
    expect(d.test!.augments).toBe(false);
  });
});

describe("your own data", () => {
  test("imageFolder reads PNG and JPEG files, one class per subfolder", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-images-"));
    const pixel = (v: number, channels: number) => new Uint8Array(8 * 8 * channels).fill(v);
    for (const [cls, value] of [
      ["cats", 200],
      ["dogs", 40],
    ] as const) {
      fs.mkdirSync(path.join(dir, cls));
      for (let i = 0; i < 3; i++) {
        fs.writeFileSync(path.join(dir, cls, `${i}.png`), encodePng({ width: 8, height: 8, channels: 3, data: pixel(value, 3) }));
      }
      const rgba = { width: 8, height: 8, data: Buffer.from(pixel(value, 4)) };
      fs.writeFileSync(path.join(dir, cls, "photo.jpg"), jpeg.encode(rgba, 95).data);
    }
    fs.writeFileSync(path.join(dir, "cats", "notes.txt"), "not an image");
    const d = await imageFolder(dir, { test: 0.25 });
    expect(d.classes).toEqual(["cats", "dogs"]);
    expect(d.train.size + d.test!.size).toBe(8);
    expect(d.inputShape).toEqual([8, 8, 3]);
    const all = [...Array.from({ length: d.train.size }, (_, p) => [d.train.label(p), d.train.features(p)[0]] as const)];
    for (const [label, first] of all) expect(first).toBeCloseTo(label === 0 ? 200 / 255 : 40 / 255, 1);
    await expect(imageFolder(path.join(dir, "nope"))).rejects.toThrow(/is not a folder/);
  });

  test("fromTensors: integer labels make a classification set, floats a regression set", () => {
    const xs = tf.randomNormal([10, 4]);
    const cls = fromTensors(xs, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0], { test: 0.2 });
    expect(cls.classes).toEqual(["0", "1", "2"]);
    expect(cls.train.isClassification).toBe(true);
    const reg = fromTensors(xs, tf.linspace(0.5, 1.5, 10), { test: 0 });
    expect(reg.train.isClassification).toBe(false);
    expect(reg.train.size).toBe(10);
    expect(() => fromTensors(xs, [0, 1])).toThrow("fromTensors: 10 inputs but 2 labels");
    xs.dispose();
  });

  test("csv: numeric columns become features, the label column classes", async () => {
    const text = "height,weight,kind\n1.0,2.0,cat\n1.5,2.5,dog\n1.1,2.1,cat\n1.6,2.4,dog\n1.2,2.2,cat\n";
    const d = await csv(text, { label: "kind", test: 0 });
    expect(d.classes).toEqual(["cat", "dog"]);
    expect(d.inputShape).toEqual([2]);
    expect(d.train.size).toBe(5);
    await expect(csv("a,b\n1,x\n2,y\n", { label: "a" })).rejects.toThrow('row 2, column "b" is "x", not a number');
  });
});
