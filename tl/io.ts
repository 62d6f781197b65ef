import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { formatBytes } from "../display/bytes";
import { escapeHtml } from "../display/html";

/**
 * tfjs layers format on disk (model.json + weights.bin). tfjs without tfjs-node has no
 * file:// handler, so these are written here.
 */

/** Writes `bytes` to `file` through a temporary file and a rename, so readers never see half a file. */
export function writeAtomically(file: string, bytes: Uint8Array | string, mode = 0o644): void {
  const temporary = `${file}.${process.pid}.${Date.now()}.partial`;
  fs.writeFileSync(temporary, bytes, { mode });
  fs.renameSync(temporary, file);
}

function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/** A save handler writing `dir/model.json` and `dir/weights.bin`. */
export function fileSaveHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      fs.mkdirSync(dir, { recursive: true });
      const weights = weightBytes(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON["modelTopology"],
        format: artifacts.format ?? "layers-model",
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      writeAtomically(path.join(dir, "weights.bin"), weights);
      writeAtomically(path.join(dir, "model.json"), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** The path of model.json for a directory or a model.json path. */
export function modelJsonPath(location: string): string {
  const p = location.replace(/^file:\/\//, "");
  return fs.existsSync(p) && fs.statSync(p).isDirectory() ? path.join(p, "model.json") : p;
}

/** A load handler for model.json on disk; weight files are read relative to it. */
export function fileLoadHandler(location: string): tf.io.IOHandler {
  const jsonPath = modelJsonPath(location);
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      if (!fs.existsSync(jsonPath)) throw new Error(`No model at ${jsonPath} (expected a model.json written by tl.save or the tfjs converter).`);
      const modelJson = JSON.parse(fs.readFileSync(jsonPath, "utf8")) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const bytes = fs.readFileSync(path.join(path.dirname(jsonPath), p));
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

/**
 * What tl.save returns: tfjs's SaveResult (modelArtifactsInfo and all) plus where the files went
 * and their sizes, shown as one line instead of the raw artifacts object.
 */
export interface SavedModel extends tf.io.SaveResult {
  /** Absolute path of the folder holding model.json and weights.bin. */
  folder: string;
  files: Array<{ name: string; bytes: number }>;
  toMimeBundle(): Record<string, string>;
}

/** Saves a LayersModel in tfjs layers format under `dir` (model.json + weights.bin). */
export async function save(model: tf.LayersModel, dir: string): Promise<SavedModel> {
  const result = await model.save(fileSaveHandler(dir));
  const folder = path.resolve(dir);
  const files = ["model.json", "weights.bin"].map((name) => ({ name, bytes: fs.statSync(path.join(folder, name)).size }));
  const sizes = files.map((f) => `${f.name} ${formatBytes(f.bytes)}`).join(", ");
  const total = formatBytes(files.reduce((sum, f) => sum + f.bytes, 0));
  return {
    ...result,
    folder,
    files,
    toMimeBundle: () => ({
      "text/plain": `Saved model "${model.name}" to ${folder} (${sizes}; ${total} in all)`,
      "text/html": `Saved model <b>${escapeHtml(model.name)}</b> to <code>${escapeHtml(folder)}</code> (${escapeHtml(sizes)}; ${total} in all)`,
    }),
  };
}

/** Loads a LayersModel saved by `save` (or converted by tfjs-converter) from a folder or model.json path. */
export async function load(location: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileLoadHandler(location));
}
