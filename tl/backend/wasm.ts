/**
 * The wasm backend: what runs where the native packages cannot be installed. Stock wasm cannot
 * train conv layers (three gradient kernels are missing); tl/kernels registers them here.
 */
import * as path from "node:path";
import { registerWasmTrainingKernels } from "../kernels";
import type { Preparation } from "./candidates";
import { firstLine, optionalRequire, tf } from "./tf";

interface WasmModule {
  setWasmPaths(prefix: string): void;
}

let wasmPathsSet = false;

export async function prepareWasm(): Promise<Preparation> {
  const loaded = optionalRequire("@tensorflow/tfjs-backend-wasm");
  if (!loaded.module) return { ok: false, why: loaded.why ?? "@tensorflow/tfjs-backend-wasm did not load" };
  if (!wasmPathsSet) {
    // Point at the package's own dist/ so the .wasm binaries are found from any working
    // directory or bundle layout; must happen before the backend first initialises.
    try {
      const distFolder = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
      (loaded.module as WasmModule).setWasmPaths(distFolder + path.sep);
      wasmPathsSet = true;
    } catch (error) {
      return { ok: false, why: `cannot locate the .wasm binaries: ${firstLine((error as Error).message)}` };
    }
  }
  const registered = registerWasmTrainingKernels();
  return { ok: true, why: `WebAssembly with SIMD, one thread; ${registered.join(", ")} registered by tsfine` };
}

/** Details shown by describe() once wasm is the active backend. */
export function wasmFeatures(): string {
  const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT") ? "SIMD" : "no SIMD";
  const threads = tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT") ? "threads available" : "1 thread";
  return `${simd}, ${threads}`;
}
