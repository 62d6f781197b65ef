/**
 * The weight gradient of a 1×1, stride-1, unpadded convolution, dW[ci, co] = Σ_p x[p, ci]·dy[p, co]
 * over every pixel p of the batch, with tsfine's own WebAssembly SIMD loop (wasm/outer-products.wat)
 * reading x and dy as they are laid out (no transpose). The pixels go in blocks small enough to
 * stay in cache while every 4×8 block of dW is updated from them.
 * Measured on the MobileNet-like bench model: XNNPACK's matmul runs these shapes (inner dimension
 * 4 608–73 728) at 3–6 GFLOP/s plus a transpose; this loop avoids both.
 */
import * as tf from "@tensorflow/tfjs";
import { ensureBytes, heapValues, isWasmHeapBackend, simdModuleLoader, type SimdMemory } from "./simd-module";
import { wasmBase64 } from "./wasm/outer-products-binary";

interface OuterProducts {
  memory: SimdMemory;
  accumulateOuterProducts(x: number, dy: number, out: number, rows: number, inCount: number, outCount: number): void;
}

const loadOuterProducts = simdModuleLoader<OuterProducts>(wasmBase64);

/** Pixels per call (measured best of 32–1024 on the bench model's layers): blocks of x and dy stay in cache. */
const ROWS_PER_BLOCK = 64;

export function simdPointwiseGradientApplies(inChannels: number, outChannels: number, backend: unknown): boolean {
  return inChannels % 4 === 0 && outChannels % 8 === 0 && isWasmHeapBackend(backend) && loadOuterProducts() !== null;
}

/** x: [..., inChannels], dy: [..., outChannels] with the same leading size; returns [1, 1, in, out]. */
export function pointwiseFilterGradientSimd(x: tf.TensorInfo, dy: tf.TensorInfo, backend: unknown, inChannels: number, outChannels: number): tf.Tensor4D {
  const module = loadOuterProducts();
  if (!module) throw new Error("WebAssembly SIMD is not available");
  const xValues = heapValues(backend, x);
  const dyValues = heapValues(backend, dy);
  if (!xValues || !dyValues) throw new Error("expected float32 tensors of the wasm backend");
  const rows = xValues.length / inChannels;
  if (dyValues.length !== rows * outChannels) throw new Error(`x has ${rows} pixels but dy ${dyValues.length / outChannels}`);

  const xAt = 0;
  const dyAt = xAt + xValues.length * 4;
  const outAt = dyAt + dyValues.length * 4;
  const outValues = inChannels * outChannels;
  ensureBytes(module.memory, outAt + outValues * 4);
  const memory = module.memory.buffer;
  new Float32Array(memory, xAt, xValues.length).set(xValues);
  new Float32Array(memory, dyAt, dyValues.length).set(dyValues);
  new Float32Array(memory, outAt, outValues).fill(0);
  for (let first = 0; first < rows; first += ROWS_PER_BLOCK) {
    const count = Math.min(ROWS_PER_BLOCK, rows - first);
    module.accumulateOuterProducts(xAt + first * inChannels * 4, dyAt + first * outChannels * 4, outAt, count, inChannels, outChannels);
  }
  return tf.tensor4d(new Float32Array(memory, outAt, outValues).slice(), [1, 1, inChannels, outChannels]);
}
