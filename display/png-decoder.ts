// Types by file path: this CommonJS build resolves modules the node10 way, which skips package "exports".
import type { DecodedPng } from "fast-png/lib/index";
import type { RawImage } from "./png-encoder";

/**
 * Reads a PNG into 8-bit interleaved pixels with fast-png, which handles every PNG a camera,
 * a screenshot tool or a data-set script writes (any bit depth, palettes, interlacing).
 */

type FastPng = typeof import("fast-png/lib/index");
let fastPngModule: FastPng | undefined;

/**
 * fast-png is an ES module; Node ≥ 20.19 loads it with require(), which keeps decoding
 * synchronous. Loaded on first use, so importing tl.data costs nothing until a PNG is read.
 */
function fastPng(): FastPng {
  try {
    fastPngModule ??= require("fast-png") as FastPng;
  } catch (error) {
    throw new Error(`Reading PNG files needs Node 20.19 or newer (this is ${process.version}): ${(error as Error).message}`, { cause: error });
  }
  return fastPngModule;
}

export function decodePng(bytes: Uint8Array, name = "image"): RawImage {
  const { convertIndexedToRgb, decode, hasPngSignature } = fastPng();
  if (!hasPngSignature(bytes)) throw new Error(`${name} is not a PNG file.`);
  let png: DecodedPng;
  try {
    png = decode(bytes);
  } catch (error) {
    throw new Error(`${name} is not a readable PNG: ${(error as Error).message}.`, { cause: error });
  }
  if (png.palette) {
    const data = convertIndexedToRgb(png);
    const channels = data.length / (png.width * png.height);
    return { width: png.width, height: png.height, channels: channels as RawImage["channels"], data };
  }
  return { width: png.width, height: png.height, channels: png.channels as RawImage["channels"], data: eightBitSamples(png) };
}

/** One byte per sample: 16-bit samples keep their high byte, 1/2/4-bit samples are unpacked and stretched to 0..255. */
function eightBitSamples(png: DecodedPng): Uint8Array {
  const { data, depth, width, height, channels } = png;
  if (depth === 8) return data as Uint8Array;
  const out = new Uint8Array(width * height * channels);
  if (depth === 16) {
    for (let i = 0; i < out.length; i++) out[i] = data[i] >> 8;
    return out;
  }
  // Sub-byte samples are packed from the high bit, and every row starts on a fresh byte.
  const perRow = width * channels;
  const bytesPerRow = Math.ceil((perRow * depth) / 8);
  const max = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < perRow; x++) {
      const bit = x * depth;
      const byte = data[y * bytesPerRow + (bit >> 3)];
      const sample = (byte >> (8 - depth - (bit & 7))) & max;
      out[y * perRow + x] = Math.round((sample * 255) / max);
    }
  }
  return out;
}
