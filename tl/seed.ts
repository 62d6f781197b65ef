/**
 * One seed for everything random in tl/: `seed(n)` makes shuffles, splits, augmentation and
 * weight initialisation repeat exactly on the next run.
 *
 * tfjs has no global seed. Its random ops (the layers' default initialisers, dropout,
 * tf.randomNormal without a seed argument) derive their per-op seed from Math.random, and so
 * does `model.fit`'s shuffle. `seed()` therefore also replaces Math.random with a seeded
 * generator (a separate stream from tl's own), which makes those repeat on the cpu and wasm
 * backends. Limits: the native tfjs-node backends draw from TensorFlow's own generator when an
 * op gets no explicit seed, and WebGPU/WebGL random kernels are not bit-stable across
 * drivers, so there only tl's own randomness (shuffle, splits, augmentation) repeats.
 * `seed(n, {mathRandom: false})` leaves Math.random alone.
 */

export interface SeedOptions {
  /** Replace Math.random with a seeded stream (default true); see the module comment. */
  mathRandom?: boolean;
}

const unseededMathRandom = Math.random;

/** mulberry32: tiny, fast, good enough for shuffles and initialiser seeds (not for crypto). */
export function makeGenerator(seedValue: number): () => number {
  let state = seedValue >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let tlGenerator: () => number = unseededMathRandom;
let currentSeed: number | null = null;

export function seed(n: number, options: SeedOptions = {}): number {
  if (!Number.isFinite(n)) throw new Error(`tl.seed needs a finite number; got ${String(n)}.`);
  const integerSeed = Math.floor(n) >>> 0;
  currentSeed = integerSeed;
  tlGenerator = makeGenerator(integerSeed);
  if (options.mathRandom !== false) {
    // A different stream than tl's, so user code calling Math.random does not shift tl's draws.
    Math.random = makeGenerator(integerSeed ^ 0x9e3779b9);
  }
  return integerSeed;
}

/** Undo seed(): tl and Math.random go back to unseeded randomness. */
export function unseed(): void {
  currentSeed = null;
  tlGenerator = unseededMathRandom;
  Math.random = unseededMathRandom;
}

export function currentSeedValue(): number | null {
  return currentSeed;
}

/** A float in [0, 1) from tl's stream (seeded after seed(n)). */
export function random(): number {
  return tlGenerator();
}

/** An integer in [0, n). */
export function randomInt(n: number): number {
  return Math.floor(tlGenerator() * n);
}

/** Fisher–Yates in place; returns the same array. */
export function shuffle<T>(array: T[]): T[] {
  for (let i = array.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    const held = array[i];
    array[i] = array[j];
    array[j] = held;
  }
  return array;
}

/** A seed for a tf op that takes one (tf.randomNormal(shape, mean, std, dtype, seed)). */
export function opSeed(): number {
  return randomInt(2 ** 31);
}
