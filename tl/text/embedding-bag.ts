/**
 * EmbeddingBag: each token id looks up a row of a [vocabulary × dimensions] table and a text
 * becomes the mean of its tokens' rows. Id 0 is padding and takes no part in the mean, so a
 * short text padded to the sequence length gets the same vector as unpadded.
 */
import * as tf from "@tensorflow/tfjs";
import { registerSegmentSumKernel } from "./segment-sum-kernel";

export interface EmbeddingBagArgs {
  inputDim: number;
  outputDim: number;
  name?: string;
  trainable?: boolean;
  /** Initial table, inputDim × outputDim row-major (default: zeros; set weights later). */
  table?: Float32Array;
}

export class EmbeddingBag extends tf.layers.Layer {
  static className = "TsfineEmbeddingBag";
  readonly inputDim: number;
  readonly outputDim: number;
  private table?: Float32Array;
  private embeddings?: tf.LayerVariable;

  constructor(args: EmbeddingBagArgs) {
    super({ name: args.name, trainable: args.trainable });
    if (!(Number.isInteger(args.inputDim) && args.inputDim >= 2))
      throw new Error(`inputDim must be a whole number ≥ 2 (padding and one word), got ${args.inputDim}.`);
    if (!(Number.isInteger(args.outputDim) && args.outputDim >= 1)) throw new Error(`outputDim must be a whole number ≥ 1, got ${args.outputDim}.`);
    if (args.table && args.table.length !== args.inputDim * args.outputDim) {
      throw new Error(
        `The initial table has ${args.table.length} values; ${args.inputDim} × ${args.outputDim} = ${args.inputDim * args.outputDim} were expected.`,
      );
    }
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.table = args.table;
    registerSegmentSumKernel();
  }

  build(): void {
    this.embeddings = this.addWeight("embeddings", [this.inputDim, this.outputDim], "float32", tf.initializers.zeros());
    if (this.table) {
      const table = tf.tensor2d(this.table, [this.inputDim, this.outputDim]);
      this.embeddings.write(table);
      table.dispose();
      this.table = undefined; // the weights hold it now
    }
    this.built = true;
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], this.outputDim];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const ids = tf.cast(x, "int32");
      const rows = tf.gather(this.embeddings!.read(), ids); // [batch, length, dims]
      const mask = tf.expandDims(tf.cast(tf.greater(ids, 0), "float32"), -1);
      const total = tf.sum(tf.mul(rows, mask), 1);
      const count = tf.maximum(tf.sum(mask, 1), 1);
      return tf.div(total, count);
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim };
  }
}

tf.serialization.registerClass(EmbeddingBag);
