import * as fs from "fs";
import * as path from "path";
import * as jpeg from "jpeg-js";
import { makeDataset, type DataOptions, type Dataset } from "./dataset";
import type { ExampleSource } from "./examples";
import { decodePng } from "../../display/pngDecoder";
import type { RawImage } from "../../display/pngEncoder";

const imageExtensions = new Set([".png", ".jpg", ".jpeg"]);

function decodeFile(file: string): RawImage {
  const bytes = fs.readFileSync(file);
  const ext = path.extname(file).toLowerCase();
  if (ext === ".png") return decodePng(bytes, file);
  const { width, height, data } = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  return { width, height, channels: 3, data };
}

/** Bilinear sample of `image` at the target size and channel count, values scaled to [0, 1]. */
function toFloats(image: RawImage, h: number, w: number, channels: number, out: Float32Array, offset: number): void {
  const sy = image.height / h;
  const sx = image.width / w;
  const c0 = image.channels;
  const colour = c0 >= 3 ? 3 : 1;
  for (let y = 0; y < h; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), image.height - 1);
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, image.height - 1), ty = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), image.width - 1);
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, image.width - 1), tx = fx - x0;
      for (let k = 0; k < channels; k++) {
        // Grey sources repeat their one channel; colour sources averaged for grey targets.
        const sample = (yy: number, xx: number): number => {
          const base = (yy * image.width + xx) * c0;
          if (channels === 1 && colour === 3) return (image.data[base] + image.data[base + 1] + image.data[base + 2]) / 3;
          return image.data[base + (colour === 1 ? 0 : k)];
        };
        const v =
          (1 - ty) * ((1 - tx) * sample(y0, x0) + tx * sample(y0, x1)) +
          ty * ((1 - tx) * sample(y1, x0) + tx * sample(y1, x1));
        out[offset + (y * w + x) * channels + k] = v / 255;
      }
    }
  }
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
  const [h, w] = typeof options.size === "number" ? [options.size, options.size] : options.size ?? [first.height, first.width];
  const channels = options.channels ?? 3;
  const source: ExampleSource = {
    kind: "image",
    inputShape: [h, w, channels],
    size: files.length,
    labels: Int32Array.from(labelList),
    read(index, out, offset) {
      toFloats(decodeFile(files[index]), h, w, channels, out, offset);
    },
  };
  const all = files.map((_, i) => i);
  const { size: _size, channels: _channels, ...rest } = options;
  return makeDataset(path.basename(path.resolve(dir)), source, classes, { train: all }, rest);
}
