import type { RawImage } from "./png-encoder";
import { isTensorLike } from "./tensor-like";

/**
 * Turns the many ways people hold an image into 8-bit interleaved pixels:
 * a tensor or {data, shape} of shape [h,w], [h,w,1..4] or [1,h,w,c]; an ImageData-like
 * {width, height, data}; nested number arrays; or a flat typed array with options.shape
 * (a square gray image such as 784 values is recognised without it).
 * Values: uint8 is taken as is; floats within 0..1 are scaled by 255, within -1..1 (as after
 * MobileNet preprocessing) mapped to 0..255, within 0..255 rounded, anything else stretched.
 */
export type PixelSource =
  | { shape: number[]; dataSync(): ArrayLike<number> }
  | { shape: number[]; data: ArrayLike<number> }
  | { width: number; height: number; data: ArrayLike<number> }
  | ArrayLike<number>
  | number[][]
  | number[][][];

export class ImageInputError extends Error {}

interface ShapedValues {
  values: ArrayLike<number>;
  shape: number[];
  isUint8: boolean;
}

function flattenNested(rows: unknown[]): ShapedValues {
  const shape: number[] = [];
  let level: unknown = rows;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const values = (rows as unknown[]).flat(shape.length) as number[];
  return { values, shape, isUint8: false };
}

function shapedValues(source: PixelSource, shape?: number[]): ShapedValues {
  if (isTensorLike(source)) {
    return { values: source.dataSync() as ArrayLike<number>, shape: source.shape, isUint8: source.dtype === "uint8" };
  }
  if (Array.isArray(source) && Array.isArray(source[0])) return flattenNested(source);
  const record = source as Record<string, unknown>;
  if (Array.isArray(record.shape) && record.data) {
    const values = record.data as ArrayLike<number>;
    return { values, shape: record.shape as number[], isUint8: values instanceof Uint8Array || values instanceof Uint8ClampedArray };
  }
  if (typeof record.width === "number" && typeof record.height === "number" && record.data) {
    const values = record.data as ArrayLike<number>;
    const channels = values.length / (record.width * record.height);
    return {
      values,
      shape: [record.height, record.width, channels],
      isUint8: values instanceof Uint8Array || values instanceof Uint8ClampedArray,
    };
  }
  const values = source as ArrayLike<number>;
  if (typeof values.length !== "number") {
    throw new ImageInputError("display.image needs a tensor, a typed array or nested number arrays holding pixels.");
  }
  const isUint8 = values instanceof Uint8Array || values instanceof Uint8ClampedArray;
  if (shape) return { values, shape, isUint8 };
  const side = Math.round(Math.sqrt(values.length));
  if (side * side === values.length) return { values, shape: [side, side], isUint8 };
  throw new ImageInputError(`display.image got ${values.length} flat values and cannot tell the image size; pass { shape: [height, width, channels] }.`);
}

function normalisedShape(shape: number[]): [number, number, number] {
  const dims = shape.length === 4 && shape[0] === 1 ? shape.slice(1) : shape;
  if (dims.length === 2) return [dims[0], dims[1], 1];
  if (dims.length === 3 && dims[2] >= 1 && dims[2] <= 4) return [dims[0], dims[1], dims[2]];
  throw new ImageInputError(`An image must have shape [height, width] or [height, width, 1|3|4]; got [${shape.join(", ")}].`);
}

/** Returns [scale, offset] so that pixel = value * scale + offset. */
function linearMapping(values: ArrayLike<number>): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min >= 0 && max <= 1) return [255, 0];
  if (min >= -1 && max <= 1) return [127.5, 127.5];
  if (min >= 0 && max <= 255) return [1, 0];
  const scale = 255 / (max - min || 1);
  return [scale, -min * scale];
}

export function toRawImage(source: PixelSource, options: { shape?: number[] } = {}): RawImage {
  const { values, shape, isUint8 } = shapedValues(source, options.shape);
  const [height, width, channels] = normalisedShape(shape);
  const expected = height * width * channels;
  if (values.length !== expected) {
    throw new ImageInputError(`An image of shape [${height}, ${width}, ${channels}] needs ${expected} values; got ${values.length}.`);
  }
  let data: Uint8Array;
  if (isUint8) {
    data = values instanceof Uint8Array ? values : Uint8Array.from(values);
  } else {
    // Uint8ClampedArray rounds and clamps on assignment, which is exactly the conversion wanted.
    const clamped = new Uint8ClampedArray(expected);
    const [scale, offset] = linearMapping(values);
    for (let i = 0; i < expected; i++) clamped[i] = values[i] * scale + offset;
    data = new Uint8Array(clamped.buffer);
  }
  return { width, height, channels: channels as RawImage["channels"], data };
}
