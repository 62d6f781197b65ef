#!/usr/bin/env node
/**
 * What a user with a GPU and the webgpu package would see, checked on a machine that has one
 * (CI has none: test/tl-backend.test.ts checks the same things on Mesa's CPU Vulkan driver).
 *
 *   npm run build && NODE_PATH=<folder holding webgpu>:node_modules node bench/webgpu-check.js [--cpu-adapter]
 *
 * Prints one JSON line: which backend init() picked and why, the adapter, how far WebGPU's
 * gradients (conv, depthwise, BatchNorm, ReLU6, dense) are from the cpu backend's, and whether tl.fit, evaluate and
 * showPredictions work on it. Exits 1 when any of that is wrong.
 */
const tf = require("@tensorflow/tfjs");
const tl = require("../dist/tl");
const { makeGenerator } = require("../dist/tl/seed");

const uniform = (count, seed) => {
  const next = makeGenerator(seed);
  return Float32Array.from({ length: count }, () => next() * 2 - 1);
};

async function gradientsOnCurrentBackend() {
  const x = tf.tensor4d(uniform(2 * 9 * 9 * 4, 1), [2, 9, 9, 4]);
  const filter = tf.tensor4d(uniform(3 * 3 * 4 * 8, 2), [3, 3, 4, 8]);
  const depthwise = tf.tensor4d(uniform(3 * 3 * 8, 3), [3, 3, 8, 1]);
  const dense = tf.tensor2d(uniform(200 * 5, 4), [200, 5]);
  // BatchNorm over batch statistics and ReLU6, whose gradients tsfine replaces on every backend.
  const loss = (a, b, c, d) => {
    const h = tf.depthwiseConv2d(tf.conv2d(a, b, 2, "same"), c, 1, "same");
    const { mean, variance } = tf.moments(h, [0, 1, 2]);
    return tf
      .matMul(tf.reshape(tf.clipByValue(tf.batchNorm(h, mean, variance, tf.zeros([8]), tf.ones([8]), 1e-3), 0, 6), [2, 200]), d)
      .square()
      .sum();
  };
  const gradients = tf.grads(loss)([x, filter, depthwise, dense]);
  const values = await Promise.all(gradients.map(async (g) => Array.from(await g.data())));
  tf.dispose([x, filter, depthwise, dense, ...gradients]);
  return values;
}

/** Largest absolute difference relative to the largest cpu value, per gradient. */
function relativeErrors(measured, reference) {
  return measured.map((g, i) => {
    const scale = reference[i].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    return g.reduce((m, v, j) => Math.max(m, Math.abs(v - reference[i][j])), 0) / scale;
  });
}

/** Two classes told apart by the mean of channel 0; a small conv net must learn it. */
async function trainSmallNet() {
  const count = 256;
  const pixels = uniform(count * 8 * 8 * 3, 5);
  const labels = Array.from({ length: count }, (_, i) => i % 2);
  labels.forEach((label, i) => {
    for (let p = 0; p < 64; p++) pixels[(i * 64 + p) * 3] += label ? 1.5 : -1.5;
  });
  const data = tl.data.fromTensors(tf.tensor4d(pixels, [count, 8, 8, 3]), labels, { seed: 1 });
  tl.seed(1);
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 8, kernelSize: 3, activation: "relu" }),
      tf.layers.batchNormalization(),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, activation: "softmax" }),
    ],
  });
  const history = await tl.fit(model, data, { epochs: 5, batchSize: 32, lr: 1e-2, seed: 1, verbose: false });
  const evaluation = await tl.evaluate(model, data, { show: false });
  const shown = await tl.showPredictions(model, data, 4);
  model.dispose();
  return { losses: history.epochs.map((e) => e.loss), accuracy: evaluation.accuracy, shownRows: shown.rows.length };
}

async function main() {
  // --cpu-adapter: ask for WebGPU by name, so the script can be tried on Mesa's CPU driver too.
  const picked = await tl.backend.init(process.argv.includes("--cpu-adapter") ? "webgpu" : undefined);
  const description = tl.backend.describe();
  const webgpuReason = description.reasons.find((r) => r.backend === "webgpu");
  const report = { picked, webgpu: webgpuReason, described: description.toMimeBundle()["text/plain"] };
  if (picked !== "webgpu") {
    console.log(JSON.stringify({ ...report, ok: false, why: "init() did not pick webgpu" }));
    process.exit(1);
  }
  const onGpu = await gradientsOnCurrentBackend();
  await tl.backend.use("cpu");
  const onCpu = await gradientsOnCurrentBackend();
  await tl.backend.use("webgpu");
  report.gradientRelativeErrors = relativeErrors(onGpu, onCpu);
  report.training = await trainSmallNet();
  report.backendAfter = tf.getBackend();
  const losses = report.training.losses;
  const problems = [
    ...report.gradientRelativeErrors.filter((e) => !(e <= 1e-4)).map((e) => `a gradient differs from cpu by ${e}`),
    ...(losses[losses.length - 1] < losses[0] ? [] : ["the loss did not fall"]),
    ...(report.training.accuracy > 0.9 ? [] : [`accuracy ${report.training.accuracy}`]),
    ...(report.training.shownRows === 4 ? [] : ["showPredictions did not show 4 rows"]),
    ...(report.backendAfter === "webgpu" ? [] : [`ended on ${report.backendAfter}`]),
  ];
  console.log(JSON.stringify({ ...report, ok: problems.length === 0, problems }));
  process.exit(problems.length === 0 ? 0 : 1);
}

main().catch((error) => {
  console.log(JSON.stringify({ ok: false, error: String(error && error.stack) }));
  process.exit(1);
});
