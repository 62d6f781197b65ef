/**
 * A small seeded random stream (mulberry32) for data work that must repeat exactly given a
 * `seed` option: subset picking, split, batch order, augmentation. Independent of the global
 * seed in tl/seed.ts so that one dataset's draws never shift another's.
 */
export interface RandomStream {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** A new permutation of 0..n-1. */
  permutation(n: number): Int32Array;
}

export function randomStream(seed: number): RandomStream {
  let state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const permutation = (n: number): Int32Array => {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = int(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  };
  return { next, int, permutation };
}
