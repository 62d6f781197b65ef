/** Globals Node gives the shared modules, injected into the worker bundle by esbuild (build.mjs). */
export { Buffer } from "buffer";
export { process } from "./process";
export { resolvePackageFile as __tsfine_require_resolve } from "../worker/virtual-files";
