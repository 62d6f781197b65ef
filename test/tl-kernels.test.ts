/**
 * The wasm training kernels tsfine adds must give the cpu backend's answers: every gradient is
 * computed on both and compared (relative error ≤ 1e-5 for single kernels).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { backend } from "../tl/backend";
import { simdFilterGradientApplies } from "../tl/kernels/depthwise-filter-simd";
import { simdPointwiseGradientApplies } from "../tl/kernels/pointwise-filter-simd";
import { registerWasmTrainingKernels, restoreStockKernels } from "../tl/kernels";
import { interleaveZeros } from "../tl/kernels/window";
import { makeGenerator } from "../tl/seed";

type Pad = "same" | "valid";

function randomTensor(shape: number[], seedValue: number): tf.Tensor {
  const next = makeGenerator(seedValue);
  const values = new Float32Array(shape.reduce((p, q) => p * q, 1)).map(() => next() * 2 - 1);
  return tf.tensor(values, shape);
}

/**
 * Runs fn on wasm with tsfine's kernels and gradients, and on cpu with tfjs's stock gradients
 * (tsfine's replacement gradients are global, so they are taken out for the reference run).
 */
async function onBothBackends(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ wasm: Float32Array[]; cpu: Float32Array[] }> {
  const run = () => {
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const values = list.map((t) => t.dataSync() as Float32Array);
    tf.dispose(list);
    return values;
  };
  await tf.setBackend("wasm");
  const wasm = run();
  await tf.setBackend("cpu");
  restoreStockKernels();
  const cpu = run();
  registerWasmTrainingKernels();
  await tf.setBackend("wasm");
  return { wasm, cpu };
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return maxDiff / Math.max(maxRef, 1e-12);
}

async function expectSameOnBothBackends(fn: () => tf.Tensor | tf.Tensor[], tolerance = 1e-5): Promise<void> {
  const { wasm, cpu } = await onBothBackends(fn);
  wasm.forEach((values, i) => expect(relativeError(values, cpu[i])).toBeLessThanOrEqual(tolerance));
}

beforeAll(async () => {
  expect(await backend.init("wasm")).toBe("wasm");
});

const convCases: [string, number[], number[], number | [number, number], Pad][] = [
  ["3×3 stride 1 same", [2, 9, 9, 3], [3, 3, 3, 5], 1, "same"],
  ["3×3 stride 1 valid", [2, 9, 9, 3], [3, 3, 3, 5], 1, "valid"],
  ["3×3 stride 2 same, odd size", [2, 9, 9, 3], [3, 3, 3, 5], 2, "same"],
  ["3×3 stride 2 same, even size", [3, 12, 10, 4], [3, 3, 4, 8], 2, "same"],
  ["3×3 stride 2 valid", [2, 11, 11, 3], [3, 3, 3, 4], 2, "valid"],
  ["5×2 stride [2,1] same", [2, 10, 7, 2], [5, 2, 2, 3], [2, 1], "same"],
  ["1×1 stride 1 (pointwise, many outputs)", [2, 6, 6, 8], [1, 1, 8, 16], 1, "valid"],
  ["1×1 stride 1 (pointwise, few outputs)", [2, 6, 6, 16], [1, 1, 16, 4], 1, "same"],
  ["1×1 stride 2", [2, 7, 7, 4], [1, 1, 4, 6], 2, "same"],
  // In a multiple of 4, out of 8: tsfine's SIMD loop, here over 189 pixels (blocks of 64 and a rest).
  ["1×1 SIMD loop, 12 → 24 channels", [3, 9, 7, 12], [1, 1, 12, 24], 1, "valid"],
  ["1×1 SIMD loop, 32 → 64 channels, 288 pixels", [2, 12, 12, 32], [1, 1, 32, 64], 1, "same"],
  ["1×1, 6 → 8 channels (matMul)", [2, 5, 5, 6], [1, 1, 6, 8], 1, "valid"],
];

describe("Conv2DBackpropFilter on wasm matches cpu", () => {
  test.each(convCases)("%s", async (_name, xShape, fShape, strides, pad) => {
    const x = randomTensor(xShape, 1) as tf.Tensor4D;
    const f = randomTensor(fShape, 2) as tf.Tensor4D;
    const lossWeights = randomTensor(tf.conv2d(x, f, strides, pad).shape, 3);
    await expectSameOnBothBackends(() =>
      tf.grads((input: tf.Tensor, filter: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(input as tf.Tensor4D, filter as tf.Tensor4D, strides, pad), lossWeights)))([
        x,
        f,
      ]),
    );
    tf.dispose([x, f, lossWeights]);
  });
});

