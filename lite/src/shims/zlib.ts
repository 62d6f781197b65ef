/** node:zlib's deflateSync for display's PNG encoder, from fflate (zlib format, as Node writes it). */
import { Buffer } from "buffer";
import { zlibSync } from "fflate";

export function deflateSync(data: Uint8Array, options: { level?: number } = {}): Buffer {
  return Buffer.from(zlibSync(data, { level: (options.level ?? 6) as 6 }));
}

/** Node ≥ 20.15 has a native crc32; the encoder falls back to its own table without one. */
export const crc32 = undefined;
