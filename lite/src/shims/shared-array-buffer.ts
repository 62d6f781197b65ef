/**
 * A page that is not cross-origin isolated has no SharedArrayBuffer. tl/fit's stop flag, made when its
 * module loads (in the worker, and in the page, which reads the flag's layout from the same module), is
 * then an ordinary buffer: in the worker the interrupt message sets it between training steps. Injected
 * by esbuild into both bundles (build.mjs).
 */
export const SharedArrayBuffer: SharedArrayBufferConstructor = globalThis.SharedArrayBuffer ?? (ArrayBuffer as unknown as SharedArrayBufferConstructor);