const depthwiseCases: [string, number[], number[], number | [number, number], Pad][] = [
  ["3×3 stride 1 same", [2, 9, 9, 4], [3, 3, 4, 1], 1, "same"],
  ["3×3 stride 1 valid", [2, 9, 9, 4], [3, 3, 4, 1], 1, "valid"],
  ["3×3 stride 2 same, even size", [2, 10, 10, 4], [3, 3, 4, 1], 2, "same"],
  ["3×3 stride 2 same, odd size", [2, 9, 9, 3], [3, 3, 3, 1], 2, "same"],
  ["3×3 stride 2 valid", [2, 11, 11, 3], [3, 3, 3, 1], 2, "valid"],
  ["channel multiplier 2", [2, 8, 8, 3], [3, 3, 3, 2], 1, "same"],
  ["5×5 multiplier 3 stride 2", [1, 12, 12, 2], [5, 5, 2, 3], 2, "same"],
  ["3×2 stride [1,2]", [2, 8, 9, 5], [3, 2, 5, 1], [1, 2], "valid"],
  // Channel multiplier 1 and channels a multiple of 4: the filter gradient runs tsfine's SIMD loop.
  ["SIMD loop: 3×3 stride 2 same, odd size, 8 channels", [2, 9, 9, 8], [3, 3, 8, 1], 2, "same"],
  ["SIMD loop: 3×2 stride [1,2] valid, 8 channels", [2, 8, 9, 8], [3, 2, 8, 1], [1, 2], "valid"],
  ["SIMD loop: 5×5 stride 2 valid, 12 channels", [3, 13, 13, 12], [5, 5, 12, 1], 2, "valid"],
  ["SIMD loop: 3×3 stride 1 same, 8×24×24×32", [8, 24, 24, 32], [3, 3, 32, 1], 1, "same"],
];

