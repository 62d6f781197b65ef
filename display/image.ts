import { escapeHtml } from "./html";
import { toRawImage, type PixelSource } from "./pixels";
import { encodePng } from "./png-encoder";
import type { RichOutput } from "./types";

export interface ImageOptions {
  /** Width in CSS pixels the image is shown at (the PNG keeps its own size). */
  width?: number;
  caption?: string;
  /** Needed only for a flat typed array that is not a square gray image. */
  shape?: number[];
}

const channelNames: Record<number, string> = { 1: "gray", 2: "gray+alpha", 3: "RGB", 4: "RGBA" };

export interface EncodedImage {
  base64: string;
  width: number;
  height: number;
  channels: number;
}

export function encodeImage(source: PixelSource, shape?: number[]): EncodedImage {
  const raw = toRawImage(source, { shape });
  return { base64: encodePng(raw).toString("base64"), width: raw.width, height: raw.height, channels: raw.channels };
}

export function imageTag(image: EncodedImage, displayWidth?: number, extraStyle = ""): string {
  // Small images (28×28 digits) are scaled up with visible pixels rather than blurred.
  const width = displayWidth ?? image.width;
  const style = `image-rendering:pixelated;${extraStyle}`;
  return `<img src="data:image/png;base64,${image.base64}" width="${width}" style="${style}" alt="${image.width}×${image.height} image">`;
}

export function imageOutput(source: PixelSource, options: ImageOptions = {}): RichOutput {
  const image = encodeImage(source, options.shape);
  const description = `<image ${image.width}×${image.height} ${channelNames[image.channels]}>`;
  const data: RichOutput["data"] = {
    "image/png": image.base64,
    "text/plain": options.caption ? `${description} ${options.caption}` : description,
  };
  if (options.caption !== undefined) {
    data["text/html"] =
      `<figure style="display:inline-block;margin:4px;text-align:center">${imageTag(image, options.width)}` +
      `<figcaption style="font-size:12px">${escapeHtml(options.caption)}</figcaption></figure>`;
  }
  const metadata = options.width ? { "image/png": { width: options.width } } : undefined;
  return { data, metadata };
}
