#!/usr/bin/env node
/**
 * The learning-rate sweep behind less-data.ipynb's parameters: every way (frozen head,
 * fine-tuned, from scratch) is trained with every rate of one grid, at each label count, over
 * seeds the notebook does not report, with the notebook's own recipe (same network, 150 steps of
 * batch 16, Adam, the same 2 000 test digits). Prints a Markdown table of mean test accuracy.
 *
 *   npx tsc -p tsconfig.json
 *   node examples/less-data-sweep.js [--labels 5,20,100] [--seeds 4,5,6,7,8] [--ways frozen,fine,scratch]
 *        [--lrs 5e-4,1e-3,2e-3,5e-3] [--head default|avg|avg-norm|flatten-norm] [--weights DIR] [--out results.json]
 *   node examples/less-data-sweep.js --merge a.json,b.json    the table of sweeps run in parts
 *
 * One rate per way and per run: the fine-tuned way uses it for both halves (head on the frozen
 * backbone, then every layer). A sweep of the full grid takes ~30 minutes on one core.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const tl = require(path.join(__dirname, "../dist/tl"));

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const list = (s) => s.split(",").map(Number);
const labelCounts = list(option("labels", "5,20,100"));
const seeds = list(option("seeds", "4,5,6"));
const ways = option("ways", "frozen,fine,scratch").split(",");
const lrs = list(option("lrs", "5e-4,1e-3,2e-3,5e-3"));
const headName = option("head", "default");
const weights = option("weights", "pretrained");
const outFile = option("out", undefined);
const steps = 150;
const batchSize = 16;

const heads = {
  default: {}, // what fashion_cnn's registry entry recommends, as the notebook uses it
  avg: { pooling: "avg", normalize: false },
  "avg-norm": { pooling: "avg", normalize: true },
  "flatten-norm": { pooling: "flatten", normalize: true },
};
if (!heads[headName]) throw new Error(`--head is one of ${Object.keys(heads).join(", ")}`);

/** One run, as trainOnce in examples/src/less-data.md does it. */
async function once(way, labels, seed, lr) {
  tl.seed(seed);
  const data = await tl.data.mnist({ perClass: labels, testPerClass: 200, seed });
  const base = await tl.backbone("fashion_cnn", { weights: way === "scratch" ? null : weights });
  const model = tl.classifier(base, { classes: 10, ...heads[headName] });
  const epochs = Math.max(1, Math.round(steps / Math.ceil(data.train.size / batchSize)));
  const common = { batchSize, seed, verbose: false };
  if (way === "scratch") {
    await tl.fit(model, data, { ...common, epochs, lr });
  } else if (way === "frozen") {
    tl.freeze(base);
    await tl.fit(model, data, { ...common, epochs, lr });
  } else {
    const first = Math.max(1, Math.round(epochs / 2));
    tl.freeze(base);
    await tl.fit(model, data, { ...common, epochs: first, lr });
    tl.unfreeze(base);
    await tl.fit(model, data, { ...common, epochs: Math.max(1, epochs - first), lr, seed: seed + 1 });
  }
  const evaluation = await tl.evaluate(model, data, { show: false });
  model.dispose();
  return evaluation.accuracy;
}

function table({ head, seeds, results }, started) {
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const names = { frozen: "pretrained, frozen", fine: "pretrained, fine-tuned", scratch: "from scratch" };
  const keys = Object.keys(results).map((k) => k.split(" "));
  const ways = [...new Set(keys.map((k) => k[0]))];
  const lrs = [...new Set(keys.map((k) => Number(k[1])))].sort((a, b) => a - b);
  const labelCounts = [...new Set(keys.map((k) => Number(k[2])))].sort((a, b) => a - b);
  const lines = [
    `| way | learning rate | ${labelCounts.map((l) => `${l} labels`).join(" | ")} |`,
    `| --- | --- | ${labelCounts.map(() => "---").join(" | ")} |`,
  ];
  for (const way of ways) {
    const tried = (l) => lrs.filter((lr) => results[`${way} ${lr} ${l}`]);
    const best = labelCounts.map((l) => Math.max(...tried(l).map((lr) => mean(results[`${way} ${lr} ${l}`]))));
    for (const lr of lrs.filter((lr) => labelCounts.some((l) => results[`${way} ${lr} ${l}`]))) {
      const cells = labelCounts.map((l, i) => {
        if (!results[`${way} ${lr} ${l}`]) return "–";
        const m = mean(results[`${way} ${lr} ${l}`]);
        return m === best[i] ? `**${(m * 100).toFixed(1)}**` : (m * 100).toFixed(1);
      });
      lines.push(`| ${names[way]} | ${lr} | ${cells.join(" | ")} |`);
    }
  }
  const minutes = started ? `; ${((Date.now() - started) / 60000).toFixed(0)} min` : "";
  return `${lines.join("\n")}\n\n(${new Date().toISOString().slice(0, 10)}; head ${head}; seeds ${seeds.join(", ")}; mean test accuracy, %, best rate per way in bold; wasm backend${minutes})`;
}

(async () => {
  const merge = option("merge", undefined);
  if (merge) {
    const parts = merge.split(",").map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
    console.log(table({ ...parts[0], results: Object.assign({}, ...parts.map((p) => p.results)) }));
    return;
  }
  await tl.backend.init("wasm");
  const started = Date.now();
  const results = {}; // "way lr labels" -> accuracies in seed order
  for (const labels of labelCounts) {
    for (const seed of seeds) {
      for (const way of ways) {
        for (const lr of lrs) {
          const acc = await once(way, labels, seed, lr);
          (results[`${way} ${lr} ${labels}`] ??= []).push(acc);
          console.error(`${labels} labels · seed ${seed} · ${way} · lr ${lr}: ${(acc * 100).toFixed(1)}%`);
          if (outFile) fs.writeFileSync(outFile, JSON.stringify({ head: headName, weights, seeds, results }, null, 1));
        }
      }
    }
  }
  console.log(table({ head: headName, seeds, results }, started));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
