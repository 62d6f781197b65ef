import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { backend } from "../tl/backend";
import { backbone, backbones } from "../tl/backbones/registry";
import { cacheDirFor } from "../tl/backbones/url";
import { classifier } from "../tl/heads";
import { load, save } from "../tl/io";
import { summary } from "../tl/summary";
import { useTemporaryCacheHome } from "./helpers/temporary-cache-home";

const cacheHome = useTemporaryCacheHome();

beforeAll(async () => {
  await backend.init("wasm");
});

function tinyModel(): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 1] });
  const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: "relu", name: "conv" }).apply(input) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(conv) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, activation: "softmax", name: "out" }).apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const predictionsOf = (m: tf.LayersModel, x: tf.Tensor) => tf.tidy(() => Array.from((m.predict(x) as tf.Tensor).dataSync()));

describe("the registry", () => {
  test("lists every backbone with input size, parameters, source and licence", () => {
    const list = backbones();
    const names = list.map((b) => b.name);
    expect(names).toEqual(expect.arrayContaining(["fashion_cnn", "mobilenet_v2", "inception_v3", "mobilenet_v1", "teachable_mobilenet_v2"]));
    const mobilenet = list.find((b) => b.name === "mobilenet_v2")!;
    expect(mobilenet).toMatchObject({ input: "224×224×3", offline: true, licence: "MIT" });
    expect(mobilenet.description).toMatch(/fine-tuned from ImageNet for content moderation by the nsfwjs authors/);
    expect(String(list.toMimeBundle()["text/html"])).toContain("<table>");
  });

  test("an unknown name is one sentence with the nearest names", async () => {
    await expect(backbone("mobilenet_v3")).rejects.toThrow(/^Unknown backbone "mobilenet_v3" \(nearest: [^)]*mobilenet_v2[^)]*\); tl.backbones\(\) lists them/);
  });
});

describe("offline backbones from the nsfwjs package", () => {
  test("MobileNetV2 rebuilt at 96×96, cut below the classifier, with the packaged (quantised) weights", async () => {
    const base = await backbone("mobilenet_v2", { inputShape: [96, 96, 3] });
    expect(base.outputs[0].shape).toEqual([null, 3, 3, 1280]);
    expect(base.countParams()).toBe(2_257_984);
    expect(base.layers[base.layers.length - 1].name).toBe("out_relu");
    // Pretrained values sit on the uint8 quantisation grid; random initial ones do not.
    const kernel = base.getLayer("Conv1").getWeights()[0].dataSync();
    const scale = 0.006666756611244351;
    const min = -0.87334511607301;
    const offGrid = Array.from(kernel.slice(0, 50)).filter((v) => Math.abs((v - min) / scale - Math.round((v - min) / scale)) > 1e-2);
    expect(offGrid).toEqual([]);
    const x = tf.randomUniform([1, 96, 96, 3]);
    const features = base.predict(x) as tf.Tensor;
    expect(features.shape).toEqual([1, 3, 3, 1280]);
    tf.dispose([x, features]);
    base.dispose();
  }, 120_000);

  test("a size MobileNetV2 cannot take is refused in one sentence", async () => {
    await expect(backbone("mobilenet_v2", { inputShape: [100, 100, 3] })).rejects.toThrow(
      "mobilenet_v2 needs height and width that are multiples of 32 (e.g. 96, 128, 160, 224); got 100×100.",
    );
    await expect(backbone("mobilenet_v2", { inputShape: [96, 96, 1] })).rejects.toThrow(/colour images/);
  });

  test("InceptionV3 at 75×75 is cut at mixed10", async () => {
    const base = await backbone("inception_v3", { inputShape: [75, 75, 3] });
    expect(base.outputs[0].shape).toEqual([null, 1, 1, 2048]);
    expect(base.layers[base.layers.length - 1].name).toBe("mixed10");
    base.dispose();
  }, 300_000);
});

describe("tsfine's own Fashion-MNIST backbone", () => {
  test("loads its committed weights; weights: null gives the same network untrained", async () => {
    const pretrained = await backbone("fashion_cnn");
    const scratch = await backbone("fashion_cnn", { weights: null });
    expect(pretrained.outputs[0].shape).toEqual([null, 7, 7, 64]);
    expect(summary(pretrained).totalParams).toBe(summary(scratch).totalParams);
    const a = pretrained.getLayer("block1_conv").getWeights()[0].dataSync();
    const b = scratch.getLayer("block1_conv").getWeights()[0].dataSync();
    expect(Array.from(a)).not.toEqual(Array.from(b));
    pretrained.dispose();
    scratch.dispose();
  });
});

