import * as tf from "@tensorflow/tfjs";
import { backend } from "../tl/backend";
import { backbone } from "../tl/backbones/registry";
import { mnist } from "../tl/data";
import { fit } from "../tl/fit/fit";
import { measure } from "../tl/fit/measure";
import { freeze } from "../tl/freeze";
import { classifier } from "../tl/heads";
import { seed as seedAll } from "../tl/seed";

/**
 * Evidence that transfer learning works here, on the wasm backend: with 20 labelled digits per
 * class, the backbone tsfine pretrained on Fashion-MNIST beats the same network trained from
 * scratch with the same budget, for every one of three seeds.
 */

beforeAll(async () => {
  await backend.init("wasm");
});

// Same small budget for both: 4 epochs of the 200 images, batch 16, Adam 3e-4 with one-cycle.
const budget = { epochs: 4, batchSize: 16, lr: 3e-4, schedule: "onecycle" as const, verbose: false };

async function testAccuracy(pretrained: boolean, seed: number): Promise<number> {
  const data = await mnist({ perClass: 20, testPerClass: 50, seed });
  seedAll(seed);
  const base = await backbone("fashion_cnn", { weights: pretrained ? "pretrained" : null });
  // the head these margins were measured with (fashion_cnn's default head also normalises)
  const model = classifier(base, { classes: 10, pooling: "flatten", normalize: false });
  await fit(model, data, { ...budget, seed });
  const accuracy = (await measure(model, data.test!)).acc!;
  model.dispose();
  return accuracy;
}

test("20 digits per class: the Fashion-MNIST backbone beats training from scratch, over 3 seeds", async () => {
  const rows: string[] = [];
  const margins: number[] = [];
  for (const seed of [1, 2, 3]) {
    const transferred = await testAccuracy(true, seed);
    const scratch = await testAccuracy(false, seed);
    rows.push(`seed ${seed}: pretrained ${(transferred * 100).toFixed(1)}% vs scratch ${(scratch * 100).toFixed(1)}%`);
    margins.push(transferred - scratch);
  }
  console.log(rows.join("\n"));
  // Measured on wasm with the weights of 2026-11-28: +16.6, +15.8 and +20.6 points.
  for (const margin of margins) expect(margin).toBeGreaterThan(0.04);
  expect(margins.reduce((a, b) => a + b, 0) / margins.length).toBeGreaterThan(0.1);
}, 240_000);

test("the offline MobileNetV2 fine-tunes on wasm: its top block and head learn, the frozen rest stays bit-identical", async () => {
  const data = (await mnist({ perClass: 2, testPerClass: 1, seed: 1 })).resize(32, 3);
  const base = await backbone("mobilenet_v2", { inputShape: [32, 32, 3] });
  const model = classifier(base, { classes: 10 });
  freeze(model, { upTo: "block_15" });
  const frozenBefore = model
    .getLayer("block_14_project_BN")
    .getWeights()
    .map((w) => Array.from(w.dataSync()));
  const tensors = tf.memory().numTensors;
  const history = await fit(model, data, { epochs: 3, batchSize: 10, lr: 1e-3, seed: 1, cacheFrozen: false, verbose: false });
  expect(history.epochs[2].loss).toBeLessThan(history.epochs[0].loss);
  expect(tf.memory().numTensors).toBe(tensors);
  const frozenAfter = model
    .getLayer("block_14_project_BN")
    .getWeights()
    .map((w) => Array.from(w.dataSync()));
  expect(frozenAfter).toEqual(frozenBefore);
  model.dispose();
}, 240_000);
