/**
 * Encoded image bytes → the floats a model sees. imageFolder and tl.predict share this, so a
 * file given to predict is prepared exactly as the training images were.
 */
import * as jpeg from "jpeg-js";
import { decodePng } from "../../display/png-decoder";
import { sniffImageFormat } from "../../display/image-bytes";
import type { RawImage } from "../../display/png-encoder";

/** Decodes PNG or JPEG bytes (recognised by their signature, not a file extension). */
export function decodeImage(bytes: Uint8Array, name = "image"): RawImage {
  const format = sniffImageFormat(bytes);
  if (format === "png") return decodePng(bytes, name);
  if (format === "jpeg") {
    try {
      const { width, height, data } = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
      return { width, height, channels: 3, data };
    } catch (error) {
      throw new Error(`${name} is not a readable JPEG: ${(error as Error).message}.`, { cause: error });
    }
  }
  const what = format ? `a ${format.toUpperCase()} image` : "not a PNG or JPEG image";
  throw new Error(`${name} is ${what}; give a PNG or JPEG file.`);
}

/** Bilinear sample of `image` at the target size and channel count, values scaled to [0, 1]. */
export function imageToFloats(image: RawImage, h: number, w: number, channels: number, out: Float32Array, offset = 0): Float32Array {
  const sy = image.height / h;
  const sx = image.width / w;
  const c0 = image.channels;
  // Alpha (channels 2 and 4) is not colour: grey+alpha samples its grey, RGBA its RGB.
  const colour = c0 >= 3 ? 3 : 1;
  for (let y = 0; y < h; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), image.height - 1);
    const y0 = Math.floor(fy),
      y1 = Math.min(y0 + 1, image.height - 1),
      ty = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), image.width - 1);
      const x0 = Math.floor(fx),
        x1 = Math.min(x0 + 1, image.width - 1),
        tx = fx - x0;
      for (let k = 0; k < channels; k++) {
        // Grey sources repeat their one channel; colour sources averaged for grey targets.
        const sample = (yy: number, xx: number): number => {
          const base = (yy * image.width + xx) * c0;
          if (channels === 1 && colour === 3) return (image.data[base] + image.data[base + 1] + image.data[base + 2]) / 3;
          return image.data[base + (colour === 1 ? 0 : k)];
        };
        const v = (1 - ty) * ((1 - tx) * sample(y0, x0) + tx * sample(y0, x1)) + ty * ((1 - tx) * sample(y1, x0) + tx * sample(y1, x1));
        out[offset + (y * w + x) * channels + k] = v / 255;
      }
    }
  }
  return out;
}
