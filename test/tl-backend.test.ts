import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { backend } from "../tl/backend";
import { random, seed, shuffle, unseed } from "../tl/seed";

// The in-process tests describe a machine with no native backend installed: an empty cache folder.
process.env.XDG_CACHE_HOME = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-backend-test-"));
afterAll(() => fs.rmSync(process.env.XDG_CACHE_HOME as string, { recursive: true, force: true }));

describe("tl.backend", () => {
  test("init picks wasm here, awaits tf.ready, and ops work right away", async () => {
    const name = await backend.init();
    expect(name).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(Array.from(tf.add(tf.tensor1d([1, 2]), 1).dataSync())).toEqual([2, 3]);
  });

  test("describe says which backend runs, why each faster one was not taken, and how to get one", async () => {
    await backend.init();
    const description = backend.describe();
    expect(description.name).toBe("wasm");
    expect(description.reasons.map((r) => r.backend)).toEqual(["tfjs-node-gpu", "webgpu", "tfjs-node", "wasm"]);
    expect(description.reasons.find((r) => r.backend === "tfjs-node-gpu")).toEqual({
      backend: "tfjs-node-gpu",
      ok: false,
      why: "the native gpu backend is not installed, and this machine has no NVIDIA driver",
    });
    expect(description.reasons.find((r) => r.backend === "tfjs-node")?.why).toBe(
      `the native cpu backend is not installed (nothing in ${process.env.XDG_CACHE_HOME}/tsfine/backends/cpu)`,
    );
    expect(description.reasons.find((r) => r.backend === "wasm")?.ok).toBe(true);
    expect(description.reasons.find((r) => r.backend === "wasm")?.why).toContain("Conv2DBackpropFilter");
    expect(description.hint).toMatch(
      /^the native cpu backend \(TensorFlow 2\.21\.0 from PyPI's tensorflow-cpu wheel.*\) is built by `tsfine backend install cpu`$/,
    );
    const bundle = description.toMimeBundle();
    // One thread unless asked for more (TSFINE_WASM_THREADS, setWasmThreads): see tl/backend/wasm.ts.
    expect(bundle["text/plain"]).toContain(process.env.TSFINE_WASM_THREADS ? "backend: wasm (SIMD" : "backend: wasm (SIMD, 1 thread)");
    expect(bundle["text/plain"]).toContain("✗ tfjs-node-gpu: the native gpu backend is not installed");
    expect(bundle["text/html"]).toContain("<b>wasm</b>");
    expect(bundle["text/html"]).toContain("<code>tsfine backend install");
  });

  test("use switches backends and back; an unknown or missing backend is one clear error", async () => {
    await backend.init();
    expect(await backend.use("cpu")).toBe("cpu");
    expect(tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]).toBe(6);
    expect(await backend.use("wasm")).toBe("wasm");
    await expect(backend.use("tpu")).rejects.toThrow('Unknown backend "tpu"; choose one of tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu.');
    await expect(backend.use("gpu")).rejects.toThrow(
      /^Cannot switch to tfjs-node-gpu: the native gpu backend is not installed, and this machine has no NVIDIA driver\. .*TensorFlow 2\.21\.0 with CUDA 12.*`tsfine backend install gpu`/,
    );
    expect(tf.getBackend()).toBe("wasm");
  });

  test("a preferred backend is tried first", async () => {
    expect(await backend.init("cpu")).toBe("cpu");
    expect(backend.describe().reasons[0]).toMatchObject({ backend: "cpu", ok: true });
    expect(await backend.init(undefined, { force: true })).toBe("wasm");
  });

  test("WebGPU without the webgpu package is skipped with a reason", async () => {
    await backend.init(undefined, { force: true });
    expect(backend.describe().reasons.find((r) => r.backend === "webgpu")).toEqual({ backend: "webgpu", ok: false, why: "webgpu is not installed" });
  });

  test("installCommand names tsfine's own command for the native backends and npm's for WebGPU", () => {
    expect(backend.installCommand("gpu")).toBe("npx tsfine backend install gpu");
    expect(backend.installCommand("cpu")).toBe("npx tsfine backend install cpu");
    expect(backend.installCommand("webgpu")).toBe("npm install --save webgpu@0.6.2");
  });
});

/**
 * Each wasm thread setting in its own Node process (the binary is chosen once per process): what
 * describe() says, conv gradients against the cpu backend, and that the script ends by itself
 * (XNNPACK's pool threads must not keep Node alive).
 */