describe("files and URLs", () => {
  test("save and load round-trip gives identical predictions", async () => {
    const model = tinyModel();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-model-"));
    await save(model, dir);
    expect(fs.readdirSync(dir).sort()).toEqual(["model.json", "weights.bin"]);
    const again = await load(dir);
    const x = tf.randomUniform([2, 6, 6, 1]);
    expect(predictionsOf(again, x)).toEqual(predictionsOf(model, x));
    tf.dispose([x]);
    model.dispose();
    again.dispose();
  });

  test("a model URL downloads once into the cache and then loads with the server gone", async () => {
    const model = tinyModel();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-serve-"));
    await save(model, path.join(root, "tiny"));
    const server = http.createServer((req, res) => {
      if (req.url === "/moved/model.json") {
        res.writeHead(302, { location: "http://example.invalid/model.json" });
        res.end();
        return;
      }
      const file = path.join(root, decodeURIComponent(req.url ?? ""));
      if (!file.startsWith(root) || !fs.existsSync(file)) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.end(fs.readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const url = `http://127.0.0.1:${port}/tiny/model.json`;
    const x = tf.randomUniform([2, 6, 6, 1]);
    try {
      const first = await backbone(url);
      expect(predictionsOf(first, x)).toEqual(predictionsOf(model, x));
      const cached = path.join(cacheDirFor(url), "weights.bin");
      expect(cached.startsWith(cacheHome.path)).toBe(true);
      expect(fs.statSync(cached).mode & 0o777).toBe(0o600);
      expect(fs.readdirSync(cacheDirFor(url)).filter((f) => f.endsWith(".partial"))).toEqual([]);
      first.dispose();
      await expect(backbone(`http://127.0.0.1:${port}/moved/model.json`)).rejects.toThrow(/not https; refusing to follow/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const offline = await backbone(url);
    expect(predictionsOf(offline, x)).toEqual(predictionsOf(model, x));
    offline.dispose();
    const missing = `http://127.0.0.1:${port}/other/model.json`;
    const error = await backbone(missing).catch((e: Error) => e);
    expect((error as Error).message).toContain(`Could not download ${missing}`);
    expect((error as Error).message).toContain(`put model.json and its weight files in ${cacheDirFor(missing)} by hand`);
    tf.dispose([x]);
    model.dispose();
  });

  test("a hub backbone without internet says which URL and which cache folder", async () => {
    const error = (await backbone("mobilenet_v1", { alpha: 0.25 }).catch((e: Error) => e)) as Error;
    expect(error.message).toContain("https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.25_224/model.json");
    expect(error.message).toContain(cacheHome.path);
  });

  test("tl.classifier's default head follows the backbone: fashion_cnn flattens and normalises, others average; options given win", async () => {
    const headOf = (m: tf.LayersModel) => m.layers.filter((l) => l.name.startsWith("head_")).map((l) => l.name);
    const fashion = await backbone("fashion_cnn");
    expect(headOf(classifier(fashion, { classes: 10 }))).toEqual(["head_flatten", "head_norm", "head_output"]);
    expect(headOf(classifier(fashion, { classes: 10, pooling: "avg", normalize: false }))).toEqual(["head_pool", "head_output"]);
    const input = tf.input({ shape: [6, 6, 1] });
    const other = tf.model({ inputs: input, outputs: tf.layers.conv2d({ filters: 2, kernelSize: 3, name: "conv" }).apply(input) as tf.SymbolicTensor });
    expect(headOf(classifier(other, { classes: 3 }))).toEqual(["head_pool", "head_output"]);
    fashion.dispose();
    other.dispose();
  });

  test("a classifier on a backbone keeps the backbone's frozen layers frozen", async () => {
    const base = await backbone("fashion_cnn", { weights: null });
    base.getLayer("block1_conv").trainable = false;
    const model = classifier(base, { classes: 4, hidden: 8, dropout: 0.1 });
    expect(model.getLayer("block1_conv").trainable).toBe(false);
    const rows = summary(model).layers;
    expect(rows.find((r) => r.name === "block1_conv")!.state).toBe("frozen");
    expect(rows.find((r) => r.name === "head_output")!.state).toBe("trainable");
    expect(model.outputs[0].shape).toEqual([null, 4]);
    const normalised = classifier(base, { classes: 4, pooling: "flatten", normalize: true });
    expect(normalised.layers.map((l) => l.name)).toEqual(expect.arrayContaining(["head_flatten", "head_norm", "head_output"]));
    model.dispose();
  });
});
