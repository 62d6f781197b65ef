/** node:crypto's randomBytes (display ids) and randomUUID (widgets' comm ids), from the browser's crypto. */
import { Buffer } from "buffer";

export function randomBytes(size: number): Buffer {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(size)));
}

export function randomUUID(): string {
  return globalThis.crypto.randomUUID();
}