describe("tl.backend wasm threads", () => {
  const script = `
    const tf = require("@tensorflow/tfjs");
    const { backend } = require(${JSON.stringify(`${__dirname}/../dist/tl/backend`)});
    (async () => {
      await backend.init();
      const features = backend.describe().toMimeBundle()["text/plain"].split("\\n")[0];
      const x = tf.randomNormal([2, 9, 9, 8], 0, 1, "float32", 1), f = tf.randomNormal([3, 3, 8, 16], 0, 1, "float32", 2);
      const d = tf.randomNormal([3, 3, 8, 1], 0, 1, "float32", 3);
      const grads = () => tf.grads((a, b, c) => tf.depthwiseConv2d(tf.conv2d(a, b, 2, "same").slice([0, 0, 0, 0], [2, 5, 5, 8]), c, 1, "same").square().sum())([x, f, d]).map((g) => g.dataSync());
      const wasm = grads();
      await backend.use("cpu");
      const cpu = grads();
      const rel = wasm.map((g, i) => g.reduce((m, v, j) => Math.max(m, Math.abs(v - cpu[i][j])), 0) / cpu[i].reduce((m, v) => Math.max(m, Math.abs(v)), 0));
      console.log(JSON.stringify({ features, rel }));
    })();`;
  const run = (env: Record<string, string>) => {
    const output = execFileSync(process.execPath, ["-e", script], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 120_000 });
    return JSON.parse(output.trim().split("\n").pop() as string) as { features: string; rel: number[] };
  };

  test("TSFINE_WASM_THREADS=2 runs the threaded-SIMD binary with 2 threads, same gradients, and the script exits", () => {
    const result = run({ TSFINE_WASM_THREADS: "2" });
    expect(result.features).toBe("backend: wasm (SIMD, threaded-SIMD binary, 2 threads)");
    for (const rel of result.rel) expect(rel).toBeLessThanOrEqual(1e-5);
  });

  test("TSFINE_WASM_THREADS=1 runs tfjs's single-threaded SIMD binary", () => {
    const result = run({ TSFINE_WASM_THREADS: "1" });
    expect(result.features).toBe("backend: wasm (SIMD, 1 thread)");
    for (const rel of result.rel) expect(rel).toBeLessThanOrEqual(1e-5);
  });

  test("when the threaded binary cannot start, the single-threaded one runs and describe says why", () => {
    // The pthread worker script is written to the temp folder; make that impossible.
    const result = run({ TSFINE_WASM_THREADS: "2", TMPDIR: "/nonexistent/tsfine-test" });
    expect(result.features).toMatch(/^backend: wasm \(SIMD, 1 thread; single-threaded binary because the threaded binary did not start \(ENOENT.*\)\)$/);
    for (const rel of result.rel) expect(rel).toBeLessThanOrEqual(1e-5);
  });

  test("setWasmThreads refuses a bad count or a backend that has already started", async () => {
    const { setWasmThreads } = await import("../tl/backend/wasm");
    expect(() => setWasmThreads(0)).toThrow("Wasm threads must be a whole number from 1 to 8; got 0.");
    await backend.init();
    expect(() => setWasmThreads(2)).toThrow(/already started; set its threads before `tl.backend.init\(\)`/);
  });
});

describe("tl.seed", () => {
  afterEach(() => unseed());

  test("the same seed gives the same shuffles and the same initial weights", async () => {
    await backend.init();
    const run = () => {
      seed(42);
      const order = shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const layer = tf.layers.dense({ units: 3, inputShape: [4] });
      const model = tf.sequential({ layers: [layer] });
      const weights = Array.from(model.getWeights()[0].dataSync());
      model.dispose();
      return { order, weights, draw: random() };
    };
    const first = run();
    const second = run();
    expect(second).toEqual(first);
    seed(43);
    expect(shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])).not.toEqual(first.order);
  });

  test("seed without touching Math.random leaves it alone", () => {
    const before = Math.random;
    seed(1, { mathRandom: false });
    expect(Math.random).toBe(before);
    expect(() => seed(Number.NaN)).toThrow("tl.seed needs a finite number; got NaN.");
  });
});

/**
 * A test that needs a part .ci/run installs outside npm's dependencies: in CI the part must be
 * there (the test fails saying so); elsewhere the test skips with the reason printed.
 */
function testNeeding(present: boolean, part: string, howCiGetsIt: string): jest.It {
  if (present) return test;
  if (process.env.CI) {
    return ((name: string) =>
      test(name, () => {
        throw new Error(`${part} is missing: .ci/run must ${howCiGetsIt}.`);
      })) as unknown as jest.It;
  }
  console.log(`skipping tests that need ${part} (${howCiGetsIt})`);
  return test.skip;
}

