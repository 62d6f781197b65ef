#!/usr/bin/env node
/**
 * Where a wasm training step of the train-speed model spends its time, per kernel.
 *
 *   npm run build && node bench/wasm-profile.js [--steps 3] [--batch 32] [--threads 1] [--stock]
 *
 * Every kernel registered for wasm is wrapped to take this process's CPU time (getrusage: on a
 * loaded machine it grows much less than wall time) around each call. tsfine's kernels are made
 * of other kernels, so time is kept both inclusive and exclusive (minus the kernels called
 * inside). "outside kernels" is the step's CPU time no kernel accounts for: tape, gradient
 * bookkeeping, tensor creation and disposal in JavaScript.
 */
const os = require("node:os");

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const steps = option("steps", 3);
const batch = option("batch", 32);
process.env.TSFINE_WASM_THREADS = String(option("threads", 1));

const tf = require("@tensorflow/tfjs");
const { backend } = require("../dist/tl/backend");
const kernels = require("../dist/tl/kernels");
const { mobileNetLike } = require("./model");

const cpuMicros = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

/** name → {calls, inclusive, exclusive}; also per name+input shapes. */
const byKernel = new Map();
const byShape = new Map();
const stack = [];
let recording = false;

function wrapWasmKernels() {
  for (const config of tf.getKernelsForBackend("wasm")) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, "wasm");
    tf.registerKernel({
      ...config,
      kernelFunc: (call) => {
        if (!recording) return inner(call);
        const frame = { start: cpuMicros(), children: 0 };
        stack.push(frame);
        try {
          return inner(call);
        } finally {
          stack.pop();
          const inclusive = cpuMicros() - frame.start;
          const exclusive = inclusive - frame.children;
          if (stack.length > 0) stack[stack.length - 1].children += inclusive;
          const shapes = Object.values(call.inputs)
            .filter((t) => t && t.shape)
            .map((t) => `[${t.shape.join(",")}]`)
            .join(" ");
          const flags = call.attrs && (call.attrs.transposeA || call.attrs.transposeB) ? ` tA=${!!call.attrs.transposeA} tB=${!!call.attrs.transposeB}` : "";
          for (const [map, key] of [
            [byKernel, config.kernelName],
            [byShape, `${config.kernelName} ${shapes}${flags}`],
          ]) {
            const entry = map.get(key) ?? { calls: 0, inclusive: 0, exclusive: 0 };
            entry.calls += 1;
            entry.inclusive += inclusive;
            entry.exclusive += exclusive;
            map.set(key, entry);
          }
        }
      },
    });
  }
}

function report(map, title, limit, stepCpu) {
  const rows = [...map.entries()].sort((a, b) => b[1].exclusive - a[1].exclusive).slice(0, limit);
  const perStep = (micros) => (micros / steps / 1000).toFixed(1);
  console.log(`\n${title}`);
  const width = Math.max(...rows.map(([name]) => name.length), 10);
  console.log(`${"kernel".padEnd(width)}  calls/step  excl ms/step  incl ms/step  % of step`);
  for (const [name, entry] of rows) {
    console.log(
      `${name.padEnd(width)}  ${String(entry.calls / steps).padStart(10)}  ${perStep(entry.exclusive).padStart(12)}  ${perStep(entry.inclusive).padStart(12)}  ${((100 * entry.exclusive) / steps / stepCpu).toFixed(1).padStart(9)}`,
    );
  }
}

async function main() {
  const size = 96;
  await backend.init("wasm");
  if (args.includes("--stock")) kernels.restoreStockKernels();
  console.log(backend.describe().toMimeBundle()["text/plain"].split("\n")[0]);
  const model = mobileNetLike(tf);
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  const images = tf.randomUniform([batch, size, size, 3], 0, 1, "float32", 1);
  const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, "int32", 2), 10);
  for (let i = 0; i < 2; i++) await model.trainOnBatch(images, labels);
  wrapWasmKernels();
  recording = true;
  const start = cpuMicros();
  const wallStart = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) await model.trainOnBatch(images, labels);
  const stepCpu = (cpuMicros() - start) / steps;
  const stepWall = Number(process.hrtime.bigint() - wallStart) / 1e9 / steps;
  recording = false;
  const inKernels = [...byKernel.values()].reduce((sum, entry) => sum + entry.exclusive, 0) / steps;
  console.log(
    `batch ${batch}, ${steps} steps: ${(stepCpu / 1e6).toFixed(3)} CPU s/step (${((batch * 1e6) / stepCpu).toFixed(1)} img/s by CPU time), ` +
      `${stepWall.toFixed(3)} wall s/step; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
  );
  console.log(`in kernels ${(inKernels / 1000).toFixed(0)} ms/step, outside kernels ${((stepCpu - inKernels) / 1000).toFixed(0)} ms/step`);
  report(byKernel, "By kernel (exclusive CPU time, descending)", 25, stepCpu);
  report(byShape, "By kernel and input shapes (top 40)", 40, stepCpu);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