describe("depthwise gradients (filter and input) on wasm match cpu", () => {
  test("the SIMD filter-gradient loops are the ones running, built from their committed .wat", () => {
    expect(tf.getBackend()).toBe("wasm");
    expect(simdFilterGradientApplies([3, 3, 8, 1], tf.backend())).toBe(true);
    expect(simdFilterGradientApplies([3, 3, 6, 1], tf.backend())).toBe(false);
    expect(simdPointwiseGradientApplies(12, 24, tf.backend())).toBe(true);
    expect(simdPointwiseGradientApplies(6, 8, tf.backend())).toBe(false);
    const check = spawnSync(process.execPath, [path.join(__dirname, "../tl/kernels/wasm/compile-wat.js"), "--check"], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  test.each(depthwiseCases)("%s", async (_name, xShape, fShape, strides, pad) => {
    const x = randomTensor(xShape, 4) as tf.Tensor4D;
    const f = randomTensor(fShape, 5) as tf.Tensor4D;
    const lossWeights = randomTensor(tf.depthwiseConv2d(x, f, strides, pad).shape, 6);
    await expectSameOnBothBackends(() =>
      tf.grads((input: tf.Tensor, filter: tf.Tensor) =>
        tf.sum(tf.mul(tf.depthwiseConv2d(input as tf.Tensor4D, filter as tf.Tensor4D, strides, pad), lossWeights)),
      )([x, f]),
    );
    tf.dispose([x, f, lossWeights]);
  });

  // tfjs's cpu kernels ignore dilations in these gradients (tfjs's gradient refuses them), so the
  // reference is the undilated gradient of the equivalent zero-spread filter, read at the taps.
  test.each([
    ["dilation 2 same", 2, "same", 3, 2],
    ["dilation 2 valid", 2, "valid", 3, 2],
    ["dilation 3 same", 3, "same", 3, 2],
    ["dilation 2 same, SIMD loop", 2, "same", 4, 1],
    ["dilation 3 valid, SIMD loop", 3, "valid", 8, 1],
  ] as [string, number, Pad, number, number][])("%s (kernels called directly)", async (_name, dilation, pad, channels, multiplier) => {
    const x = randomTensor([2, 11, 11, channels], 7) as tf.Tensor4D;
    const f = randomTensor([3, 3, channels, multiplier], 8) as tf.Tensor4D;
    const dy = randomTensor(tf.depthwiseConv2d(x, f, 1, pad, "NHWC", dilation).shape, 9);
    const span = 2 * dilation + 1;
    const width = channels * multiplier;
    const spread = tf.tidy(() => {
      const asImage = tf.reshape(f, [1, 3, 3, width]) as tf.Tensor4D;
      return tf.reshape(tf.slice(interleaveZeros(asImage, [dilation, dilation]), [0, 0, 0, 0], [1, span, span, width]), [span, span, channels, multiplier]);
    });
    const common = { strides: [1, 1], pad, dimRoundingMode: undefined };
    const run = (kernel: string, inputs: tf.NamedTensorMap, attrs: object) =>
      tf.engine().runKernel(kernel, inputs, { ...common, ...attrs } as unknown as tf.NamedAttrMap) as tf.Tensor;
    await tf.setBackend("wasm");
    const wasm = [
      run("DepthwiseConv2dNativeBackpropFilter", { x, dy }, { dilations: [dilation, dilation], filterShape: f.shape }),
      run("DepthwiseConv2dNativeBackpropInput", { dy, filter: f }, { dilations: [dilation, dilation], inputShape: x.shape }),
    ].map((t) => t.dataSync() as Float32Array);
    await tf.setBackend("cpu");
    const spreadGradient = run("DepthwiseConv2dNativeBackpropFilter", { x, dy }, { dilations: [1, 1], filterShape: spread.shape });
    const cpu = [
      tf.stridedSlice(spreadGradient, [0, 0, 0, 0], [span, span, channels, multiplier], [dilation, dilation, 1, 1]),
      run("DepthwiseConv2dNativeBackpropInput", { dy, filter: spread }, { dilations: [1, 1], inputShape: x.shape }),
    ].map((t) => t.dataSync() as Float32Array);
    await tf.setBackend("wasm");
    wasm.forEach((values, i) => expect(relativeError(values, cpu[i])).toBeLessThanOrEqual(1e-5));
  });
});

const maxPoolCases: [string, number[], number | [number, number], number | [number, number], Pad][] = [
  ["2×2 stride 2 valid, even size", [2, 8, 8, 3], 2, 2, "valid"],
  ["2×2 stride 2 valid, odd size (last row and column unused)", [2, 9, 7, 3], 2, 2, "valid"],
  ["2×2 stride 2 same, odd size", [2, 9, 7, 3], 2, 2, "same"],
  ["2×2 stride 1 same", [2, 8, 8, 3], 2, 1, "same"],
  ["2×2 stride 1 valid", [2, 9, 7, 3], 2, 1, "valid"],
  ["3×3 stride 1 same", [2, 8, 8, 3], 3, 1, "same"],
  ["3×3 stride 1 valid", [2, 9, 7, 3], 3, 1, "valid"],
  ["3×3 stride 2 same, odd size", [2, 9, 7, 3], 3, 2, "same"],
  ["3×3 stride 2 valid", [2, 9, 9, 4], 3, 2, "valid"],
  ["3×2 stride [2,1] same", [2, 9, 8, 2], [3, 2], [2, 1], "same"],
];

/** The input gradient of sum(maxPool(x) · w), w random so that misrouted gradients show. */
function maxPoolInputGradient(x: tf.Tensor4D, filter: number | [number, number], strides: number | [number, number], pad: Pad): () => tf.Tensor {
  return () => {
    const lossWeights = randomTensor(tf.maxPool(x, filter, strides, pad).shape, 21);
    return tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, filter, strides, pad), lossWeights)))(x);
  };
}

