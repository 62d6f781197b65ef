/**
 * The keras engine from a notebook: `%engine` and `%fit … --engine keras` through the real kernel
 * (`tsfine run` over ZeroMQ), as a user runs them. Needs the installed engine (.ci/run installs
 * it); skipped without it here, failing under CI=true.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findInterpreter } from "../tl/engine/keras/process";
import { plainText as plain, runNotebook } from "./helpers/run-notebook";

const available = findInterpreter() !== undefined || process.env.CI === "true";

(available ? test : test.skip)(
  "%engine names the keras engine's framework; %fit --engine keras trains and history.engine says so",
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-keras-kernel-"));
    const cells = [
      "%engine",
      [
        "const input = tf.input({ shape: [8, 8, 3] });",
        "let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, name: 'c1' }).apply(input) as tf.SymbolicTensor;",
        "x = tf.layers.batchNormalization({ name: 'bn' }).apply(x) as tf.SymbolicTensor;",
        "x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;",
        "const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(x) as tf.SymbolicTensor;",
        "const model = tf.model({ inputs: input, outputs: out });",
        "const data = tl.data.fromTensors(tf.randomUniform([60, 8, 8, 3]), Array.from({ length: 60 }, (_, i) => i % 3), { validation: 0.2 });",
      ].join("\n"),
      "%fit model data --epochs 2 --batch 8 --engine keras --as history",
      "[history.engine, history.epochs.length, history.epochs.every((e) => e.valLoss !== undefined)]",
    ];
    const run = runNotebook(dir, cells, { name: "engine" });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(plain(run.outputs[0])).toMatch(/✓ keras: Keras 3\.\d+\.\d+ on tensorflow 2\.\d+\.\d+, devices CPU:0/);
    expect(plain(run.outputs[2])).toMatch(/epoch 2\/2 .* done/);
    expect(plain(run.outputs[3])).toMatch(/\[ 'keras 3\.\d+\.\d+ on tensorflow 2\.\d+\.\d+ \(CPU:0\)', 2, true \]/);
    fs.rmSync(dir, { recursive: true, force: true });
  },
  300_000,
);
