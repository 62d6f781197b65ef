import { csv } from "./csv";
import type { DataOptions, Dataset } from "./dataset";
import { fashionMnist } from "./fashion-mnist";
import { fromTensors } from "./from-tensors";
import { imageFolder } from "./image-folder";
import { mnist } from "./mnist";
import { spamAssassin } from "./spam-assassin";
import { nearestNote } from "../nearest-names";

export { Dataset, makeDataset, type DataOptions } from "./dataset";
export { Examples, ExampleEntry, type Batch, type ExampleSource, type DataKind } from "./examples";
export type { Augmentation } from "./augment";
export { randomStream, type RandomStream } from "./random-stream";
export { decodePng } from "../../display/png-decoder";
export { encodePng } from "../../display/png-encoder";
export { fashionMnist, mnist, spamAssassin, imageFolder, fromTensors, csv };

const named: Record<string, (options: DataOptions) => Promise<Dataset>> = {
  "fashion-mnist": fashionMnist,
  mnist,
  "spam-assassin": spamAssassin,
};

/** Names `load` understands (besides folder and .csv paths). */
export function datasets(): string[] {
  return Object.keys(named);
}

/** A data set by name (`%dataset NAME`): a built-in name, a folder of class subfolders, or a .csv file. */
export async function load(name: string, options: DataOptions = {}): Promise<Dataset> {
  const key = name
    .toLowerCase()
    .replace(/[_\s]/g, "-")
    .replace(/^fashionmnist$/, "fashion-mnist")
    .replace(/^spamassassin$/, "spam-assassin");
  if (named[key]) return named[key](options);
  if (/\.csv$/i.test(name)) return csv(name, options);
  if (name.includes("/") || name.startsWith(".")) return imageFolder(name, options);
  throw new Error(`Unknown data set "${name}"${nearestNote(name, datasets())}; give a built-in name, a folder of class subfolders, or a .csv file.`);
}

export const data = { fashionMnist, mnist, spamAssassin, imageFolder, fromTensors, csv, load, datasets };