/** The native cpu backend's cache folder: `tsfine backend install cpu` built it there (.ci/run does). */
const nativeCache = process.env.TSFINE_NATIVE_CACHE ?? "/tmp/tsfine-native";
const testOnNativeCpu = testNeeding(
  fs.existsSync(`${nativeCache}/tsfine/backends/cpu/tsfine-backend.json`),
  `the native cpu backend in ${nativeCache}`,
  "run `XDG_CACHE_HOME=$TSFINE_NATIVE_CACHE node bin/tsfine.js backend install cpu`",
);

/** Runs `script` in a fresh Node whose cache holds the native backend; its last line of output is JSON. */
function runOnNativeCpu(script: string, timeout = 120_000) {
  const output = execFileSync(process.execPath, ["-e", script], {
    env: { ...process.env, XDG_CACHE_HOME: nativeCache, TF_CPP_MIN_LOG_LEVEL: "2" },
    encoding: "utf8",
    timeout,
  });
  return JSON.parse(output.trim().split("\n").pop() as string);
}

/**
 * Script text for runOnNativeCpu (after tf is loaded): recordOps(method, ran) pushes to `ran` the
 * name of every TensorFlow op the current backend runs through `method` from then on.
 */
const recordOpsFunction = `
  const recordOps = (method, ran) => {
    const native = tf.backend();
    const execute = native[method].bind(native);
    native[method] = (name, ...rest) => (ran.push(name), execute(name, ...rest));
  };`;

/** The largest difference between two value lists, relative to the reference's largest magnitude. */
const relative = (reference: number[], other: number[]) => Math.max(...reference.map((v, j) => Math.abs(v - other[j]))) / Math.max(...reference.map(Math.abs));

/**
 * The native CPU backend as a user gets it: `tsfine backend install cpu` built it into the cache
 * folder under TSFINE_NATIVE_CACHE (.ci/run runs that command; default /tmp/tsfine-native).
 * A plain init() takes it before wasm, %backend names TensorFlow's version and device, and its
 * gradients (conv, depthwise conv, batch norm) match the cpu backend's.
 */
describe("tl.backend with the native cpu backend installed", () => {
  testOnNativeCpu(
    "init picks it over wasm, describe names TensorFlow 2.21.0 on the CPU, and its gradients match the cpu backend",
    () => {
      const script = `
        const tf = require("@tensorflow/tfjs");
        const { backend } = require(${JSON.stringify(`${__dirname}/../dist/tl/backend`)});
        (async () => {
          const name = await backend.init();
          const described = backend.describe().toMimeBundle()["text/plain"];
          const x = tf.randomNormal([2, 9, 9, 3], 0, 1, "float32", 1), f = tf.randomNormal([3, 3, 3, 4], 0, 1, "float32", 2);
          const d = tf.randomNormal([3, 3, 4, 1], 0, 1, "float32", 3);
          const loss = (a, b, c) => {
            const h = tf.depthwiseConv2d(tf.conv2d(a, b, 2, "same"), c, 1, "same");
            const { mean, variance } = tf.moments(h, [0, 1, 2]);
            return tf.clipByValue(tf.batchNorm(h, mean, variance, tf.zeros([4]), tf.ones([4]), 1e-3), 0, 6).square().sum();
          };
          const grads = () => tf.grads(loss)([x, f, d]).map((g) => g.dataSync());
          const native = grads();
          await backend.use("cpu");
          const cpu = grads();
          const rel = native.map((g, i) => g.reduce((m, v, j) => Math.max(m, Math.abs(v - cpu[i][j])), 0) / cpu[i].reduce((m, v) => Math.max(m, Math.abs(v)), 0));
          console.log(JSON.stringify({ name, described, rel, sameTf: tf.findBackendFactory("tensorflow") != null }));
        })();`;
      const result = runOnNativeCpu(script);
      expect(result.name).toBe("tensorflow");
      expect(result.sameTf).toBe(true);
      expect(result.described).toMatch(/^backend: tensorflow \(TensorFlow 2\.21\.0 on the CPU\)\n/);
      expect(result.described).toContain(`✓ tfjs-node: TensorFlow 2.21.0 (CPU build from PyPI) loaded from ${nativeCache}/tsfine/backends/cpu`);
      expect(result.described).toContain("✗ tfjs-node-gpu: the native gpu backend is not installed");
      for (const rel of result.rel) expect(rel).toBeLessThanOrEqual(1e-5);
    },
    180_000,
  );
});

/**
 * tsfine's kernels for the native backend (tl/kernels/native.ts: ClipByValue as one TensorFlow
 * op, Relu6 for clip(x, 0, 6), Step without a tf.ones filled in JavaScript, a 1×1
 * convolution's gradients as matrix products) give the cpu backend's values, at the bounds,
 * beyond them, for NaN and for int32; tf.layers.reLU({ maxValue: 6 })'s output and gradient
 * (one Relu6 forward, three ops backward: tl/kernels/native-relu6.ts) and the convolution
 * gradients (1×1 and, left to TensorFlow, 3×3) match too.
 */
