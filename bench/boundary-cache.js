#!/usr/bin/env node
/**
 * What the frozen-activation cache of tl.fit is worth: epoch time with and without it, in one table.
 *
 *   npm run build && node bench/boundary-cache.js [--examples 256] [--epochs 3] [--batch 32] [--no-mobilenet]
 *
 * Two cases from issue 5, each trained twice from the same weights and data (cacheFrozen false,
 * then true) on the backend tl.backend.init() picks:
 * - the MobileNet-like model of bench/model.js with only its last block and the classifier
 *   trainable (frozen up to conv_pw_6_relu);
 * - nsfwjs's MobileNetV2 (offline, 96×96 input) fully frozen under tl.classifier's head.
 * "later epochs" is the mean of every epoch after the first: with the cache on, the first epoch
 * also pays for computing the frozen part once; the later ones cost only the layers above it,
 * which is the floor the cache should reach. The one-off cost is shown on its own.
 */
const os = require("node:os");

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const examples = option("examples", 256);
const epochs = option("epochs", 3);
const batchSize = option("batch", 32);
if (epochs < 2) throw new Error("--epochs must be at least 2: later epochs are what the cache speeds up.");

const tf = require("@tensorflow/tfjs");
const tl = require("../dist/tl");
const { mobileNetLike, size, classes } = require("./model");

const cpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

function randomImages(count, side, seed) {
  const xs = tf.randomUniform([count, side, side, 3], 0, 1, "float32", seed);
  const ys = Array.from({ length: count }, (_, i) => i % classes);
  return tl.data.fromTensors(xs, ys, { seed });
}

/** Trains a fresh copy (same initial weights) and returns per-epoch seconds and the cache's note. */
async function timeEpochs(makeModel, data, cacheFrozen) {
  const model = await makeModel();
  const notes = [];
  const cpuBefore = cpuSeconds();
  const history = await tl.fit(model, data, {
    epochs,
    batchSize,
    lr: 1e-3,
    seed: 1,
    cacheFrozen,
    verbose: false,
    callbacks: [{ name: "bench-notes", afterFit: (state) => notes.push(...state.notes) }],
  });
  const cpu = cpuSeconds() - cpuBefore;
  const seconds = history.epochs.map((e) => e.seconds);
  model.dispose();
  const later = seconds.slice(1);
  return {
    first: seconds[0],
    later: later.reduce((a, b) => a + b, 0) / later.length,
    cpu,
    cacheNote: notes.find((n) => n.includes("computed once")) ?? "",
  };
}

async function measureCase(name, trainable, makeModel, data) {
  const plain = await timeEpochs(makeModel, data, false);
  const cached = await timeEpochs(makeModel, data, true);
  if (!cached.cacheNote) throw new Error(`${name}: the cache did not engage (no "computed once" note); the comparison would be meaningless.`);
  const oneOff = Number(/computed once \(([\d.]+) s\)/.exec(cached.cacheNote)?.[1] ?? NaN);
  return { name, trainable, plain, cached, oneOff, speedUp: plain.later / cached.later };
}

function printTable(rows) {
  const header = [
    "model",
    "trainable part",
    "no cache: s/epoch",
    "cache: first epoch s",
    "cache: later s/epoch",
    "computing frozen part once s",
    "speed-up (later epochs)",
  ];
  const body = rows.map((r) => [
    r.name,
    r.trainable,
    r.plain.later.toFixed(2),
    r.cached.first.toFixed(2),
    r.cached.later.toFixed(3),
    r.oneOff.toFixed(2),
    `${r.speedUp.toFixed(1)}×`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of body) console.log(line(row));
}

async function main() {
  const backendName = await tl.backend.init();
  const loadAtStart = os.loadavg();
  const rows = [];

  const smallData = randomImages(examples, size, 3);
  const smallWeights = mobileNetLike(tf).getWeights();
  rows.push(
    await measureCase(
      "MobileNet-like (bench/model.js, 96²)",
      "last block + classifier",
      async () => {
        const model = mobileNetLike(tf);
        model.setWeights(smallWeights);
        tl.freeze(model, { upTo: "conv_pw_6_relu" });
        return model;
      },
      smallData,
    ),
  );

  if (!args.includes("--no-mobilenet")) {
    const mobileData = randomImages(examples, 96, 4);
    rows.push(
      await measureCase(
        "MobileNetV2 (nsfwjs, 96²)",
        "head only",
        async () => {
          // A fresh backbone each time: disposing a model disposes the layers it shares.
          const base = await tl.backbone("mobilenet_v2", { inputShape: [96, 96, 3] });
          tl.freeze(base);
          return tl.classifier(base, { classes, dropout: 0 });
        },
        mobileData,
      ),
    );
  }

  console.log(`\nEpoch time with and without tl.fit's frozen-activation cache: ${examples} examples, batch ${batchSize}, ${epochs} epochs, Adam`);
  console.log(
    `${tl.backend.describe().toMimeBundle()["text/plain"].split("\n")[0] || backendName}; ${os.cpus().length} logical CPUs; load average ${loadAtStart.map((l) => l.toFixed(1)).join(" ")} at start, ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} at end\n`,
  );
  printTable(rows);
  console.log(
    "\nTargets (issue 5): later epochs cost only the trainable part — ~2.5× faster on the MobileNet-like model, ≥ 10× with only MobileNetV2's head training.",
  );
  for (const r of rows) console.log(`${r.name}: ${r.speedUp.toFixed(1)}× (${r.cached.cacheNote})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
