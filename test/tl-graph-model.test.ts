import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { useTemporaryCacheHome } from "./helpers/temporary-cache-home";
import { backend } from "../tl/backend";
import { backbone } from "../tl/backbones/registry";
import { fromTensors } from "../tl/data";
import { fit } from "../tl/fit/fit";
import { freeze, unfreeze } from "../tl/freeze";
import { classifier } from "../tl/heads";

// A GraphModel (tfjs-converter's "graph-model" format: a TensorFlow GraphDef as JSON plus weight
// files), written by hand: relu(x · W) for x of 4 features, 8 out. W is a Const node whose values
// come from the weights manifest, as the converter emits them.
const W = Array.from({ length: 32 }, (_, i) => Math.sin(i + 1));

function writeGraphModel(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const float = { type: "DT_FLOAT" };
  const modelJson = {
    format: "graph-model",
    generatedBy: "tsfine test",
    convertedBy: "by hand",
    modelTopology: {
      node: [
        { name: "x", op: "Placeholder", attr: { dtype: float, shape: { shape: { dim: [{ size: "-1" }, { size: "4" }] } } } },
        { name: "w", op: "Const", attr: { dtype: float, value: { tensor: { dtype: "DT_FLOAT", tensorShape: { dim: [{ size: "4" }, { size: "8" }] } } } } },
        { name: "MatMul", op: "MatMul", input: ["x", "w"], attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: "features", op: "Relu", input: ["MatMul"], attr: { T: float } },
      ],
      library: {},
      versions: { producer: 1 },
    },
    weightsManifest: [{ paths: ["group1-shard1of1.bin"], weights: [{ name: "w", shape: [4, 8], dtype: "float32" }] }],
  };
  fs.writeFileSync(path.join(dir, "model.json"), JSON.stringify(modelJson));
  fs.writeFileSync(path.join(dir, "group1-shard1of1.bin"), Buffer.from(new Float32Array(W).buffer));
}

let server: http.Server;
let url: string;
useTemporaryCacheHome();

beforeAll(async () => {
  await backend.init("wasm");
  const served = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-graph-"));
  writeGraphModel(path.join(served, "tiny_graph"));
  server = http.createServer((req, res) => {
    const file = path.join(served, decodeURIComponent(new URL(req.url!, "http://x").pathname));
    if (!file.startsWith(served) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tiny_graph/model.json`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("a GraphModel by URL", () => {
  test("loads as a frozen feature extractor, says so, and computes the graph", async () => {
    const warnings: string[] = [];
    const warn = jest.spyOn(console, "warn").mockImplementation((message: string) => void warnings.push(message));
    let base: tf.LayersModel;
    try {
      base = await backbone(url);
    } finally {
      warn.mockRestore();
    }
    expect(warnings.join("\n")).toMatch(/is a GraphModel .* cannot be fine-tuned layer by layer; only the head trains\./);
    expect(base.outputs[0].shape).toEqual([null, 8]);
    expect(base.trainableWeights).toHaveLength(0);
    const x = tf.tensor2d([[1, -2, 0.5, 3]]);
    const expected = tf.tidy(() => tf.relu(tf.matMul(x, tf.tensor2d(W, [4, 8]))).dataSync());
    const got = tf.tidy(() => (base.predict(x) as tf.Tensor).dataSync());
    Array.from(got).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
    x.dispose();
  });

  test("a classifier head on its features trains, and the graph stays as it was", async () => {
    const base = await backbone(url);
    const model = classifier(base, { classes: 2 });
    // Labels a linear head on relu(x · W) can learn: which of two feature sums is larger.
    const xs = tf.randomNormal([200, 4], 0, 1, "float32", 7);
    const labels = tf.tidy(() => {
      const f = tf.relu(tf.matMul(xs, tf.tensor2d(W, [4, 8])));
      return tf.greater(f.slice([0, 0], [-1, 4]).sum(1), f.slice([0, 4], [-1, 4]).sum(1)).cast("int32");
    });
    const data = fromTensors(xs, Array.from(labels.dataSync()), { seed: 1, validation: 0 });
    tf.dispose([xs, labels]);
    const x = tf.tensor2d([[1, -2, 0.5, 3]]);
    const featuresBefore = tf.tidy(() => Array.from((base.predict(x) as tf.Tensor).dataSync()));
    const history = await fit(model, data, { epochs: 15, batchSize: 16, lr: 1e-2, seed: 1, verbose: false });
    const losses = history.epochs.map((e) => e.loss);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.7);
    expect(history.epochs[history.epochs.length - 1].acc).toBeGreaterThan(0.8);
    expect(tf.tidy(() => Array.from((base.predict(x) as tf.Tensor).dataSync()))).toEqual(featuresBefore);
    x.dispose();
  }, 120_000);

  test("tl.unfreeze on it is one sentence, and the head keeps training", async () => {
    const base = await backbone(url);
    const model = classifier(base, { classes: 2 });
    freeze(model);
    let error: Error | undefined;
    try {
      unfreeze(model);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toBe(
      `${url} is a GraphModel (a frozen TensorFlow graph) and cannot be fine-tuned layer by layer; unfreeze only the layers above it, e.g. tl.unfreeze(model, { last: 1 }).`,
    );
    expect(model.trainableWeights).toHaveLength(0); // nothing half-unfrozen
    unfreeze(model, { last: 1 });
    expect(model.trainableWeights.length).toBe(2);
  });
});
