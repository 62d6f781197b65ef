import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { cacheRoot } from "../cache-root";
import { fileLoadHandler, modelJsonPath, writeAtomically } from "../io";
import { progressLine } from "../show";
import { rebuild } from "./keras-cut";

export { cacheRoot };

/** The cache folder of one model URL: readable name plus a hash of the full URL. */
export function cacheDirFor(url: string): string {
  const hash = crypto.createHash("sha256").update(url).digest("hex").slice(0, 16);
  const parts = new URL(url).pathname.split("/").filter(Boolean);
  const name = (parts.length > 1 ? parts[parts.length - 2] : "model").replace(/[^A-Za-z0-9._-]/g, "_");
  return path.join(cacheRoot(), "models", `${name}-${hash}`);
}

export interface UrlLoadOptions {
  /** Known sha256 (hex) of files by name ("model.json", "group1-shard1of1.bin"); checked after download. */
  sha256?: Record<string, string>;
  /** Show a progress line (default true). */
  progress?: boolean;
}

const maxRedirects = 5;

/** GET with redirects followed by hand: a redirect may only lead to https. */
async function fetchBytes(url: string): Promise<Uint8Array> {
  let current = url;
  for (let hop = 0; hop <= maxRedirects; hop++) {
    let response: Response;
    try {
      response = await fetch(current, { redirect: "manual", signal: AbortSignal.timeout(60_000) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`${(error as Error).message}${cause ? `: ${cause.code ?? cause.message}` : ""}`, { cause: error });
    }
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get("location");
      if (!location) throw new Error(`${current} answered ${response.status} without a location`);
      const next = new URL(location, current);
      if (next.protocol !== "https:") throw new Error(`${current} redirects to ${next.href}, which is not https; refusing to follow`);
      current = next.href;
      continue;
    }
    if (!response.ok) throw new Error(`${current} answered ${response.status} ${response.statusText}`);
    return new Uint8Array(await response.arrayBuffer());
  }
  throw new Error(`${url} redirected more than ${maxRedirects} times`);
}

function checkSha(file: string, bytes: Uint8Array, expected: string | undefined): void {
  if (!expected) return;
  const actual = crypto.createHash("sha256").update(bytes).digest("hex");
  if (actual !== expected.toLowerCase()) {
    throw new Error(`${file} failed its checksum (sha256 ${actual}, expected ${expected}); the download was not kept.`);
  }
}

function weightFiles(modelJson: tf.io.ModelJSON): string[] {
  return (modelJson.weightsManifest ?? []).flatMap((g) => g.paths);
}

function isComplete(dir: string): boolean {
  const jsonPath = path.join(dir, "model.json");
  if (!fs.existsSync(jsonPath)) return false;
  try {
    const json = JSON.parse(fs.readFileSync(jsonPath, "utf8")) as tf.io.ModelJSON;
    return weightFiles(json).every((p) => fs.existsSync(path.join(dir, p)));
  } catch {
    return false;
  }
}

/**
 * Downloads model.json and its weight files into the cache (once), each written through a
 * temporary file and a rename, mode 0600. Returns the cache folder.
 */
export async function download(url: string, options: UrlLoadOptions = {}): Promise<string> {
  const dir = cacheDirFor(url);
  if (isComplete(dir)) return dir;
  try {
    const jsonBytes = await fetchBytes(url);
    checkSha("model.json", jsonBytes, options.sha256?.["model.json"]);
    const modelJson = JSON.parse(Buffer.from(jsonBytes).toString("utf8")) as tf.io.ModelJSON;
    const files = weightFiles(modelJson);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const bar = options.progress === false ? undefined : progressLine(files.length, `downloading ${url}`);
    for (const file of files) {
      const bytes = await fetchBytes(new URL(file, url).href);
      checkSha(file, bytes, options.sha256?.[file]);
      writeAtomically(path.join(dir, file), bytes, 0o600);
      bar?.tick(1);
    }
    // model.json last: its presence marks a complete download.
    writeAtomically(path.join(dir, "model.json"), jsonBytes, 0o600);
    bar?.done(`downloaded ${url} to ${dir}`);
    return dir;
  } catch (error) {
    const reason = (error as Error).message;
    throw new Error(`Could not download ${url} (${reason}). Without network access, put model.json and its weight files in ${dir} by hand and try again.`, {
      cause: error,
    });
  }
}