describe("tsfine's kernels on the native cpu backend", () => {
  testOnNativeCpu(
    "clipByValue, relu6, step, a ReLU6 layer's gradient and 1×1 convolution gradients give the cpu backend's values",
    () => {
      const script = `
        const tf = require("@tensorflow/tfjs");
        ${recordOpsFunction}
        const { backend } = require(${JSON.stringify(`${__dirname}/../dist/tl/backend`)});
        (async () => {
          await backend.init();
          const edges = [-7, -1, -0.5, 0, 0.5, 1, 2, 5.999, 6, 6.001, 100, NaN, Infinity, -Infinity];
          const x = tf.concat([tf.tensor1d(edges), tf.randomNormal([4000], 0, 5, "float32", 1)]);
          const xi = tf.tensor1d([-9, -1, 0, 1, 3, 6, 7, 40], "int32");
          const layer = tf.layers.reLU({ maxValue: 6 });
          const values = () => [
            tf.clipByValue(x, 0, 6), tf.clipByValue(x, -1, 2), tf.clipByValue(xi, -1, 6), tf.relu6(x), tf.step(x), tf.step(x, 0.3),
            layer.apply(x), tf.grad((v) => layer.apply(v).mul(tf.range(0, v.size)).sum())(x),
          ].map((t) => ({ dtype: t.dtype, values: Array.from(t.dataSync(), (v) => (Number.isNaN(v) ? "NaN" : v)) }));
          // A 1×1 convolution's gradients (matrix products on native) and a 3×3 one's (TensorFlow's kernels).
          const px = tf.randomNormal([3, 5, 5, 8], 0, 1, "float32", 2), pw = tf.randomNormal([1, 1, 8, 6], 0, 1, "float32", 3);
          const kw = tf.randomNormal([3, 3, 6, 4], 0, 1, "float32", 4);
          const convLoss = (a, b, c) => tf.conv2d(tf.conv2d(a, b, 1, "same"), c, 2, "valid").square().sum();
          const convGrads = () => tf.grads(convLoss)([px, pw, kw]).map((g) => Array.from(g.dataSync()));
          // The TensorFlow ops a ReLU6 layer's forward pass and gradient run (tl/kernels/native-relu6.ts).
          const ran = [];
          for (const method of ["executeSingleOutput", "executeMultipleOutputs"]) recordOps(method, ran);
          tf.grad((v) => layer.apply(v).sum())(x);
          const layerOps = [...ran];
          const native = { backend: tf.getBackend(), results: values(), grads: convGrads(), layerOps };
          await backend.use("cpu");
          console.log(JSON.stringify({ native, cpu: values(), cpuGrads: convGrads() }));
        })();`;
      const { native, cpu, cpuGrads } = runOnNativeCpu(script);
      expect(native.backend).toBe("tensorflow");
      // Relu6 forward; the sum, its gradient (Reshape, Mul), then the layer's: DivNoNan, Floor, Mul.
      expect(native.layerOps).toEqual(["Relu6", "Sum", "Reshape", "Mul", "DivNoNan", "Floor", "Mul"]);
      expect(native.results).toEqual(cpu);
      (cpuGrads as number[][]).forEach((reference, i) => {
        const largest = Math.max(...reference.map(Math.abs));
        const error = Math.max(...reference.map((v, j) => Math.abs(v - native.grads[i][j])));
        expect(error / largest).toBeLessThan(1e-5);
      });
    },
    180_000,
  );
});

/**
 * TensorFlow's fused convolution through tsfine's patched binding (tl/kernels/native-fused-conv.ts):
 * tf.fused.conv2d with a bias and each activation TensorFlow's CPU kernel fuses runs as one
 * `_FusedConv2D`, the cases it does not (sigmoid, a scalar bias, no bias) keep tfjs-node's
 * kernel, and all give the cpu backend's values; MobileNetV2's folded activation pass (BatchNorm
 * and ReLU6 in the convolution, as tl.fit runs it) gives the unfolded model's outputs on cpu.
 */
