import * as fs from "fs";
import * as path from "path";
import type * as tf from "@tensorflow/tfjs";
import { load as loadLayersModel, modelJsonPath } from "../io";
import { attachMetadata, readMetadata, type ExportMetadata } from "./metadata";

/**
 * tl.load: the model from a tl.save or tl.export folder (or a model.json path); an exported
 * folder's metadata.json comes with it as `model.metadata`, which tl.predict uses.
 */
export async function load(location: string): Promise<tf.LayersModel & { metadata?: ExportMetadata }> {
  const model = await loadLayersModel(location);
  const jsonPath = modelJsonPath(location);
  const metadata = fs.existsSync(jsonPath) ? readMetadata(path.dirname(jsonPath)) : undefined;
  return metadata ? attachMetadata(model, metadata) : model;
}
