#!/usr/bin/env node
/**
 * Training-step speed of a MobileNet-like model (conv 3×3/2 then 7 depthwise+pointwise blocks,
 * BatchNorm + ReLU6, 96×96×3, batch 32, Adam, 549 578 params) on each available tfjs backend,
 * beside PyTorch CPU running the same model (bench/torch_step.py) when torch is importable.
 *
 *   npm run build && node bench/train-speed.js [--steps 5] [--batch 32] [--no-cpu] [--no-torch] [--stock]
 *
 * --stock also measures wasm with only the three missing gradient kernels (no faster
 * replacements), to show what the replacements are worth.
 */
const { spawnSync } = require("node:child_process");
const path = require("node:path");
const tf = require("@tensorflow/tfjs");
const { backend } = require("../dist/tl/backend");
const kernels = require("../dist/tl/kernels");

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const flag = (name) => args.includes(`--${name}`);
const steps = option("steps", 5);
const batch = option("batch", 32);
const size = 96;
const classes = 10;

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

function mobileNetLike() {
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

/**
 * Seconds per training step after `warmup` unmeasured steps; median of `count`. Both wall time
 * and this process's CPU time are kept: on a shared, loaded machine the wall time of a
 * single-threaded engine grows with the load, its CPU time much less.
 */
async function timeTrainingSteps(batchSize, count, warmup) {
  const model = mobileNetLike();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  const images = tf.randomUniform([batchSize, size, size, 3], 0, 1, "float32", 1);
  const labels = tf.oneHot(tf.randomUniform([batchSize], 0, classes, "int32", 2), classes);
  const times = [];
  const cpuTimes = [];
  for (let step = 0; step < warmup + count; step++) {
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    await model.trainOnBatch(images, labels);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpuStart);
    if (step >= warmup) {
      times.push(seconds);
      cpuTimes.push((cpu.user + cpu.system) / 1e6);
    }
  }
  const params = model.countParams();
  tf.dispose([images, labels]);
  model.dispose();
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { params, secondsPerStep: median(times), cpuSecondsPerStep: median(cpuTimes), threads: 1, batchSize, steps: count };
}

function torchAvailable() {
  return spawnSync("/usr/bin/python3", ["-c", "import torch"], { stdio: "ignore" }).status === 0;
}

function runTorch(threads) {
  const openblas = "/usr/lib/x86_64-linux-gnu/openblas-pthread";
  const env = { ...process.env, LD_LIBRARY_PATH: [openblas, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":") };
  const result = spawnSync(
    "/usr/bin/python3",
    [path.join(__dirname, "torch_step.py"), "--threads", String(threads), "--batch", String(batch), "--steps", String(Math.max(steps, 5))],
    { env, encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`torch_step.py failed: ${result.stderr.split("\n").slice(-3).join(" ")}`);
  return JSON.parse(result.stdout.trim().split("\n").pop());
}

const rate = (value) => value.toFixed(value < 1 ? 3 : 1);

function table(rows) {
  const header = ["engine", "batch", "wall s/step", "img/s (wall)", "CPU s/step", "img/s per CPU-s×threads", "params"];
  const body = rows.map((r) => [
    r.engine,
    String(r.batchSize),
    r.secondsPerStep.toFixed(3),
    rate(r.imagesPerSecond),
    r.cpuSecondsPerStep.toFixed(3),
    rate(r.imagesPerCpuSecond),
    String(r.params),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

async function main() {
  const rows = [];
  const add = (engine, result) => {
    // CPU seconds divided by threads: what the step would take on otherwise idle cores.
    const imagesPerCpuSecond = (result.batchSize * result.threads) / result.cpuSecondsPerStep;
    rows.push({ engine, ...result, imagesPerSecond: result.batchSize / result.secondsPerStep, imagesPerCpuSecond });
    console.error(`${engine}: ${rate(result.batchSize / result.secondsPerStep)} img/s wall, ${rate(imagesPerCpuSecond)} by CPU time`);
  };
  const chosen = await backend.init();
  console.error(backend.describe().toMimeBundle()["text/plain"]);
  if (chosen !== "wasm") {
    // Native TensorFlow uses every core: normalise its CPU time by the core count.
    const native = await timeTrainingSteps(batch, steps, 2);
    add(`tfjs ${chosen} (libtensorflow 2.9.1)`, { ...native, threads: require("node:os").cpus().length });
  }
  await backend.use("wasm");
  const wasm = await timeTrainingSteps(batch, steps, 2);
  add("tfjs wasm (tsfine kernels, 1 thread)", wasm);
  if (flag("stock")) {
    kernels.restoreStockKernels();
    add("tfjs wasm (stock + missing grads only)", await timeTrainingSteps(batch, Math.min(steps, 3), 1));
    kernels.registerWasmTrainingKernels();
  }
  if (!flag("no-cpu")) {
    await backend.use("cpu");
    // ~0.1 img/s: one step on a small batch is enough to show the order of magnitude.
    add("tfjs cpu (pure JS)", await timeTrainingSteps(4, 1, 0));
  }
  let torchRows = [];
  if (!flag("no-torch")) {
    if (torchAvailable()) {
      for (const threads of [1, 2]) {
        const result = runTorch(threads);
        add(`PyTorch ${result.version} CPU, ${threads} thread${threads > 1 ? "s" : ""}, channels_last`, result);
        torchRows.push(rows[rows.length - 1]);
      }
    } else {
      console.error("PyTorch not importable by /usr/bin/python3 (apt-get install python3-torch); skipped.");
    }
  }
  if (wasm.params !== 549578) console.error(`warning: model has ${wasm.params} params, expected 549578`);
  const load = require("node:os").loadavg().map((l) => l.toFixed(1)).join(" ");
  console.log(`\nMobileNet-like training step, ${size}×${size}×3, Adam, ${wasm.params} params (median of ${steps} steps after 2 warm-up)`);
  console.log(`${require("node:os").cpus().length} logical CPUs, load average ${load}\n`);
  console.log(table(rows));
  const wasmRow = rows.find((r) => r.engine.startsWith("tfjs wasm (tsfine"));
  for (const torchRow of torchRows) {
    console.log(
      `\n${torchRow.engine} vs tfjs wasm: ${(torchRow.imagesPerSecond / wasmRow.imagesPerSecond).toFixed(1)}× by wall time, ` +
        `${(torchRow.imagesPerCpuSecond / wasmRow.imagesPerCpuSecond).toFixed(1)}× by CPU time (wasm/PyTorch = ${(wasmRow.imagesPerCpuSecond / torchRow.imagesPerCpuSecond).toFixed(3)})`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