describe("MaxPoolGrad on wasm matches cpu", () => {
  test.each(maxPoolCases)("%s, random values (no ties)", async (_name, shape, filter, strides, pad) => {
    const x = randomTensor(shape, 19) as tf.Tensor4D;
    await expectSameOnBothBackends(maxPoolInputGradient(x, filter, strides, pad));
    x.dispose();
  });

  // Stock wasm loses these: its running maximum starts at the smallest positive float.
  test.each(maxPoolCases)("%s, every value negative", async (_name, shape, filter, strides, pad) => {
    const x = tf.tidy(() => tf.sub(randomTensor(shape, 20), 1.5)) as tf.Tensor4D;
    await expectSameOnBothBackends(maxPoolInputGradient(x, filter, strides, pad));
    x.dispose();
  });

  test("ties (zeros after ReLU, repeated values) go to the first maximum in the window, as on cpu", async () => {
    const x = tf.tidy(() => tf.concat([tf.relu(randomTensor([2, 8, 8, 3], 22)), tf.round(tf.mul(randomTensor([2, 8, 8, 3], 23), 2))])) as tf.Tensor4D;
    for (const [filter, strides] of [
      [2, 2],
      [3, 1],
      [3, 2],
    ]) {
      await expectSameOnBothBackends(maxPoolInputGradient(x, filter, strides, "same"));
    }
    x.dispose();
  });

  test("a conv net with MaxPooling2D: one step's gradients match cpu for every weight", async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [12, 12, 3], filters: 6, kernelSize: 3, activation: "relu" }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 8, kernelSize: 3 }),
        tf.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: "same" }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4, activation: "softmax" }),
      ],
    });
    const images = randomTensor([5, 12, 12, 3], 24);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0], "int32"), 4);
    const gradients = () => {
      const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(images) as tf.Tensor) as tf.Scalar);
      return model.trainableWeights.map((w) => grads[w.originalName ?? w.name] ?? grads[w.name]);
    };
    const { wasm, cpu } = await onBothBackends(gradients);
    expect(wasm.length).toBe(model.trainableWeights.length);
    wasm.forEach((values, i) => expect(relativeError(values, cpu[i])).toBeLessThanOrEqual(1e-5));
    tf.dispose([images, labels]);
    model.dispose();
  });

  test("the gradient leaves no tensors behind", () => {
    const x = randomTensor([2, 9, 7, 3], 25) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(tf.maxPool(input as tf.Tensor4D, 3, 2, "same")))(x);
    gradient.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe("faster replacements of stock wasm kernels give the same results", () => {
  test("matMul with transposeA (2-D and batched)", async () => {
    const a = randomTensor([64, 48], 10) as tf.Tensor2D;
    const b = randomTensor([64, 32], 11) as tf.Tensor2D;
    const batchA = randomTensor([3, 20, 7], 12) as tf.Tensor3D;
    const batchB = randomTensor([3, 20, 5], 13) as tf.Tensor3D;
    const c = randomTensor([32, 64], 16) as tf.Tensor2D;
    await expectSameOnBothBackends(() => [tf.matMul(a, b, true, false), tf.matMul(batchA, batchB, true, false), tf.matMul(a, c, true, true)]);
  });

  test("sum over all leading axes, with and without keepDims", async () => {
    const x = randomTensor([8, 12, 12, 32], 14);
    await expectSameOnBothBackends(() => [tf.sum(x, [0, 1, 2]), tf.sum(x, [0, 1, 2], true), tf.sum(x, 0), tf.sum(x, [1, 2])]);
  });

  test("mean over all leading axes", async () => {
    const x = randomTensor([8, 12, 12, 32], 18);
    await expectSameOnBothBackends(() => [tf.mean(x, [0, 1, 2]), tf.mean(x, [0, 1, 2], true), tf.mean(x, [1, 2])]);
  });

  test("sum and mean over the batch of 20 000 features (wider than wasm's avgPool handles in one go)", async () => {
    // A dense layer's bias gradient or a layer norm over a flattened MobileNet map has this shape;
    // one avgPool over it corrupted wasm's heap.
    const x = randomTensor([32, 20000], 21);
    await expectSameOnBothBackends(() => [tf.sum(x, 0), tf.mean(x, 0, true)]);
    expect(tf.tidy(() => tf.ones([64, 64]).sum().dataSync()[0])).toBe(4096);
  });

  test("BatchNorm gradients for x, mean, variance, offset and scale (per-channel statistics)", async () => {
    const x = randomTensor([4, 6, 6, 16], 19);
    const mean = randomTensor([16], 20);
    const variance = tf.add(tf.abs(randomTensor([16], 21)), 0.5);
    const offset = randomTensor([16], 22);
    const scale = randomTensor([16], 23);
    const lossWeights = randomTensor([4, 6, 6, 16], 24);
    await expectSameOnBothBackends(() =>
      tf.grads((...args: tf.Tensor[]) =>
        tf.sum(
          tf.mul(tf.batchNorm(args[0], args[1] as tf.Tensor1D, args[2] as tf.Tensor1D, args[3] as tf.Tensor1D, args[4] as tf.Tensor1D, 1e-3), lossWeights),
        ),
      )([x, mean, variance, offset, scale]),
    );
  });

  test("tile gradient (1-D to 4-D, one or several tiled axes) and layer normalisation's gradients", async () => {
    const lossFor = (shape: number[], seedValue: number) => randomTensor(shape, seedValue);
    const cases: Array<[number[], number[]]> = [
      [[5], [3]],
      [
        [16, 1],
        [1, 40],
      ],
      [
        [2, 3],
        [4, 2],
      ],
      [
        [2, 1, 3],
        [1, 5, 2],
      ],
      [
        [2, 3, 1, 2],
        [2, 1, 3, 2],
      ],
    ];
    await expectSameOnBothBackends(() =>
      cases.flatMap(([shape, reps], i) => {
        const weights = lossFor(
          shape.map((s, k) => s * reps[k]),
          30 + i,
        );
        return [tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.tile(input, reps), weights)))(randomTensor(shape, 40 + i))];
      }),
    );
    const norm = tf.layers.layerNormalization();
    const features = randomTensor([6, 50], 26);
    const lossWeights = randomTensor([6, 50], 27);
    norm.apply(features);
    await expectSameOnBothBackends(() =>
      tf.grads((input: tf.Tensor) => tf.sum(tf.mul(norm.apply(input, { training: true }) as tf.Tensor, lossWeights)))([features]),
    );
  });

  test("clip (ReLU with maxValue) gradient, boundaries included", async () => {
    const x = tf.concat([tf.tensor1d([-1, 0, 3, 6, 6.5]), tf.mul(randomTensor([200], 25), 8).flatten()]);
    await expectSameOnBothBackends(() => tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.clipByValue(input, 0, 6), input)))(x), 0);
  });

  test("ReLU6 gradient, including exactly 0 and 6", async () => {
    const x = tf.concat([tf.tensor1d([-1, 0, 3, 6, 6.5]), tf.mul(randomTensor([200], 15), 8).flatten()]);
    await expectSameOnBothBackends(() => tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.relu6(input), input)))(x), 0);
  });
});

