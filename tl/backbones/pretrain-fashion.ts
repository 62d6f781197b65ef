/**
 * Reproduces tl/weights/fashion-cnn: trains the fashion-cnn backbone with a classifier head on
 * Fashion-MNIST on the wasm backend (a few minutes on one core), reports test accuracy, and
 * saves backbone + head in tfjs layers format.
 *
 *   npx tsc -p tsconfig.json && node dist/tl/backbones/pretrain-fashion.js [outDir]
 *   (PER_CLASS=2500 EPOCHS=3 by default: 25 000 images; 81% Fashion-MNIST test accuracy, ~7 minutes on one idle core)
 */
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { backend } from "../backend";
import { fashionMnist } from "../data/fashion-mnist";
import type { Callback } from "../fit/callback";
import { fit } from "../fit/fit";
import { measure } from "../fit/measure";
import { classifier } from "../heads";
import { save } from "../io";
import { seed } from "../seed";
import { fashionCnnArchitecture } from "./fashion-cnn";

async function main(): Promise<void> {
  const out = process.argv[2] ?? path.join(__dirname, "../../../tl/weights/fashion-cnn");
  const name = await backend.init("wasm");
  seed(2024);
  const perClass = Number(process.env.PER_CLASS ?? 2500);
  const epochs = Number(process.env.EPOCHS ?? 3);
  const data = await fashionMnist({ perClass, testPerClass: 300, seed: 2024 });
  console.log(`backend ${name}; ${data.describe()}`);
  const model = classifier(fashionCnnArchitecture(), { classes: 10 });
  const started = Date.now();
  const log: Callback = {
    name: "log",
    afterEpoch: (s) => console.log(`epoch ${s.current!.epoch}: loss ${s.current!.loss.toFixed(4)} acc ${s.current!.acc?.toFixed(4)} (${s.current!.seconds.toFixed(0)} s)`),
  };
  await fit(model, data, { epochs, batchSize: 64, lr: 5e-3, schedule: "onecycle", seed: 2024, verbose: false, callbacks: [log] });
  const test = await measure(model, data.test!);
  console.log(`test accuracy ${test.acc!.toFixed(4)} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await save(model, out);
  console.log(`saved to ${out}; tensors alive: ${tf.memory().numTensors}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
