import type { RandomStream } from "./random-stream";

/** Seeded, per-image augmentation applied when training batches are assembled (HWC layout). */
export interface Augmentation {
  /** Mirror left-right with probability 1/2. */
  flip?: boolean;
  /** Shift by up to this many pixels in each direction (pad-and-crop), zeros shifted in. */
  crop?: number;
  /** Rotate by a random angle in [-rotate, rotate] degrees around the centre. */
  rotate?: number;
  /** Add a random offset in [-brightness, brightness] to every value. */
  brightness?: number;
}

export function isAugmenting(a: Augmentation | undefined): boolean {
  return !!a && (!!a.flip || !!a.crop || !!a.rotate || !!a.brightness);
}

/** Writes the augmented copy of `image` (shape [h, w, c]) into `out`. */
export function augmentImage(image: Float32Array, out: Float32Array, shape: readonly number[], a: Augmentation, rng: RandomStream): void {
  const [h, w, c] = shape.length === 3 ? shape : [shape[0], shape[1], 1];
  const flip = a.flip ? rng.next() < 0.5 : false;
  const dx = a.crop ? rng.int(2 * a.crop + 1) - a.crop : 0;
  const dy = a.crop ? rng.int(2 * a.crop + 1) - a.crop : 0;
  const angle = a.rotate ? ((rng.next() * 2 - 1) * a.rotate * Math.PI) / 180 : 0;
  const delta = a.brightness ? (rng.next() * 2 - 1) * a.brightness : 0;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Inverse mapping: for each output pixel find the source pixel (nearest neighbour).
      let sx = flip ? w - 1 - x : x;
      let sy = y;
      sx -= dx;
      sy -= dy;
      const rx = cos * (sx - cx) + sin * (sy - cy) + cx;
      const ry = -sin * (sx - cx) + cos * (sy - cy) + cy;
      const ix = Math.round(rx);
      const iy = Math.round(ry);
      const o = (y * w + x) * c;
      if (ix < 0 || iy < 0 || ix >= w || iy >= h) {
        for (let k = 0; k < c; k++) out[o + k] = delta;
      } else {
        const s = (iy * w + ix) * c;
        for (let k = 0; k < c; k++) out[o + k] = image[s + k] + delta;
      }
    }
  }
}
