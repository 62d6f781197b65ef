/**
 * Loading tsfine's own small WebAssembly SIMD modules (tl/kernels/wasm/*.wat, committed as
 * base64 by compile-wat.js). Each has its own memory: kernels copy their inputs in, rather than
 * sharing tfjs's memory, so tfjs's memory can grow or be threaded freely.
 */
import type * as tf from "@tensorflow/tfjs";

// tsconfig has no DOM lib: the few WebAssembly calls made here, typed loosely.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
};

export interface SimdMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

const PAGE_BYTES = 65536;

/** Compiles once; null where WebAssembly SIMD is unavailable (callers then fall back). */
export function simdModuleLoader<Exports extends { memory: SimdMemory }>(base64: string): () => Exports | null {
  let loaded: Exports | null | undefined;
  return () => {
    if (loaded !== undefined) return loaded;
    try {
      const bytes = Buffer.from(base64, "base64");
      loaded = WebAssembly.validate(bytes) ? (new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as Exports) : null;
    } catch {
      loaded = null;
    }
    return loaded;
  };
}

/** Grows the memory to at least `bytes` (throws RangeError past wasm's limit). */
export function ensureBytes(memory: SimdMemory, bytes: number): void {
  const missing = bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / PAGE_BYTES));
}

interface HeapBackend {
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/** The float32 values of a wasm-backend tensor, viewed in place; undefined on other backends. */
export function heapValues(backend: unknown, info: tf.TensorInfo): Float32Array | undefined {
  const heap = backend as Partial<HeapBackend>;
  return typeof heap.typedArrayFromHeap === "function" && info.dtype === "float32" ? heap.typedArrayFromHeap(info) : undefined;
}

export function isWasmHeapBackend(backend: unknown): boolean {
  return typeof (backend as Partial<HeapBackend>).typedArrayFromHeap === "function";
}
