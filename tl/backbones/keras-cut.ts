import * as tf from "@tensorflow/tfjs";

interface LayerConfig {
  name?: string;
  class_name: string;
  config: Record<string, unknown>;
}

interface ModelConfig {
  name?: string;
  layers: LayerConfig[];
  output_layers?: unknown[];
}

/** The Keras model config inside tfjs/Keras topology JSON (both nestings occur). */
function modelConfig(topology: Record<string, unknown>): { className: string; config: ModelConfig } {
  const outer = (topology.model_config ?? topology) as { class_name: string; config: ModelConfig | LayerConfig[] };
  if (Array.isArray(outer.config)) return { className: outer.class_name, config: { layers: outer.config } };
  return { className: outer.class_name, config: outer.config };
}

export function layerNames(topology: Record<string, unknown>): string[] {
  return modelConfig(topology).config.layers.map((l) => (l.name ?? l.config.name) as string);
}

/**
 * Rebuilds a Keras/tfjs LayersModel from its artifacts with a new input shape and, optionally,
 * cut at `outputLayer` (later layers dropped). Convolution weights do not depend on the input
 * size, so the pretrained weights load unchanged; weights of dropped layers are ignored.
 */
export async function rebuild(
  artifacts: tf.io.ModelArtifacts,
  options: { inputShape?: number[]; outputLayer?: string; name?: string },
): Promise<tf.LayersModel> {
  const topology = JSON.parse(JSON.stringify(artifacts.modelTopology)) as Record<string, unknown>;
  const { className, config } = modelConfig(topology);
  if (options.outputLayer) {
    const names = layerNames(topology);
    const cut = names.indexOf(options.outputLayer);
    if (cut < 0) throw new Error(`The model has no layer "${options.outputLayer}".`);
    config.layers.splice(cut + 1);
    if (className !== "Sequential") config.output_layers = [[options.outputLayer, 0, 0]];
  }
  if (options.name) config.name = options.name;
  if (options.inputShape) {
    const first = config.layers[0];
    if (first.class_name === "InputLayer") first.config.batch_input_shape = [null, ...options.inputShape];
    else first.config.batch_input_shape = [null, ...options.inputShape];
  }
  return tf.loadLayersModel(tf.io.fromMemory({ ...artifacts, modelTopology: topology as tf.io.ModelArtifacts["modelTopology"] }), {
    strict: false,
  });
}
