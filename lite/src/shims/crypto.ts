/** node:crypto's randomBytes for display ids, from the browser's crypto.getRandomValues. */
import { Buffer } from "buffer";

export function randomBytes(size: number): Buffer {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(size)));
}
