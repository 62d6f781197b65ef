/**
 * tfjs's FusedConv2D (convolution + bias + activation, what tf.fused.conv2d and a tfjs-layers
 * Conv2D with a bias run) as TensorFlow's own `_FusedConv2D` on the native backend: one kernel
 * that applies the bias and the activation while the convolution's output is still in cache,
 * where tfjs-node runs a Conv2D, an Add and the activation, three passes over the output. It is
 * the kernel TensorFlow's graph optimiser gives Keras for the same layers.
 *
 * Calling it needs list-valued string and type attributes (`fused_ops`, `TArgs`), which only the
 * binding `tsfine backend install` patches can pass (tl/backend/native/binding-patch.ts), so it
 * is registered only for that build. TensorFlow 2.21's CPU kernel implements BiasAdd alone or
 * followed by Relu, Relu6, Elu or LeakyRelu (checked through the binding; [BiasAdd, Sigmoid]
 * fails with "Fusion is not implemented"); other cases — no bias, a bias that is not one value
 * per output channel, explicit padding, NCHW, PReLU or sigmoid — keep tfjs-node's kernel. Its
 * depthwise twin, `_FusedDepthwiseConv2dNative`, has no CPU kernel in that build (it returns an
 * empty tensor), so depthwise convolutions keep tfjs-node's kernel too.
 */
import * as tf from "@tensorflow/tfjs";

interface Binding {
  TF_ATTR_TYPE: number;
  TF_ATTR_INT: number;
  TF_ATTR_STRING: number;
  TF_ATTR_FLOAT: number;
  TF_FLOAT: number;
}

interface NativeBackend {
  binding: Binding;
  executeSingleOutput(name: string, attrs: unknown[], inputs: tf.TensorInfo[]): tf.Tensor;
}

/** tfjs's activation name → the op TensorFlow's fused kernel appends after BiasAdd. */
const FUSED_ACTIVATIONS: Record<string, string[]> = {
  linear: [],
  relu: ["Relu"],
  relu6: ["Relu6"],
  elu: ["Elu"],
  leakyrelu: ["LeakyRelu"],
};

interface FusedConvAttrs {
  strides: number | [number, number];
  pad: unknown;
  dataFormat: string;
  dilations: number | [number, number];
  dimRoundingMode?: string | null;
  activation?: string;
  leakyreluAlpha?: number;
}

function pair(value: number | [number, number]): [number, number] {
  return typeof value === "number" ? [value, value] : value;
}

/** The `_FusedConv2D` attributes for a case it implements, or undefined to keep tfjs-node's kernel. */
export function fusedConvAttributes(binding: Binding, x: tf.TensorInfo, filter: tf.TensorInfo, bias: tf.TensorInfo | undefined, attrs: FusedConvAttrs) {
  const ops = FUSED_ACTIVATIONS[attrs.activation ?? "linear"];
  const usable =
    ops !== undefined &&
    x.dtype === "float32" &&
    bias !== undefined &&
    bias.shape.length === 1 &&
    bias.shape[0] === filter.shape[3] &&
    attrs.dataFormat === "NHWC" &&
    (attrs.pad === "same" || attrs.pad === "valid") &&
    attrs.dimRoundingMode == null;
  if (!usable) return undefined;
  const [sh, sw] = pair(attrs.strides);
  const [dh, dw] = pair(attrs.dilations ?? 1);
  return [
    { name: "T", type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
    { name: "TArgs", type: binding.TF_ATTR_TYPE, value: [binding.TF_FLOAT] },
    { name: "num_args", type: binding.TF_ATTR_INT, value: 1 },
    { name: "strides", type: binding.TF_ATTR_INT, value: [1, sh, sw, 1] },
    { name: "padding", type: binding.TF_ATTR_STRING, value: attrs.pad === "same" ? "SAME" : "VALID" },
    { name: "data_format", type: binding.TF_ATTR_STRING, value: "NHWC" },
    { name: "dilations", type: binding.TF_ATTR_INT, value: [1, dh, dw, 1] },
    { name: "fused_ops", type: binding.TF_ATTR_STRING, value: ["BiasAdd", ...ops] },
    { name: "leakyrelu_alpha", type: binding.TF_ATTR_FLOAT, value: attrs.leakyreluAlpha ?? 0.2 },
  ];
}

/** FusedConv2D through `_FusedConv2D` where it applies; tfjs-node's own kernel otherwise. */
export function nativeFusedConv2D(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: "FusedConv2D",
    backendName: "tensorflow",
    kernelFunc: (args) => {
      const native = args.backend as unknown as NativeBackend;
      const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const attributes = preluActivationWeights ? undefined : fusedConvAttributes(native.binding, x!, filter!, bias, args.attrs as unknown as FusedConvAttrs);
      if (!attributes) return stock.kernelFunc(args);
      return native.executeSingleOutput("_FusedConv2D", attributes, [x!, filter!, bias!]);
    },
  };
}
