/**
 * Kernels for the native TensorFlow backend (tfjs-node) that run one TensorFlow op where
 * tfjs-node's own run several full passes over the tensor. Measured with tf.profile on
 * MobileNetV2's frozen part (96², batch 32, TensorFlow 2.21): tfjs-node's ClipByValue is a
 * Minimum and a Maximum with scalars built per call, and ReLU6 (tf.layers.reLU({ maxValue: 6 }),
 * what every MobileNetV2 block runs) is a ClipByValue: it took more time than the convolutions.
 * TensorFlow has ClipByValue and Relu6 as single ops. tfjs-node's Step (what the Relu
 * gradient runs) builds a tf.ones in JavaScript and selects twice; for step(x) = x > 0 ? 1 : 0
 * (NaN stays NaN) four TensorFlow ops do without it. A 1×1 convolution's input and filter
 * gradients are one matrix product each; TensorFlow's Conv2DBackpropInput/Filter took 2–5× the
 * time of that MatMul at a MobileNetV2 top block's sizes (3×3×960, batch 32). Registration is
 * idempotent.
 */
import * as tf from "@tensorflow/tfjs";
import { nativeFusedConv2D } from "./native-fused-conv";
import { installFusedBatchNormTraining } from "./native-fused-batch-norm";
import { installNativeAdam } from "./native-adam";
import { installNativeRelu6 } from "./native-relu6";

/** The parts of tfjs-node's backend these kernels call. */
interface NativeBackend {
  binding: { TF_ATTR_TYPE: number; TF_FLOAT: number; TF_INT32: number; TF_BOOL: number };
  executeSingleInput(name: string, x: tf.TensorInfo): tf.Tensor;
  executeSingleOutput(name: string, attrs: unknown[], inputs: tf.TensorInfo[]): tf.Tensor;
}

function typeAttr(backend: NativeBackend, dtype: tf.DataType): { name: string; type: number; value: number } {
  return { name: "T", type: backend.binding.TF_ATTR_TYPE, value: dtype === "int32" ? backend.binding.TF_INT32 : backend.binding.TF_FLOAT };
}

/** clip(x, 0, 6) is TensorFlow's Relu6; any other range is its ClipByValue with two scalars. */
export const nativeClipByValue: tf.KernelConfig = {
  kernelName: "ClipByValue",
  backendName: "tensorflow",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const native = backend as unknown as NativeBackend;
    const x = inputs.x as tf.TensorInfo;
    const { clipValueMin, clipValueMax } = attrs as unknown as { clipValueMin: number; clipValueMax: number };
    if (x.dtype === "float32" && clipValueMin === 0 && clipValueMax === 6) return native.executeSingleInput("Relu6", x);
    if (x.dtype !== "float32" && x.dtype !== "int32") throw new Error(`clipByValue on the tensorflow backend takes float32 or int32, not ${x.dtype}.`);
    const bounds = [tf.scalar(clipValueMin, x.dtype), tf.scalar(clipValueMax, x.dtype)];
    try {
      return native.executeSingleOutput("ClipByValue", [typeAttr(native, x.dtype)], [x, ...bounds]);
    } finally {
      tf.dispose(bounds);
    }
  },
};

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** A replacement for tfjs-node's kernel (stock) that runs `run` where `applies` holds and stock everywhere else. */
function takeOverWhere(stock: tf.KernelConfig, applies: (args: KernelArgs) => boolean, run: tf.KernelFunc): tf.KernelConfig {
  return {
    kernelName: stock.kernelName,
    backendName: "tensorflow",
    kernelFunc: (args) => (applies(args) ? run(args) : stock.kernelFunc(args)),
  };
}

/** step(x) with alpha 0: 1 where x > 0, 0 elsewhere, NaN where x is NaN; other alphas keep tfjs-node's kernel. */
function nativeStep(stock: tf.KernelConfig): tf.KernelConfig {
  return takeOverWhere(
    stock,
    ({ inputs, attrs }) => inputs.x!.dtype === "float32" && (attrs as unknown as { alpha: number }).alpha === 0,
    (args) => {
      const native = args.backend as unknown as NativeBackend;
      const x = args.inputs.x as tf.TensorInfo;
      const made: tf.Tensor[] = [];
      try {
        const zero = made[made.push(tf.scalar(0)) - 1];
        const positive = made[made.push(native.executeSingleOutput("Greater", [typeAttr(native, "float32")], [x, zero])) - 1];
        const cast = { name: "SrcT", type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_BOOL };
        const dst = { name: "DstT", type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT };
        const ones = made[made.push(native.executeSingleOutput("Cast", [cast, dst], [positive])) - 1];
        const nans = made[made.push(native.executeSingleInput("IsNan", x)) - 1];
        return native.executeSingleOutput("Select", [typeAttr(native, "float32")], [nans, x, ones]);
      } finally {
        tf.dispose(made);
      }
    },
  );
}