describe("TensorFlow's fused convolution on the native cpu backend", () => {
  testOnNativeCpu(
    "fused conv2d with each activation, and MobileNetV2's folded activation pass, give the cpu backend's values",
    () => {
      const script = `
        const tf = require("@tensorflow/tfjs");
        ${recordOpsFunction}
        const tl = require(${JSON.stringify(`${__dirname}/../dist/tl`)});
        const { foldedInference } = require(${JSON.stringify(`${__dirname}/../dist/tl/fit/folded-inference`)});
        (async () => {
          await tl.backend.init();
          const ran = [];
          recordOps("executeSingleOutput", ran);
          const x = tf.randomNormal([2, 11, 11, 5], 0, 2, "float32", 1), f = tf.randomNormal([3, 3, 5, 7], 0, 1, "float32", 2);
          const b = tf.randomNormal([7], 0, 1, "float32", 3);
          const cases = [
            ["linear", b, 1, "same", 1], ["relu", b, 2, "valid", 1], ["relu6", b, 1, "same", 2], ["elu", b, [2, 1], "same", 1],
            ["leakyrelu", b, 1, "valid", 1], ["sigmoid", b, 1, "same", 1], ["relu6", tf.scalar(0.5), 1, "same", 1], ["relu6", undefined, 1, "same", 1],
          ];
          const run = () => cases.map(([activation, bias, strides, pad, dilations]) => {
            ran.length = 0;
            const y = tf.fused.conv2d({ x, filter: f, bias, strides, pad, dilations, activation, leakyreluAlpha: 0.3 });
            return { values: Array.from(y.dataSync()), fused: ran.includes("_FusedConv2D") };
          });
          const model = await tl.backbone("mobilenet_v2", { inputShape: [64, 64, 3] });
          const images = tf.randomUniform([3, 64, 64, 3], 0, 1, "float32", 4);
          const folded = foldedInference(model, model.outputs);
          ran.length = 0;
          const nativeFolded = Array.from(folded.model.predict(images).dataSync());
          const fusedInFolded = ran.filter((name) => name === "_FusedConv2D").length;
          const nativeCases = run();
          await tl.backend.use("cpu");
          const cpu = { cases: run(), unfolded: Array.from(model.predict(images).dataSync()) };
          console.log(JSON.stringify({ nativeCases, nativeFolded, fusedInFolded, folds: folded.folded, cpu }));
        })();`;
      const { nativeCases, nativeFolded, fusedInFolded, folds, cpu } = runOnNativeCpu(script, 150_000);
      expect(nativeCases.map((c: { fused: boolean }) => c.fused)).toEqual([true, true, true, true, true, false, false, false]);
      nativeCases.forEach((c: { values: number[] }, i: number) => {
        expect(c.values).toHaveLength(cpu.cases[i].values.length);
        expect(relative(cpu.cases[i].values, c.values)).toBeLessThan(1e-5);
      });
      // MobileNetV2 has 35 convolutions (the rest of its 52 folds are depthwise).
      expect(folds).toBe(52);
      expect(fusedInFolded).toBe(35);
      expect(relative(cpu.unfolded, nativeFolded)).toBeLessThan(1e-4);
    },
    180_000,
  );
});

/**
 * tfjs-layers' BatchNormalization in training through TensorFlow's FusedBatchNormV3 and
 * FusedBatchNormGradV3 (tl/kernels/native-fused-batch-norm.ts): the layer's output, the
 * gradients for x, γ and β, and the moving mean and variance after the step (tfjs-layers'
 * momentum and biased variance) match the cpu backend's; inference and a 2-D input keep
 * tfjs-layers' own path.
 */
