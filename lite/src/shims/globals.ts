/** Globals Node gives the shared modules, injected into the worker bundle by esbuild (build.mjs). */
export { Buffer } from "buffer";
export { process } from "./process";
export { resolvePackageFile as __tsfine_require_resolve } from "../worker/virtual-files";

/**
 * A page that is not cross-origin isolated has no SharedArrayBuffer. tl/fit's stop flag, made at load,
 * is then an ordinary buffer in the worker: the interrupt message sets it between training steps.
 */
export const SharedArrayBuffer: SharedArrayBufferConstructor = globalThis.SharedArrayBuffer ?? (ArrayBuffer as unknown as SharedArrayBufferConstructor);

/** Node's setImmediate (tl's fit loop yields with it): a macrotask, as in Node. */
export const setImmediate = (callback: (...args: unknown[]) => void, ...args: unknown[]) => setTimeout(callback, 0, ...args);
export const clearImmediate = (handle: ReturnType<typeof setTimeout>) => clearTimeout(handle);
