/**
 * Training kernels for the wasm backend: the three gradient kernels stock wasm lacks, a correct
 * MaxPoolGrad in place of the stock one, and faster replacements for stock ones that dominate a
 * training step. Registration is idempotent.
 */
import * as tf from "@tensorflow/tfjs";
import { conv2dBackpropFilterKernel } from "./conv2d-backprop-filter";
import { depthwiseBackpropFilterKernel } from "./depthwise-backprop-filter";
import { depthwiseBackpropInputKernel } from "./depthwise-backprop-input";
import { channelwiseBatchNormGradient } from "./batch-norm-gradient";
import { conv2dBackpropInputKernel } from "./conv2d-backprop-input";
import { maxPoolGradKernel } from "./max-pool-gradient";
import { poolingMean, poolingSum } from "./pooling-reductions";
import { sharedIdentity, sharedSameTypeCast } from "./shared-identity";
import { meanBroadcastGradient } from "./mean-gradient";
import { clipStepMaskGradient, relu6StepMaskGradient } from "./step-mask-gradients";
import { transposeFirstMatMul } from "./transpose-first-mat-mul";
import { tileReshapeSumGradient } from "./tile-gradient";

export { conv2dFilterGradient } from "./conv2d-backprop-filter";
export { depthwiseFilterGradient } from "./depthwise-backprop-filter";
export { depthwiseInputGradient } from "./depthwise-backprop-input";

export const missingGradientKernels = [conv2dBackpropFilterKernel, depthwiseBackpropFilterKernel, depthwiseBackpropInputKernel];

export interface RegisterOptions {
  /** Also install the faster replacements of stock kernels (default true). */
  fast?: boolean;
}

const replaced = new Set<string>();
const corrected = new Set<string>();
const stockKernels = new Map<string, tf.KernelConfig>();
const stockGradients = new Map<string, tf.GradConfig>();

function replaceStock(kernelName: string, wrap: (stock: tf.KernelConfig) => tf.KernelConfig): void {
  if (replaced.has(kernelName)) return;
  const stock = tf.getKernel(kernelName, "wasm");
  if (!stock) return;
  tf.unregisterKernel(kernelName, "wasm");
  tf.registerKernel(wrap(stock));
  stockKernels.set(kernelName, stock);
  replaced.add(kernelName);
}

/** Replaces a stock kernel that gives wrong answers; restoreStockKernels() leaves it replaced. */
function correctStock(kernelName: string, wrap: (stock: tf.KernelConfig) => tf.KernelConfig): void {
  if (corrected.has(kernelName)) return;
  const stock = tf.getKernel(kernelName, "wasm");
  if (!stock) return;
  tf.unregisterKernel(kernelName, "wasm");
  tf.registerKernel(wrap(stock));
  corrected.add(kernelName);
}

/** Gradients are global (not per backend); these give the same values with cheaper ops. */
function replaceGradient(kernelName: string, make: (stock: tf.GradConfig) => tf.GradConfig): void {
  if (stockGradients.has(kernelName)) return;
  const stock = tf.getGradient(kernelName);
  if (!stock) return;
  stockGradients.set(kernelName, stock);
  tf.registerGradient(make(stock));
  replaced.add(`${kernelName} gradient`);
}

/** Registers on "wasm" whatever is not there yet; returns the names of the kernels added. */
export function registerWasmTrainingKernels(options: RegisterOptions = {}): string[] {
  const added: string[] = [];
  for (const kernel of missingGradientKernels) {
    if (!tf.getKernel(kernel.kernelName, "wasm")) {
      tf.registerKernel(kernel);
      added.push(kernel.kernelName);
    } else if (tf.getKernel(kernel.kernelName, "wasm")?.kernelFunc === kernel.kernelFunc) {
      added.push(kernel.kernelName);
    }
  }
  correctStock("MaxPoolGrad", maxPoolGradKernel);
  if (options.fast !== false) {
    replaceStock("BatchMatMul", transposeFirstMatMul);
    replaceStock("Sum", poolingSum);
    replaceStock("Mean", poolingMean);
    replaceStock("Identity", sharedIdentity);
    replaceStock("Cast", sharedSameTypeCast);
    replaceStock("Conv2DBackpropInput", conv2dBackpropInputKernel);
    registerLeanGradients();
  }
  return added;
}

/**
 * Gradients with the same values as tfjs's but fewer, cheaper ops, for any backend. On WebGPU
 * the stock Mean gradient builds a full-size tf.ones in JavaScript and uploads it (BatchNorm's
 * moments do this for every activation): measured on an NVIDIA H200, 22% of a MobileNet-like
 * step's host time went to filling those arrays and another 23% to creating GPU buffers.
 * `stepMasks: false` keeps the stock Relu6 and ClipByValue gradients: on native TensorFlow
 * tfjs-node's Step is six ops with a tf.ones filled in JavaScript, dearer than the stock masks.
 */
export function registerLeanGradients(options: { stepMasks?: boolean } = {}): void {
  if (options.stepMasks !== false) {
    replaceGradient("Relu6", () => relu6StepMaskGradient);
    replaceGradient("ClipByValue", () => clipStepMaskGradient);
  }
  replaceGradient("Mean", () => meanBroadcastGradient);
  replaceGradient("FusedBatchNorm", channelwiseBatchNormGradient);
  replaceGradient("Tile", () => tileReshapeSumGradient);
}

/** Which stock wasm kernels were replaced because they give wrong answers. */
export function correctedKernels(): string[] {
  return [...corrected];
}

/** Which stock wasm kernels/gradients were replaced by faster ones. */
export function replacedKernels(): string[] {
  return [...replaced];
}

/** Puts the stock wasm kernels back (the missing gradient kernels stay): for benchmarks. */
export function restoreStockKernels(): void {
  for (const [kernelName, stock] of stockKernels) {
    tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel(stock);
    replaced.delete(kernelName);
  }
  stockKernels.clear();
  for (const [kernelName, stock] of stockGradients) {
    tf.registerGradient(stock);
    replaced.delete(`${kernelName} gradient`);
  }
  stockGradients.clear();
}