describe("BatchNormalization training through TensorFlow's fused batch norm on the native cpu backend", () => {
  testOnNativeCpu(
    "output, gradients for x, gamma and beta, and the moving averages match the cpu backend's",
    () => {
      const script = `
        const tf = require("@tensorflow/tfjs");
        ${recordOpsFunction}
        const tl = require(${JSON.stringify(`${__dirname}/../dist/tl`)});
        (async () => {
          await tl.backend.init();
          const ran = [];
          recordOps("executeMultipleOutputs", ran);
          // tfjs-node's own inference kernel is TensorFlow's FusedBatchNorm (V1); the training pair is V3.
          const isFusedTraining = (name) => name === "FusedBatchNormV3" || name === "FusedBatchNormGradV3";
          const step = (shape) => {
            const layer = tf.layers.batchNormalization({ momentum: 0.8, epsilon: 1e-3, gammaInitializer: "randomNormal", movingVarianceInitializer: "ones" });
            const x = tf.randomNormal(shape, 1.5, 2, "float32", 1);
            layer.build(x.shape);
            layer.setWeights(layer.getWeights().map((w, i) => tf.randomNormal(w.shape, i === 3 ? 2 : 0.5, 0.3, "float32", 10 + i)));
            const dy = tf.randomNormal(x.shape, 0, 1, "float32", 2);
            const trainable = layer.trainableWeights.map((w) => w.read());
            const f = (input, ...weights) => tf.sum(tf.mul(layer.apply(input, { training: true }), dy));
            ran.length = 0;
            const y = Array.from(layer.apply(x, { training: true }).dataSync());
            const grads = tf.grads(f)([x, ...trainable]).map((g) => Array.from(g.dataSync()));
            const fused = ran.filter(isFusedTraining);
            const moving = layer.getWeights().slice(-2).map((w) => Array.from(w.dataSync()));
            ran.length = 0;
            const inference = Array.from(layer.apply(x, { training: false }).dataSync());
            return { y, grads, moving, inference, fused, fusedInInference: ran.filter(isFusedTraining).length };
          };
          const nativeRuns = [step([4, 6, 6, 5]), step([12, 5])];
          await tl.backend.use("cpu");
          console.log(JSON.stringify({ nativeRuns, cpuRuns: [step([4, 6, 6, 5]), step([12, 5])] }));
        })();`;
      const { nativeRuns, cpuRuns } = runOnNativeCpu(script, 150_000);
      // Forward twice (the plain apply and the one under tf.grads), one gradient op.
      expect(nativeRuns[0].fused).toEqual(["FusedBatchNormV3", "FusedBatchNormV3", "FusedBatchNormGradV3"]);
      expect(nativeRuns[0].fusedInInference).toBe(0);
      // A 2-D input (after a Dense layer) keeps tfjs-layers' path: same values, no fused op.
      expect(nativeRuns[1].fused).toEqual([]);
      nativeRuns.forEach((run: { y: number[]; grads: number[][]; moving: number[][]; inference: number[] }, i: number) => {
        const cpu = cpuRuns[i];
        expect(run.y).toHaveLength(cpu.y.length);
        expect(relative(cpu.y, run.y)).toBeLessThan(1e-4);
        expect(run.grads).toHaveLength(cpu.grads.length);
        run.grads.forEach((g, j) => expect(relative(cpu.grads[j], g)).toBeLessThan(1e-4));
        // Two training applies moved the averages twice; the variance is the batch's biased one.
        run.moving.forEach((m, j) => expect(relative(cpu.moving[j], m)).toBeLessThan(1e-4));
        expect(relative(cpu.inference, run.inference)).toBeLessThan(1e-4);
      });
    },
    180_000,
  );
});

/**
 * tfjs's Adam through TensorFlow's ResourceApplyAdam (tl/kernels/native-adam.ts): the same
 * weights and moments as tfjs's own Adam on the cpu backend, step after step, with the rate
 * changed between steps and a weight changed from outside; one update op per variable; the
 * resources go with the optimizer; and a whole tl.fit ends with the cpu backend's weights.
 */
