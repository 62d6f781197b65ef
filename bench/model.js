/**
 * The MobileNet-like model of issue 5 in tfjs-layers, shared by train-speed.js and wasm-profile.js:
 * conv 3×3/2 then 7 depthwise+pointwise blocks with BatchNorm and ReLU6, 96×96×3, 10 classes,
 * 549 578 parameters (BatchNorm moving statistics included, as countParams() counts them).
 */
const size = 96;
const classes = 10;
const EXPECTED_PARAMS = 549578;

/** [output channels, stride] of the 7 depthwise-separable blocks. */
const blocks = [
  [64, 1],
  [128, 2],
  [128, 1],
  [256, 2],
  [256, 1],
  [512, 2],
  [512, 1],
];

function mobileNetLike(tf) {
  const input = tf.input({ shape: [size, size, 3] });
  const bnRelu6 = (x, name) => {
    const normalised = tf.layers.batchNormalization({ name: `${name}_bn` }).apply(x);
    return tf.layers.reLU({ maxValue: 6, name: `${name}_relu` }).apply(normalised);
  };
  let x = tf.layers.conv2d({ name: "conv1", filters: 32, kernelSize: 3, strides: 2, padding: "same", useBias: false }).apply(input);
  x = bnRelu6(x, "conv1");
  blocks.forEach(([filters, strides], i) => {
    x = tf.layers.depthwiseConv2d({ name: `conv_dw_${i + 1}`, kernelSize: 3, strides, padding: "same", useBias: false }).apply(x);
    x = bnRelu6(x, `conv_dw_${i + 1}`);
    x = tf.layers.conv2d({ name: `conv_pw_${i + 1}`, filters, kernelSize: 1, useBias: false }).apply(x);
    x = bnRelu6(x, `conv_pw_${i + 1}`);
  });
  x = tf.layers.globalAveragePooling2d({ name: "pool" }).apply(x);
  const output = tf.layers.dense({ name: "logits", units: classes, activation: "softmax" }).apply(x);
  return tf.model({ inputs: input, outputs: output, name: "mobilenet_like" });
}

module.exports = { mobileNetLike, size, classes, EXPECTED_PARAMS };
