/**
 * MurmurHash2 (32 bit) of a cell's text as UTF-8 bytes. The front end names a cell's source file with this
 * hash and the seed the kernel announces (debugInfo's hashMethod "Murmur2"), and finds the cell again by
 * hashing its code the same way, so the kernel must compute bit for bit the same number. Written here
 * because no package in node_modules provides MurmurHash2 (imurmurhash is MurmurHash3) and the kernel
 * does not add dependencies for twenty lines.
 */
const M = 0x5bd1e995;

export function murmur2(text: string, seed: number): number {
  const bytes = new TextEncoder().encode(text);
  let length = bytes.length;
  let hash = (seed ^ length) >>> 0;
  let at = 0;
  while (length >= 4) {
    let k = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    hash = Math.imul(hash, M) ^ k;
    at += 4;
    length -= 4;
  }
  switch (length) {
    case 3:
      hash ^= bytes[at + 2] << 16;
    // falls through
    case 2:
      hash ^= bytes[at + 1] << 8;
    // falls through
    case 1:
      hash ^= bytes[at];
      hash = Math.imul(hash, M);
  }
  hash ^= hash >>> 13;
  hash = Math.imul(hash, M);
  hash ^= hash >>> 15;
  return hash >>> 0;
}