interface ConvGradientAttrs {
  strides: number | [number, number];
  pad: unknown;
  dataFormat: string;
  inputShape?: number[];
  filterShape?: number[];
}

function convAttrs(args: KernelArgs): ConvGradientAttrs {
  return args.attrs as unknown as ConvGradientAttrs;
}

/** A 1×1, stride-1, channels-last convolution with no explicit padding: a matrix product per pixel. */
function isPointwise(attrs: ConvGradientAttrs, filterShape: number[]): boolean {
  const [sh, sw] = typeof attrs.strides === "number" ? [attrs.strides, attrs.strides] : attrs.strides;
  return filterShape[0] === 1 && filterShape[1] === 1 && sh === 1 && sw === 1 && attrs.dataFormat === "NHWC" && (attrs.pad === "same" || attrs.pad === "valid");
}

/** dx = dy · Wᵀ over the pixels, for a 1×1 convolution; other convolutions keep tfjs-node's kernel. */
function pointwiseInputGradient(stock: tf.KernelConfig): tf.KernelConfig {
  return takeOverWhere(
    stock,
    (args) => isPointwise(convAttrs(args), args.inputs.filter!.shape),
    (args) => {
      const { dy, filter } = args.inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D };
      const [inChannels, outChannels] = filter.shape.slice(2);
      const inputShape = convAttrs(args).inputShape!;
      return tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(dy, [-1, outChannels]), tf.reshape(filter, [inChannels, outChannels]), false, true), inputShape));
    },
  );
}

/** dW = xᵀ · dy over the pixels, for a 1×1 convolution; other convolutions keep tfjs-node's kernel. */
function pointwiseFilterGradient(stock: tf.KernelConfig): tf.KernelConfig {
  return takeOverWhere(
    stock,
    (args) => isPointwise(convAttrs(args), convAttrs(args).filterShape!),
    (args) => {
      const { x, dy } = args.inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
      const filterShape = convAttrs(args).filterShape!;
      return tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(x, [-1, x.shape[3]]), tf.reshape(dy, [-1, dy.shape[3]]), true, false), filterShape));
    },
  );
}

/** Each replacement by the name of the kernel it replaces, made from tfjs-node's own (its fallback). */
const replacements: Record<string, (stock: tf.KernelConfig) => tf.KernelConfig> = {
  ClipByValue: () => nativeClipByValue,
  Step: nativeStep,
  Conv2DBackpropInput: pointwiseInputGradient,
  Conv2DBackpropFilter: pointwiseFilterGradient,
};
/** Kernels that call TensorFlow's fused ops, which only tsfine's patched binding can (binding-patch.ts). */
const fusedReplacements: Record<string, (stock: tf.KernelConfig) => tf.KernelConfig> = {
  FusedConv2D: nativeFusedConv2D,
};
const registered = new Set<string>();

/**
 * Puts tsfine's kernels on the "tensorflow" backend in place of tfjs-node's; the names replaced.
 * tfjs's Adam updates each variable with TensorFlow's ResourceApplyAdam on this backend, and
 * tfjs-layers' ReLU6 layer runs TensorFlow's Relu6 with a three-op gradient.
 * `fusedOps`: the binding is tsfine's patched build, so the fused-op kernels go in too, and
 * tfjs-layers' BatchNormalization trains through TensorFlow's fused batch norm on this backend.
 */
export function registerNativeKernels(options: { fusedOps?: boolean } = {}): string[] {
  const chosen = { ...replacements, ...(options.fusedOps ? fusedReplacements : {}) };
  installNativeAdam();
  installNativeRelu6();
  if (options.fusedOps) installFusedBatchNormTraining();
  for (const [name, make] of Object.entries(chosen)) {
    const stock = tf.getKernel(name, "tensorflow");
    if (registered.has(name) || !stock) continue;
    tf.unregisterKernel(name, "tensorflow");
    tf.registerKernel(make(stock));
    registered.add(name);
  }
  return [...registered];
}
