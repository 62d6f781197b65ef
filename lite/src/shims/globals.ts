/** Globals Node gives the shared modules, injected into the worker bundle by esbuild (build.mjs). */
export { Buffer } from "buffer";
export { process } from "./process";
export { resolvePackageFile as __tsfine_require_resolve } from "../worker/virtual-files";

export { SharedArrayBuffer } from "./shared-array-buffer";

/** Node's setImmediate (tl's fit loop yields with it): a macrotask, as in Node. */
export const setImmediate = (callback: (...args: unknown[]) => void, ...args: unknown[]) => setTimeout(callback, 0, ...args);
export const clearImmediate = (handle: ReturnType<typeof setTimeout>) => clearTimeout(handle);