describe("Adam through TensorFlow's ResourceApplyAdam on the native cpu backend", () => {
  testOnNativeCpu(
    "tf.train.adam's weights and moments match the cpu backend's, and tl.fit with Adam ends with the cpu backend's weights",
    () => {
      const script = `
        const tf = require("@tensorflow/tfjs");
        ${recordOpsFunction}
        const tl = require(${JSON.stringify(`${__dirname}/../dist/tl`)});
        const { makeGenerator } = require(${JSON.stringify(`${__dirname}/../dist/tl/seed`)});
        // Every seventh value 0 (a gradient that is exactly zero somewhere), the rest in (-scale, scale).
        const random = (n, seed, scale = 1) => { const g = makeGenerator(seed); return Float32Array.from({ length: n }, (_, i) => (i % 7 ? (g() * 2 - 1) * scale : 0)); };
        const ran = [];
        const optimizerSteps = async () => {
          const before = tf.memory().numTensors;
          const shapes = [[3, 3, 4, 8], [8], [50, 10], [10]];
          const vars = shapes.map((shape, k) => tf.tidy(() => tf.variable(tf.tensor(random(shape.reduce((a, b) => a * b), k + 1), shape), true, "w" + k + tf.getBackend())));
          const adam = tf.train.adam(1e-2);
          const opsPerStep = [];
          for (let step = 0; step < 6; step++) {
            if (step === 3) adam.learningRate = 3e-3;
            if (step === 4) tf.tidy(() => vars[0].assign(tf.mul(vars[0], 0.5)));
            const grads = {};
            vars.forEach((v, k) => (grads[v.name] = tf.tensor(random(v.size, 100 * step + k, step % 2 ? 1e-3 : 1), v.shape)));
            ran.length = 0;
            adam.applyGradients(grads);
            opsPerStep.push(ran.filter((name) => name === "ResourceApplyAdam").length);
            tf.dispose(Object.values(grads));
          }
          const [iterations, ...state] = await adam.getWeights();
          const moments = state.map((w) => Array.from(w.tensor.dataSync()));
          iterations.tensor.dispose();
          const weights = vars.map((v) => Array.from(v.dataSync()));
          adam.dispose();
          const leftOver = tf.memory().numTensors - before - vars.length;
          tf.dispose(vars);
          return { weights, moments, opsPerStep, leftOver };
        };
        // Two classes told apart by the sign of the first feature's sum with the second.
        const fitWeights = async () => {
          const n = 96, xs = random(n * 12, 7), labels = Array.from({ length: n }, (_, i) => (xs[i * 12] + xs[i * 12 + 1] > 0 ? 1 : 0));
          const data = tl.data.fromTensors(tf.tensor2d(xs, [n, 12]), labels, { seed: 1 });
          tl.seed(1);
          const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [12], units: 16, activation: "relu" }), tf.layers.dense({ units: 2, activation: "softmax" })] });
          ran.length = 0;
          const history = await tl.fit(model, data, { epochs: 4, batchSize: 16, lr: 1e-2, seed: 1, verbose: false });
          const updates = ran.filter((name) => name === "ResourceApplyAdam").length;
          return { weights: model.getWeights().map((w) => Array.from(w.dataSync())), losses: history.epochs.map((e) => e.loss), updates };
        };
        (async () => {
          await tl.backend.init();
          recordOps("executeMultipleOutputs", ran);
          const native = { backend: tf.getBackend(), optimizer: await optimizerSteps(), fit: await fitWeights() };
          await tl.backend.use("cpu");
          ran.length = 0;
          const cpu = { optimizer: await optimizerSteps(), fit: await fitWeights() };
          console.log(JSON.stringify({ native, cpu, cpuRan: ran.length }));
        })();`;
      const { native, cpu, cpuRan } = runOnNativeCpu(script, 150_000);
      expect(native.backend).toBe("tensorflow");
      // One ResourceApplyAdam per variable and step on native; tfjs's own update on cpu.
      expect(native.optimizer.opsPerStep).toEqual([4, 4, 4, 4, 4, 4]);
      expect(cpuRan).toBe(0);
      expect(native.optimizer.leftOver).toBe(0);
      expect(cpu.optimizer.leftOver).toBe(0);
      native.optimizer.weights.forEach((w: number[], i: number) => expect(relative(cpu.optimizer.weights[i], w)).toBeLessThan(1e-6));
      // m, then v: TensorFlow's moments are tfjs's divided by float32(1 − β)'s rounding ratio
      // (1.3e-5 for β₂ = 0.999), which the rate and ε passed to it cancel in the weights above.
      native.optimizer.moments.forEach((m: number[], i: number) => expect(relative(cpu.optimizer.moments[i], m)).toBeLessThan(i < 4 ? 1e-6 : 3e-5));
      // tl.fit: 4 epochs of 5 batches (77 of the 96 examples train, a fifth is held out), 4
      // variables. Its weights differ from cpu's as much as tfjs's own Adam on native does
      // (rounding in the gradients: ~1e-5 of the output bias, which ends near zero).
      expect(native.fit.updates).toBe(4 * 5 * 4);
      native.fit.weights.forEach((w: number[], i: number) => expect(relative(cpu.fit.weights[i], w)).toBeLessThan(1e-4));
      expect(native.fit.losses[3]).toBeLessThan(native.fit.losses[0]);
    },
    180_000,
  );
});

/**
 * WebGPU through the webgpu package (Dawn) on Mesa's CPU Vulkan driver, lavapipe (Debian
 * bookworm-backports' mesa-vulkan-drivers 25; Debian 12's Mesa 22 is refused by Dawn). .ci/run
 * installs both; the webgpu package goes to a folder of its own (TSFINE_WEBGPU_NODE_PATH), never
 * into tsfine's dependencies. A CPU adapter is slower than wasm, so init() must pass it over;
 * asked for by name it trains, with tf's gradients matching the cpu backend's.
 */
