/**
 * A subset of a 28×28 picture set as raw bytes, for where the package's JSON is too large to carry
 * (a JupyterLite site: Fashion-MNIST's JSON is 149 MB, 600 pictures per class as bytes 4.7 MB).
 * `tsfine lite build` writes one into the package's folder of the site; the data set's loader reads
 * it when the package's own files are absent.
 *
 * Layout: `tsfine-subset.json` (this module's PackedManifest) beside `tsfine-subset.u8`, which holds
 * class 0's training pictures, then its test pictures, then class 1's, and so on, 784 bytes each.
 */
import * as fs from "fs";
import type { PixelTable } from "./mnist-like";
import { missingPackage, packageFile } from "./package-files";

export const PACKED_MANIFEST = "tsfine-subset.json";
export const PACKED_PIXELS = "tsfine-subset.u8";
const PICTURE = 28 * 28;

export interface PackedManifest {
  /** Pictures per class, in class order: training ones first, then test ones. */
  train: number[];
  test: number[];
  /** Where the pictures came from, for a person reading the site's files. */
  source: string;
}

/** One class's pictures as given to the packer: arrays of 784 values 0..255, the package's test pool at the end. */
export type ClassPictures = ArrayLike<number>[];

/**
 * Packs the first `trainPerClass` training pictures and the last `testPerClass` test pictures of each
 * class (the data set's test pool is the last `testPool` of a class), reading one class at a time.
 */
export function packPixels(
  readClass: (c: number) => ClassPictures,
  classes: number,
  options: { trainPerClass: number; testPerClass: number; testPool: number; source: string },
): { manifest: PackedManifest; bytes: Uint8Array } {
  const chunks: Uint8Array[] = [];
  const manifest: PackedManifest = { train: [], test: [], source: options.source };
  for (let c = 0; c < classes; c++) {
    const pictures = readClass(c);
    const trainEnd = pictures.length - options.testPool;
    const train = pictures.slice(0, Math.min(options.trainPerClass, trainEnd));
    const test = pictures.slice(pictures.length - Math.min(options.testPerClass, options.testPool));
    const bytes = new Uint8Array((train.length + test.length) * PICTURE);
    [...train, ...test].forEach((picture, i) => bytes.set(Array.from(picture), i * PICTURE));
    chunks.push(bytes);
    manifest.train.push(train.length);
    manifest.test.push(test.length);
  }
  const bytes = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { manifest, bytes };
}

/** Writes a packed subset into `folder` (the package's folder of a site). */
export function writePackedPixels(folder: string, packed: { manifest: PackedManifest; bytes: Uint8Array }): void {
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(`${folder}/${PACKED_MANIFEST}`, JSON.stringify(packed.manifest));
  fs.writeFileSync(`${folder}/${PACKED_PIXELS}`, packed.bytes);
}

/** The packed subset in package `pkg`'s folder as a table whose test pool is each class's packed test pictures, or undefined when there is none. */
export function readPackedPixels(pkg: string): { table: PixelTable; testPool: number; manifest: PackedManifest } | undefined {
  const manifestFile = packageFile(pkg, PACKED_MANIFEST);
  const pixelsFile = packageFile(pkg, PACKED_PIXELS);
  if (!manifestFile || !pixelsFile || !fs.existsSync(manifestFile) || !fs.existsSync(pixelsFile)) return undefined;
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as PackedManifest;
  const pixels = new Uint8Array(fs.readFileSync(pixelsFile));
  const counts = manifest.train.map((train, c) => train + manifest.test[c]);
  const total = counts.reduce((n, count) => n + count, 0);
  if (pixels.length !== total * PICTURE) {
    throw new Error(
      `${pixelsFile} holds ${pixels.length} bytes where its manifest lists ${total} pictures of ${PICTURE}: rebuild the site with tsfine lite build.`,
    );
  }
  const labels = new Int32Array(total);
  const perClass: number[][] = [];
  let at = 0;
  counts.forEach((count, c) => {
    const positions: number[] = [];
    for (let i = 0; i < count; i++, at++) {
      labels[at] = c;
      positions.push(at);
    }
    perClass.push(positions);
  });
  // Every class carries the same number of test pictures (packPixels takes the same count from each).
  return { table: { pixels, labels, perClass }, testPool: Math.min(...manifest.test), manifest };
}

/**
 * Package `pkg`'s pictures as one table, class after class in the order `readClass` gives them, with
 * the last `testPool` of each class as its test pool; where the package's own files are absent
 * (`readClass` gives null), the packed subset in its folder; where neither is, one sentence naming
 * the package `use` needs.
 */
export function pixelTableFromClasses(
  pkg: string,
  readClass: (c: number) => ClassPictures | null,
  options: { classes: number; testPool: number; use: string },
): { table: PixelTable; testPool: number } {
  const chunks: ClassPictures[] = [];
  for (let c = 0; c < options.classes; c++) {
    const pictures = readClass(c);
    if (!pictures) {
      const packed = readPackedPixels(pkg);
      if (packed) return packed;
      throw missingPackage(pkg, options.use);
    }
    chunks.push(pictures);
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const pixels = new Uint8Array(total * PICTURE);
  const labels = new Int32Array(total);
  const perClass: number[][] = [];
  let at = 0;
  chunks.forEach((pictures, c) => {
    const positions: number[] = [];
    for (const picture of pictures) {
      pixels.set(picture, at * PICTURE);
      labels[at] = c;
      positions.push(at++);
    }
    perClass.push(positions);
  });
  return { table: { pixels, labels, perClass }, testPool: options.testPool };
}
