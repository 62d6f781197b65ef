import * as fs from "fs";
import * as path from "path";
import type { RawImage } from "../../display/png-encoder";
import { makeDataset, type DataOptions, type Dataset } from "./dataset";
import type { ExampleSource } from "./examples";
import { decodeImage, imageToFloats } from "./image-pixels";

const imageExtensions = new Set([".png", ".jpg", ".jpeg"]);

function decodeFile(file: string): RawImage {
  return decodeImage(fs.readFileSync(file), file);
}

/**
 * Images in `dir/<class>/*.{png,jpg,jpeg}`, one class per subfolder (sorted by name).
 * Files are decoded when a batch needs them. All images are resampled to `size` (default: the
 * first image's size) with `channels` (default 3).
 */
export async function imageFolder(dir: string, options: DataOptions = {}): Promise<Dataset> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new Error(`tl.data.imageFolder: ${dir} is not a folder (expected one subfolder of images per class).`);
  }
  const classes = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const files: string[] = [];
  const labelList: number[] = [];
  classes.forEach((name, c) => {
    for (const f of fs.readdirSync(path.join(dir, name)).sort()) {
      if (imageExtensions.has(path.extname(f).toLowerCase())) {
        files.push(path.join(dir, name, f));
        labelList.push(c);
      }
    }
  });
  if (files.length === 0) {
    throw new Error(`tl.data.imageFolder: no .png/.jpg images found in the class subfolders of ${dir}.`);
  }
  const first = decodeFile(files[0]);
  const [h, w] = typeof options.size === "number" ? [options.size, options.size] : (options.size ?? [first.height, first.width]);
  const channels = options.channels ?? 3;
  const source: ExampleSource = {
    kind: "image",
    inputShape: [h, w, channels],
    size: files.length,
    labels: Int32Array.from(labelList),
    read(index, out, offset) {
      imageToFloats(decodeFile(files[index]), h, w, channels, out, offset);
    },
    file: (index) => files[index],
  };
  const all = files.map((_, i) => i);
  const { size: _size, channels: _channels, ...rest } = options;
  return makeDataset(path.basename(path.resolve(dir)), source, classes, { train: all }, rest);
}
