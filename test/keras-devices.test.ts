/**
 * The keras engine on more than one device: `devices: "all"` trains data-parallel with
 * keras.distribution on JAX. CI simulates two CPU devices (XLA_FLAGS); the two-device run must
 * match the one-device run. Needs `tsfine backend install keras --with jax` (.ci/run does it);
 * skipped without it here, failing under CI=true.
 */
import * as tf from "@tensorflow/tfjs";
import { backend } from "../tl/backend";
import { fromTensors } from "../tl/data";
import { fit } from "../tl/fit/fit";
import { environmentDir, readMarker } from "../tl/engine/keras/paths";
import { runningKerasProcess } from "../tl/engine/keras/process";
import "../tl/engine/keras/fit-engine";

const available = readMarker(environmentDir("jax")) !== undefined || process.env.CI === "true";
const suite = available ? describe : describe.skip;

function model(): tf.LayersModel {
  const L = tf.layers;
  const input = tf.input({ shape: [8, 8, 3] });
  let x = L.conv2d({ filters: 6, kernelSize: 3, useBias: false, name: "conv" }).apply(input) as tf.SymbolicTensor;
  x = L.batchNormalization({ name: "bn" }).apply(x) as tf.SymbolicTensor;
  x = L.reLU({ maxValue: 6, name: "relu6" }).apply(x) as tf.SymbolicTensor;
  x = L.globalAveragePooling2d({ name: "pool" }).apply(x) as tf.SymbolicTensor;
  const output = L.dense({ units: 3, activation: "softmax", name: "out" }).apply(x) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: output });
  m.setWeights(
    m.weights.map((w, i) => tf.tidy(() => tf.add(tf.randomUniform(w.shape as number[], -0.4, 0.4, "float32", 50 + i), w.name.includes("variance") ? 1 : 0))),
  );
  return m;
}

const saved = { framework: process.env.TSFINE_KERAS_FRAMEWORK, xla: process.env.XLA_FLAGS };

beforeAll(async () => {
  await backend.init("wasm");
  // A fresh engine process on JAX that sees two (simulated) CPU devices.
  runningKerasProcess()?.close();
  process.env.TSFINE_KERAS_FRAMEWORK = "jax";
  process.env.XLA_FLAGS = "--xla_force_host_platform_device_count=2";
});

afterAll(() => {
  runningKerasProcess()?.close();
  for (const [key, value] of [
    ["TSFINE_KERAS_FRAMEWORK", saved.framework],
    ["XLA_FLAGS", saved.xla],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

suite('devices: "all"', () => {
  test("two devices train data-parallel and match the one-device run", async () => {
    const xs = tf.randomUniform([80, 8, 8, 3], 0, 1, "float32", 8);
    const data = fromTensors(
      xs,
      Array.from({ length: 80 }, (_, i) => (i * 5) % 3),
      { validation: 0, test: 0, seed: 3 },
    );
    const options = { epochs: 1, batchSize: 8, lr: 0.05, optimizer: "sgd" as const, seed: 6, verbose: false, cacheFrozen: false, engine: "keras" };
    const single = model();
    const double = model();
    const one = await fit(single, data, options);
    const two = await fit(double, data, { ...options, devices: "all" });
    expect(one.engine).toMatch(/^keras 3\.\d+\.\d+ on jax 0\.\d+\.\d+ \(CPU:0\)$/);
    expect(two.engine).toMatch(/^keras 3\.\d+\.\d+ on jax 0\.\d+\.\d+ \(CPU:0, CPU:1\)$/);
    expect(two.batchLoss).toHaveLength(10);
    const apart = two.batchLoss.map((loss, i) => Math.abs(loss - one.batchLoss[i]) / one.batchLoss[i]);
    expect(Math.max(...apart)).toBeLessThan(1e-4);
    single.weights.forEach((w, i) => {
      const a = w.read().dataSync();
      const b = double.weights[i].read().dataSync();
      let d = 0,
        n = 0;
      for (let j = 0; j < a.length; j++) {
        d += (a[j] - b[j]) ** 2;
        n += a[j] ** 2;
      }
      expect([w.originalName, Math.sqrt(d / Math.max(n, 1e-30)) < 1e-4]).toEqual([w.originalName, true]);
    });
  }, 240_000);

  test("a batch that cannot split evenly over the devices is one sentence, before anything trains", async () => {
    const data = fromTensors(
      tf.randomUniform([20, 8, 8, 3], 0, 1, "float32", 9),
      Array.from({ length: 20 }, (_, i) => i % 3),
      { validation: 0, test: 0 },
    );
    const m = model();
    const before = m.getWeights().map((w) => Array.from(w.dataSync()));
    await expect(fit(m, data, { engine: "keras", devices: "all", batchSize: 7, verbose: false })).rejects.toThrow(
      'With devices: "all" each batch is split over 2 devices, so batchSize (7) and the epoch\'s last batch (6 of 20 examples) must be multiples of 2; pick another batchSize.',
    );
    expect(m.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
  });
});