describe("tl.backend with WebGPU on a CPU Vulkan driver (lavapipe)", () => {
  const modules = process.env.TSFINE_WEBGPU_NODE_PATH ?? "/tmp/tsfine-webgpu/node_modules";
  const fs = require("node:fs") as typeof import("node:fs");
  const present = fs.existsSync(`${modules}/webgpu/package.json`) && fs.existsSync("/usr/share/vulkan/icd.d/lvp_icd.json");
  testNeeding(present, `the webgpu package in ${modules} and Mesa's lavapipe`, "install mesa-vulkan-drivers from bookworm-backports and webgpu@0.6.2 there")(
    "init passes over the CPU adapter; use('webgpu') takes it: gradients match cpu, tl.fit trains, evaluate and showPredictions work",
    () => {
      const script = `
        const tf = require("@tensorflow/tfjs");
        const tl = require(${JSON.stringify(`${__dirname}/../dist/tl`)});
        const { makeGenerator } = require(${JSON.stringify(`${__dirname}/../dist/tl/seed`)});
        const random = (n, seed) => { const g = makeGenerator(seed); return Float32Array.from({ length: n }, () => g() * 2 - 1); };
        const xv = random(2 * 9 * 9 * 4, 1), fv = random(3 * 3 * 4 * 8, 2), dv = random(3 * 3 * 8, 3), wv = random(200 * 5, 4);
        const gradients = async () => {
          const x = tf.tensor4d(xv, [2, 9, 9, 4]), f = tf.tensor4d(fv, [3, 3, 4, 8]), d = tf.tensor4d(dv, [3, 3, 8, 1]), w = tf.tensor2d(wv, [200, 5]);
          // BatchNorm over batch statistics and ReLU6: tsfine's lean Mean, FusedBatchNorm and clip gradients run on WebGPU too.
          const loss = (a, b, c, e) => {
            const h = tf.depthwiseConv2d(tf.conv2d(a, b, 2, "same"), c, 1, "same");
            const { mean, variance } = tf.moments(h, [0, 1, 2]);
            return tf.matMul(tf.reshape(tf.clipByValue(tf.batchNorm(h, mean, variance, tf.zeros([8]), tf.ones([8]), 1e-3), 0, 6), [2, 200]), e).square().sum();
          };
          return Promise.all(tf.grads(loss)([x, f, d, w]).map(async (g) => Array.from(await g.data())));
        };
        (async () => {
          const picked = await tl.backend.init();
          const whyNotWebgpu = tl.backend.describe().reasons.find((r) => r.backend === "webgpu").why;
          await tl.backend.use("webgpu");
          const described = tl.backend.describe().toMimeBundle()["text/plain"];
          const onGpu = await gradients();
          await tl.backend.use("cpu");
          const onCpu = await gradients();
          const rel = onGpu.map((g, i) => g.reduce((m, v, j) => Math.max(m, Math.abs(v - onCpu[i][j])), 0) / onCpu[i].reduce((m, v) => Math.max(m, Math.abs(v)), 0));
          await tl.backend.use("webgpu");
          // two classes told apart by the mean of channel 0
          const n = 64, xs = random(n * 8 * 8 * 3, 5), labels = Array.from({ length: n }, (_, i) => i % 2);
          labels.forEach((label, i) => { for (let p = 0; p < 64; p++) xs[(i * 64 + p) * 3] += label ? 1.5 : -1.5; });
          const data = tl.data.fromTensors(tf.tensor4d(xs, [n, 8, 8, 3]), labels, { seed: 1 });
          tl.seed(1);
          const model = tf.sequential({ layers: [
            tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: "relu" }),
            tf.layers.flatten(), tf.layers.dense({ units: 2, activation: "softmax" }) ] });
          const history = await tl.fit(model, data, { epochs: 5, batchSize: 16, lr: 1e-2, seed: 1, verbose: false });
          const evaluation = await tl.evaluate(model, data, { show: false });
          const view = await tl.showPredictions(model, data, 4);
          console.log(JSON.stringify({ picked, whyNotWebgpu, described, rel, losses: history.epochs.map((e) => e.loss), accuracy: evaluation.accuracy, shown: view.rows.length, backend: tf.getBackend() }));
          process.exit(0);
        })().catch((error) => { console.log(JSON.stringify({ error: String(error && error.stack) })); process.exit(1); });`;
      const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
      const child = spawnSync(process.execPath, ["-e", script], {
        env: { ...process.env, NODE_PATH: `${modules}:${__dirname}/../node_modules` },
        encoding: "utf8",
        timeout: 240_000,
      });
      const result = JSON.parse(child.stdout.trim().split("\n").pop() || JSON.stringify({ error: child.stderr }));
      expect(result.error).toBeUndefined();
      expect(result.picked).toBe("wasm");
      expect(result.whyNotWebgpu).toMatch(
        /^the only WebGPU adapter is a CPU driver \(.*llvmpipe.*\), slower than wasm; ask for it with backend\.use\("webgpu"\)$/,
      );
      expect(result.described).toMatch(/^backend: webgpu\n[\s\S]*✓ webgpu: WebGPU on .*llvmpipe/);
      for (const rel of result.rel) expect(rel).toBeLessThanOrEqual(1e-4);
      expect(result.backend).toBe("webgpu");
      expect(result.losses).toHaveLength(5);
      expect(result.losses[4]).toBeLessThan(result.losses[0]);
      expect(result.accuracy).toBeGreaterThan(0.9);
      expect(result.shown).toBe(4);
    },
    300_000,
  );
});
