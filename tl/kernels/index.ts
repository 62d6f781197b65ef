/**
 * Training kernels for the wasm backend: the three gradient kernels stock wasm lacks, and faster
 * replacements for stock ones that dominate a training step. Registration is idempotent.
 */
import * as tf from "@tensorflow/tfjs";
import { conv2dBackpropFilterKernel } from "./conv2dBackpropFilter";
import { depthwiseBackpropFilterKernel } from "./depthwiseBackpropFilter";
import { depthwiseBackpropInputKernel } from "./depthwiseBackpropInput";
import { poolingSum } from "./poolingSum";
import { relu6StepMaskGradient } from "./relu6Gradient";
import { transposeFirstMatMul } from "./transposeFirstMatMul";

export { conv2dFilterGradient } from "./conv2dBackpropFilter";
export { depthwiseFilterGradient } from "./depthwiseBackpropFilter";
export { depthwiseInputGradient } from "./depthwiseBackpropInput";

export const missingGradientKernels = [conv2dBackpropFilterKernel, depthwiseBackpropFilterKernel, depthwiseBackpropInputKernel];

export interface RegisterOptions {
  /** Also install the faster replacements of stock kernels (default true). */
  fast?: boolean;
}

const replaced = new Set<string>();

function replaceStock(kernelName: string, wrap: (stock: tf.KernelConfig) => tf.KernelConfig): void {
  if (replaced.has(kernelName)) return;
  const stock = tf.getKernel(kernelName, "wasm");
  if (!stock) return;
  tf.unregisterKernel(kernelName, "wasm");
  tf.registerKernel(wrap(stock));
  replaced.add(kernelName);
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
  if (options.fast !== false) {
    replaceStock("BatchMatMul", transposeFirstMatMul);
    replaceStock("Sum", poolingSum);
    if (!replaced.has("Relu6Gradient")) {
      tf.registerGradient(relu6StepMaskGradient);
      replaced.add("Relu6Gradient");
    }
  }
  return added;
}

/** Which stock wasm kernels/gradients were replaced by faster ones. */
export function replacedKernels(): string[] {
  return [...replaced];
}