/** conv 3×3/2 → depthwise 3×3 → BN → ReLU6 → pointwise → BN → ReLU6 → pool → dense. */
function tinyMobileNet(): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 3] });
  let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: "same", useBias: false }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6 }).apply(x) as tf.SymbolicTensor;
  for (const strides of [1, 2]) {
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides, padding: "same", useBias: false }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ maxValue: 6 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.conv2d({ filters: 12, kernelSize: 1, useBias: false }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ maxValue: 6 }).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 5, activation: "softmax" }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

describe("training a small conv net on wasm", () => {
  test("one training step's gradients match the cpu backend for every weight", async () => {
    const model = tinyMobileNet();
    const images = randomTensor([6, 16, 16, 3], 16);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0], "int32"), 5);
    const gradients = () => {
      const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(images, { training: true }) as tf.Tensor) as tf.Scalar);
      return model.trainableWeights.map((w) => grads[w.originalName ?? w.name] ?? grads[w.name]).filter((g) => g !== undefined);
    };
    const { wasm, cpu } = await onBothBackends(gradients);
    expect(wasm.length).toBe(model.trainableWeights.length);
    wasm.forEach((values, i) => expect(relativeError(values, cpu[i])).toBeLessThanOrEqual(1e-4));
  });

  test("fit lowers the loss and leaks no tensors across repeated steps", async () => {
    const model = tinyMobileNet();
    model.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
    const images = randomTensor([10, 16, 16, 3], 17);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2, 3, 4], "int32"), 5);
    const first = (await model.trainOnBatch(images, labels)) as number;
    const tensorsAfterFirst = tf.memory().numTensors;
    let last = first;
    for (let step = 0; step < 15; step++) last = (await model.trainOnBatch(images, labels)) as number;
    expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
    expect(last).toBeLessThan(first);
  });
});
