import type { ExampleSource } from "./examples";
import type { Pools } from "./dataset";

/** 28×28 grey digits or clothes held as bytes (0..255), read as floats in [0, 1]. */
export interface PixelTable {
  pixels: Uint8Array;
  labels: Int32Array;
  /** Positions per class in file order. */
  perClass: number[][];
}

export function pixelSource(table: PixelTable): ExampleSource {
  const side = 28;
  const per = side * side;
  return {
    kind: "image",
    inputShape: [side, side, 1],
    size: table.labels.length,
    labels: table.labels,
    read(index, out, offset) {
      const base = index * per;
      for (let i = 0; i < per; i++) out[offset + i] = table.pixels[base + i] / 255;
    },
  };
}

/** The last `testCount` examples of each class form the test pool; the rest train. */
export function poolsByTail(table: PixelTable, testCount: number): Pools {
  const train: number[] = [];
  const test: number[] = [];
  for (const group of table.perClass) {
    const cut = group.length - testCount;
    group.forEach((p, i) => (i < cut ? train : test).push(p));
  }
  return { train, test };
}