/** Runs a GraphModel as one weightless layer, so it can sit under a trainable head. */
class FrozenGraphModelLayer extends tf.layers.Layer {
  static className = "FrozenGraphModel";
  constructor(
    private readonly graph: tf.GraphModel,
    private readonly outShape: number[],
    private readonly where = "this backbone",
  ) {
    super({ name: "frozen_graph_model", trainable: false });
  }
  get trainable(): boolean {
    return false;
  }
  // tl.unfreeze sets this on every layer it selects.
  set trainable(value: boolean) {
    if (value) {
      throw new Error(
        `${this.where} is a GraphModel (a frozen TensorFlow graph) and cannot be fine-tuned layer by layer; unfreeze only the layers above it, e.g. tl.unfreeze(model, { last: 1 }).`,
      );
    }
  }
  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const batch = (inputShape as tf.Shape)[0] ?? null;
    return [batch, ...this.outShape];
  }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return this.graph.predict(x) as tf.Tensor;
  }
}

async function graphAsBackbone(handler: tf.io.IOHandler, inputShape: number[] | undefined, where: string): Promise<tf.LayersModel> {
  const graph = await tf.loadGraphModel(handler);
  const shape = inputShape ?? (graph.inputs[0].shape?.slice(1) as number[] | undefined);
  if (!shape || shape.some((d) => d === null || d < 0)) {
    throw new Error(`${where} is a GraphModel with an open input size; pass inputShape, e.g. { inputShape: [224, 224, 3] }.`);
  }
  const probe = tf.tidy(() => graph.predict(tf.zeros([1, ...shape])) as tf.Tensor);
  const outShape = probe.shape.slice(1);
  probe.dispose();
  const input = tf.input({ shape });
  const output = new FrozenGraphModelLayer(graph, outShape, where).apply(input) as tf.SymbolicTensor;
  console.warn(
    `${where} is a GraphModel (a frozen TensorFlow graph): it loads as a fixed feature extractor and cannot be fine-tuned layer by layer; only the head trains.`,
  );
  return tf.model({ inputs: input, outputs: output, name: "graph_backbone" });
}

export function isUrl(name: string): boolean {
  return /^https?:\/\//i.test(name);
}

export function isLocalModelPath(name: string): boolean {
  return name.startsWith("file://") || name.startsWith(".") || name.startsWith("/") || /model\.json$/i.test(name);
}

/**
 * Any tfjs model by URL (cached) or local path. LayersModels come back layer by layer (optionally
 * rebuilt at `inputShape` and cut at `outputLayer`); GraphModels as frozen feature extractors.
 */
export async function loadModelFrom(
  location: string,
  options: UrlLoadOptions & { inputShape?: number[]; outputLayer?: string; name?: string } = {},
): Promise<tf.LayersModel> {
  const dir = isUrl(location) ? await download(location, options) : modelJsonPath(location);
  const jsonPath = isUrl(location) ? path.join(dir, "model.json") : dir;
  if (!fs.existsSync(jsonPath)) throw new Error(`No model at ${jsonPath} (expected model.json and its weight files).`);
  const handler = fileLoadHandler(jsonPath);
  const format = (JSON.parse(fs.readFileSync(jsonPath, "utf8")) as tf.io.ModelJSON).format;
  if (format === "graph-model") return graphAsBackbone(handler, options.inputShape, location);
  const artifacts = await handler.load!();
  if (!options.inputShape && !options.outputLayer) return tf.loadLayersModel(tf.io.fromMemory(artifacts));
  return rebuild(artifacts, options);
}
