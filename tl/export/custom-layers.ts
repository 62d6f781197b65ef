/**
 * Layers tsfine registers itself are unknown to a plain @tensorflow/tfjs. For each one, a
 * loader written against plain tfjs only is shipped beside model.json; a custom layer without
 * such a loader stops the export with its name.
 */
import * as tf from "@tensorflow/tfjs";

export const LOADER_FILE = "tsfine-layers.js";

/**
 * The classes registered when this module loads are tfjs's own plus any tsfine registered
 * earlier; classes registered later (a notebook's own layers) are not in it.
 */
const registeredAtStart = new Set(Object.keys(tf.serialization.SerializationMap.getMap().classNameMap));

/** Plain-tfjs versions of tsfine's layers, keyed by the className model.json names. */
const loaderSources: Record<string, string> = {
  // Inference only: the mean of the non-padding (id > 0) tokens' rows of the table.
  TsfineEmbeddingBag: `
  class EmbeddingBag extends tf.layers.Layer {
    constructor(config) {
      super(config);
      this.inputDim = config.inputDim;
      this.outputDim = config.outputDim;
    }
    build() {
      this.embeddings = this.addWeight("embeddings", [this.inputDim, this.outputDim], "float32", tf.initializers.zeros());
      this.built = true;
    }
    computeOutputShape(inputShape) {
      const shape = Array.isArray(inputShape[0]) ? inputShape[0] : inputShape;
      return [shape[0], this.outputDim];
    }
    call(inputs) {
      return tf.tidy(() => {
        const ids = tf.cast(Array.isArray(inputs) ? inputs[0] : inputs, "int32");
        const rows = tf.gather(this.embeddings.read(), ids);
        const mask = tf.expandDims(tf.cast(tf.greater(ids, 0), "float32"), -1);
        return tf.div(tf.sum(tf.mul(rows, mask), 1), tf.maximum(tf.sum(mask, 1), 1));
      });
    }
    getConfig() {
      return Object.assign({}, super.getConfig(), { inputDim: this.inputDim, outputDim: this.outputDim });
    }
  }
  EmbeddingBag.className = "TsfineEmbeddingBag";
  tf.serialization.registerClass(EmbeddingBag);`,
};

/** The model's layer classes that plain tfjs does not know: tsfine's own and the notebook's. */
export function customLayerClasses(model: tf.LayersModel): string[] {
  const classes = new Set<string>();
  const visit = (layers: tf.layers.Layer[]) => {
    for (const layer of layers) {
      const className = layer.getClassName();
      if (className in loaderSources || !registeredAtStart.has(className)) classes.add(className);
      const inner = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
      if (Array.isArray(inner)) visit(inner);
    }
  };
  visit(model.layers);
  return [...classes].sort();
}

/** Throws one sentence naming the first custom layer tsfine has no plain-tfjs loader for. */
export function checkExportable(model: tf.LayersModel, classes: string[]): void {
  const missing = classes.filter((c) => !(c in loaderSources));
  if (missing.length) {
    const layer = model.layers.find((l) => l.getClassName() === missing[0]);
    throw new Error(
      `tl.export: layer "${layer?.name ?? missing[0]}" is a custom ${missing[0]} that plain TensorFlow.js cannot load and tsfine has no loader for; replace it with built-in layers, or use tl.save for a model only tsfine reloads.`,
    );
  }
}

/**
 * The loader script: in Node `require("./tsfine-layers.js")(require("@tensorflow/tfjs"))`;
 * in a page, a <script> after tf.min.js registers the layers with the global `tf`.
 */
export function loaderScript(classes: string[]): string {
  const bodies = classes.map((c) => loaderSources[c]).join("\n");
  return `// Registers tsfine's own layer classes (${classes.join(", ")}) with plain @tensorflow/tfjs, so model.json beside it loads without tsfine.
// Node: require("./${LOADER_FILE}")(require("@tensorflow/tfjs")) before tf.loadLayersModel. Browser: <script src="${LOADER_FILE}"> after tf.min.js.
(function (root, register) {
  if (typeof module === "object" && module.exports) module.exports = register;
  else if (root && root.tf) register(root.tf);
})(typeof self !== "undefined" ? self : this, function register(tf) {${bodies}
  return tf;
});
`;
}
