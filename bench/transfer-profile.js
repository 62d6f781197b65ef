#!/usr/bin/env node
/**
 * Where the transfer recipe's time goes (bench/train-speed.js has the recipe beside Keras):
 * per phase, the frozen part's activations computed once, the engine's start, each epoch; then,
 * with --kernels, tf.profile of one batch of the activation pass and of one unfrozen step, the
 * kernels summed by name.
 *
 *   npm run build && node bench/transfer-profile.js [--backend native|wasm] [--engine tfjs|keras] [--examples 1024] [--kernels]
 *
 * Timing of the keras engine's own process start is included in its first epoch's phase.
 */
const os = require("node:os");

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : fallback;
};
const examples = Number(option("examples", 1024));
const wanted = option("backend", "native");
const engine = option("engine", "tfjs");

const cpuNow = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

/** A callback that copies fit's notes (the cache's "computed once (… s)") out of the run. */
function notesInto(list) {
  return { name: "notes", afterFit: (state) => list.push(...state.notes) };
}

async function profileKernels(tf, label, work) {
  const info = await tf.profile(work);
  const byName = new Map();
  for (const k of info.kernels) {
    const entry = byName.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    entry.calls += 1;
    byName.set(k.name, entry);
  }
  const total = [...byName.values()].reduce((a, b) => a + b.ms, 0);
  console.log(`\n${label}: ${info.kernels.length} kernel calls, ${total.toFixed(0)} ms inside kernels`);
  for (const [name, e] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) {
    console.log(`  ${name.padEnd(36)} ${e.ms.toFixed(1).padStart(8)} ms  ${String(e.calls).padStart(5)} calls`);
  }
}

async function main() {
  const tf = require("@tensorflow/tfjs");
  const tl = require("../dist/tl");
  const chosen = wanted === "native" ? await tl.backend.init() : await tl.backend.init("wasm");
  if (engine === "keras") require("../dist/tl/engine/keras/fit-engine");
  console.log(`backend ${chosen}, engine ${engine}, ${examples} images, load ${os.loadavg()[0].toFixed(1)}`);
  const { PHASES, recipeSetup, fitOptions } = require("./transfer-recipe");
  const setup = await recipeSetup(tf, tl, examples);
  const { model, xs, data } = setup;
  const start = Date.now();
  for (const phase of PHASES) {
    phase.before({ tl, ...setup });
    const notes = [];
    const t0 = Date.now();
    const c0 = cpuNow();
    const history = await tl.fit(model, data, fitOptions(phase, engine, { callbacks: [notesInto(notes)] }));
    const seconds = (Date.now() - t0) / 1000;
    const epochs = history.epochs.map((e) => e.seconds);
    const inEpochs = epochs.reduce((a, b) => a + b, 0);
    console.log(`\n${phase.name}: ${seconds.toFixed(1)} s wall, ${(cpuNow() - c0).toFixed(1)} CPU s of this process`);
    console.log(`  notes: ${notes.join("; ") || "(none: no cache)"}`);
    console.log(
      `  epochs: ${epochs.map((s) => s.toFixed(2)).join(", ")} s (sum ${inEpochs.toFixed(1)}); outside the epochs (cache, engine start, conversion): ${(seconds - inEpochs).toFixed(1)} s`,
    );
  }
  console.log(`\ntotal ${((Date.now() - start) / 1000).toFixed(1)} s`);
  if (args.includes("--kernels")) {
    const { freezeBoundary, lowerModel, upperModel } = require("../dist/tl/fit/model-graph");
    const { foldedInference } = require("../dist/tl/fit/folded-inference");
    const boundary = freezeBoundary(model);
    const lower = lowerModel(model, boundary);
    const upper = upperModel(model, boundary);
    const batch = xs.slice(0, 32);
    await profileKernels(tf, `activation pass up to ${boundary.layerName}, one batch of 32, as the model is`, () => lower.predict(batch));
    const folded = foldedInference(model, [boundary.tensor]);
    await profileKernels(tf, `the same with BatchNorm folded (what tl.fit runs)`, () => folded.model.predict(batch));
    const features = lower.predict(batch);
    const labels = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: 32 }, (_, i) => i % 10),
        "int32",
      ),
      10,
    );
    const optimizer = tf.train.adam(1e-4);
    const step = () =>
      optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(labels, upper.apply(features, { training: true })),
        true,
        upper.trainableWeights.map((w) => w.read()),
      );
    tf.dispose(step());
    await profileKernels(tf, `one unfrozen training step (layers above ${boundary.layerName}), batch 32`, step);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
