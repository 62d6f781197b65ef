#!/usr/bin/env node
/**
 * The GPU check's first half: tl.fit with the keras engine trains bench/model.js's MobileNet-like
 * model (random images, 2 epochs), and this script checks what a user would notice:
 * - history.engine names the device Keras trained on, and with --require-gpu it must be a GPU;
 * - every trainable weight and every BatchNorm statistic came back changed into the tfjs model,
 *   all finite, and the loss is finite.
 * Prints a few lines for people and writes the figures as JSON to --out (if given).
 *
 *   TSFINE_PYTHON=… KERAS_BACKEND=jax|torch|tensorflow node bench/gpu-check/check.js [--require-gpu] [--out file.json]
 */
const fs = require("node:fs");

const args = process.argv.slice(2);
const requireGpu = args.includes("--require-gpu");
const outIndex = args.indexOf("--out");
const outFile = outIndex >= 0 ? args[outIndex + 1] : undefined;

async function main() {
  const tf = require("@tensorflow/tfjs");
  const tl = require("../../dist/tl");
  const { mobileNetLike, size, classes, EXPECTED_PARAMS } = require("../model");
  await tl.backend.init("wasm");
  const model = mobileNetLike(tf);
  if (model.countParams() !== EXPECTED_PARAMS) throw new Error(`the model has ${model.countParams()} params, expected ${EXPECTED_PARAMS}`);
  const examples = 256;
  const xs = tf.randomUniform([examples, size, size, 3], 0, 1, "float32", 7);
  const labels = Array.from({ length: examples }, (_, i) => (i * 7 + 3) % classes);
  const data = tl.data.fromTensors(xs, labels, { validation: 0.25, seed: 7 });
  const before = model.weights.map((w) => Float32Array.from(w.read().dataSync()));

  const start = Date.now();
  const history = await tl.fit(model, data, { engine: "keras", epochs: 2, batchSize: 32, lr: 1e-3, verbose: false });
  const fitSeconds = (Date.now() - start) / 1000;

  const weights = model.weights.map((w, i) => {
    const after = w.read().dataSync();
    let changed = 0;
    let finite = true;
    for (let j = 0; j < after.length; j++) {
      if (after[j] !== before[i][j]) changed++;
      if (!Number.isFinite(after[j])) finite = false;
    }
    return { name: w.name, trainable: w.trainable, size: after.length, changed, finite };
  });
  const losses = history.epochs.map((e) => e.loss);
  const engineLabel = String(history.engine);
  // "keras 3.15.1 on jax 0.11.2 (GPU:0)": the device list in parentheses is what trained.
  const devices = /\(([^)]*)\)\s*$/.exec(engineLabel)?.[1] ?? "";
  const onGpu = /\bGPU\b|\bCUDA\b/i.test(devices);
  const result = {
    engine: engineLabel,
    devices,
    onGpu,
    fitSeconds,
    epochs: history.epochs.length,
    losses,
    weights: weights.length,
    unchanged: weights.filter((w) => w.changed === 0).map((w) => w.name),
    notFinite: weights.filter((w) => !w.finite).map((w) => w.name),
  };
  if (outFile) fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);

  console.log(`history.engine: ${engineLabel}`);
  console.log(
    `fit: ${result.epochs} epochs of ${examples * 0.75} images in ${fitSeconds.toFixed(1)} s, epoch losses ${losses.map((l) => l.toFixed(4)).join(", ")}`,
  );
  console.log(
    `weights back in the tfjs model: ${weights.length - result.unchanged.length} of ${weights.length} changed, ${result.notFinite.length} not finite`,
  );

  const failures = [];
  if (result.epochs !== 2) failures.push(`fit ran ${result.epochs} epochs, not 2`);
  if (!losses.every(Number.isFinite)) failures.push(`a loss is not finite (${losses.join(", ")})`);
  if (result.unchanged.length) failures.push(`weights unchanged after the fit: ${result.unchanged.join(", ")}`);
  if (result.notFinite.length) failures.push(`weights not finite after the fit: ${result.notFinite.join(", ")}`);
  if (!onGpu) {
    const sentence = `No CUDA device: the keras engine trained on ${devices || "an unnamed device"} (${engineLabel}).`;
    if (requireGpu) failures.push(sentence);
    else console.log(`${sentence} Not required here (no --require-gpu).`);
  } else {
    console.log(`The keras engine trained on a GPU: ${devices}.`);
  }
  if (failures.length) {
    for (const failure of failures) console.error(`FAIL: ${failure}`);
    process.exit(1);
  }
  console.log("check passed");
}

main().catch((error) => {
  console.error(`FAIL: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
