import * as tf from "@tensorflow/tfjs";
import { augmentImage, isAugmenting, type Augmentation } from "./augment";
import { randomStream } from "./random-stream";

export type DataKind = "image" | "text" | "table";

/**
 * Where the examples come from. `read` writes one example's features into `out` at `offset`,
 * so batches are assembled without holding the whole set as tensors.
 */
export interface ExampleSource {
  kind: DataKind;
  /** Shape of one example's features, e.g. [28, 28, 1]. */
  inputShape: number[];
  size: number;
  read(index: number, out: Float32Array, offset: number): void;
  /** Class index per example (classification). */
  labels?: Int32Array;
  /** Regression targets, `targetSize` per example. */
  targets?: Float32Array;
  targetSize?: number;
  /** The raw text of an example, for text data sets. */
  text?(index: number): string;
  /** The file an example was read from (tl.data.imageFolder). */
  file?(index: number): string;
}

/**
 * One example of a data set (`data.test.entry(3)`): its class, the file or text it came from,
 * and the tensor a batch would hold for it. tl.predict takes one.
 */
export class ExampleEntry {
  constructor(
    private readonly examples: Examples,
    /** Position within its Examples. */
    readonly position: number,
  ) {}

  /** The class name, or null for regression data. */
  get label(): string | null {
    if (!this.examples.isClassification) return null;
    const c = this.examples.label(this.position);
    return this.examples.classes?.[c] ?? String(c);
  }

  /** The image file it was read from (tl.data.imageFolder), else undefined. */
  get file(): string | undefined {
    return this.examples.file(this.position);
  }

  /** The raw text, for text data sets. */
  get text(): string | undefined {
    return this.examples.text(this.position);
  }

  /** The example as the model sees it in a batch, shape [1, ...inputShape]; the caller disposes it. */
  tensor(): tf.Tensor {
    const { xs, ys } = this.examples.batch([this.position]);
    ys.dispose();
    return xs;
  }

  toString(): string {
    const from = this.file ?? (this.text !== undefined ? `"${this.text.replace(/\s+/g, " ").slice(0, 40)}"` : `#${this.position}`);
    return `example ${this.position}: ${from}${this.label !== null ? ` (${this.label})` : ""}`;
  }
}

export interface Batch {
  xs: tf.Tensor;
  /** One-hot [b, classes] for classification, [b, targetSize] for regression. */
  ys: tf.Tensor;
  /** Positions of these examples within their Examples. */
  positions: Int32Array;
}

export interface BatchOptions {
  shuffle?: boolean;
  /** Seed of the batch order and augmentation draws. */
  seed?: number;
  /** Apply this set's augmentation (training); evaluation batches leave it off. */
  augment?: boolean;
}

/**
 * An ordered selection of examples from one source, with class names. Immutable: subset(),
 * augment() and resize() return new views over the same source.
 */
export class Examples {
  readonly size: number;

  constructor(
    readonly source: ExampleSource,
    readonly classes: string[] | null,
    readonly indices: Int32Array = Examples.all(source.size),
    readonly augmentation: Augmentation | undefined = undefined,
    /** Resize images to [h, w] and/or repeat a single channel to 3 when batches are built. */
    readonly reshape: { size?: [number, number]; channels?: number } = {},
  ) {
    this.size = indices.length;
  }

  private static all(n: number): Int32Array {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return order;
  }

  get kind(): DataKind {
    return this.source.kind;
  }

  /** Shape of one example as the model sees it (after resize). */
  get inputShape(): number[] {
    const s = this.source.inputShape;
    if (this.source.kind !== "image") return s.slice();
    const [h, w] = this.reshape.size ?? [s[0], s[1]];
    return [h, w, this.reshape.channels ?? s[2] ?? 1];
  }

  get isClassification(): boolean {
    return this.source.labels !== undefined;
  }

  get numClasses(): number {
    return this.classes ? this.classes.length : 0;
  }

  label(position: number): number {
    if (!this.source.labels) throw new Error("This data set has regression targets, not class labels.");
    return this.source.labels[this.indices[position]];
  }

  text(position: number): string | undefined {
    return this.source.text?.(this.indices[position]);
  }

  file(position: number): string | undefined {
    return this.source.file?.(this.indices[position]);
  }

  /** One example with its class and origin, for tl.predict or a look at it. */
  entry(position: number): ExampleEntry {
    if (!Number.isInteger(position) || position < 0 || position >= this.size) {
      throw new Error(`entry(${position}): there are ${this.size} examples here; give a position from 0 to ${this.size - 1}.`);
    }
    return new ExampleEntry(this, position);
  }

  /** The raw features of one example (before resize and augmentation). */
  features(position: number): Float32Array {
    const n = this.source.inputShape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n);
    this.source.read(this.indices[position], out, 0);
    return out;
  }

  subset(positions: ArrayLike<number>): Examples {
    const picked = new Int32Array(positions.length);
    for (let i = 0; i < positions.length; i++) picked[i] = this.indices[positions[i]];
    return new Examples(this.source, this.classes, picked, this.augmentation, this.reshape);
  }

  /**
   * These examples with some given another class (`relabel`: position → class index) and some left
   * out (`drop`: positions), as a person cleaning a data set decides; the source is not changed.
   */
  cleaned(changes: { relabel?: ReadonlyMap<number, number>; drop?: Iterable<number> }): Examples {
    const labels = this.source.labels;
    if (!labels || !this.classes) throw new Error("Only a classification data set's labels can be changed; this one has regression targets.");
    const dropped = new Set(changes.drop ?? []);
    let source = this.source;
    if (changes.relabel && changes.relabel.size > 0) {
      const relabelled = Int32Array.from(labels);
      for (const [position, label] of changes.relabel) {
        if (!(Number.isInteger(label) && label >= 0 && label < this.classes.length))
          throw new Error(`relabel: class ${label} is not one of the ${this.classes.length} classes (0 to ${this.classes.length - 1}).`);
        relabelled[this.indices[position]] = label;
      }
      // The source's other parts (pixels, files, texts) stay shared; only the labels differ.
      source = Object.create(this.source, { labels: { value: relabelled, enumerable: true } }) as ExampleSource;
    }
    const kept = Array.from({ length: this.size }, (_, position) => position).filter((position) => !dropped.has(position));
    const picked = Int32Array.from(kept, (position) => this.indices[position]);
    return new Examples(source, this.classes, picked, this.augmentation, this.reshape);
  }

  /** The same examples with seeded augmentation on training batches. */
  augment(augmentation: Augmentation): Examples {
    return new Examples(this.source, this.classes, this.indices, augmentation, this.reshape);
  }

  /** The same images, resized (bilinear) and/or with a grey channel repeated to `channels`. */
  resize(size: number | [number, number], channels?: number): Examples {
    const hw: [number, number] = typeof size === "number" ? [size, size] : size;
    return new Examples(this.source, this.classes, this.indices, this.augmentation, {
      size: hw,
      channels: channels ?? this.reshape.channels,
    });
  }

  get augments(): boolean {
    return isAugmenting(this.augmentation);
  }

  /** Positions grouped by class. */
  byClass(): number[][] {
    const groups: number[][] = this.classes ? this.classes.map(() => []) : [];
    for (let p = 0; p < this.size; p++) groups[this.label(p)].push(p);
    return groups;
  }

  /** Lazily assembled batches; the caller disposes each batch's tensors. */
  *batches(batchSize: number, options: BatchOptions = {}): Generator<Batch> {
    const rng = randomStream(options.seed ?? 0);
    const order = options.shuffle ? rng.permutation(this.size) : Examples.all(this.size);
    const augmenting = options.augment === true && this.augments && this.kind === "image";
    for (let start = 0; start < this.size; start += batchSize) {
      const positions = order.slice(start, Math.min(start + batchSize, this.size));
      yield this.assemble(positions, augmenting ? rng : undefined);
    }
  }

  /** All examples as one batch (small sets, or a chosen list of positions). */
  batch(positions?: ArrayLike<number>): Batch {
    const p = positions ? Int32Array.from(positions) : Examples.all(this.size);
    return this.assemble(p, undefined);
  }

  private assemble(positions: Int32Array, rng: ReturnType<typeof randomStream> | undefined): Batch {
    const shape = this.source.inputShape;
    const per = shape.reduce((a, b) => a * b, 1);
    const x = new Float32Array(per * positions.length);
    const scratch = rng ? new Float32Array(per) : undefined;
    positions.forEach((p, i) => {
      if (scratch && rng) {
        this.source.read(this.indices[p], scratch, 0);
        augmentImage(scratch, x.subarray(i * per, (i + 1) * per), shape, this.augmentation!, rng);
      } else {
        this.source.read(this.indices[p], x, i * per);
      }
    });
    const xs = tf.tidy(() => {
      let t: tf.Tensor = tf.tensor(x, [positions.length, ...shape]);
      if (this.kind === "image") t = this.reshapeImages(t as tf.Tensor4D);
      return t;
    });
    const ys = this.targetsFor(positions);
    return { xs, ys, positions };
  }

  private reshapeImages(t: tf.Tensor4D): tf.Tensor4D {
    const { size, channels } = this.reshape;
    if (size && (size[0] !== t.shape[1] || size[1] !== t.shape[2])) t = tf.image.resizeBilinear(t, size);
    if (channels && channels !== t.shape[3]) {
      if (t.shape[3] !== 1) throw new Error(`Cannot turn ${t.shape[3]}-channel images into ${channels} channels.`);
      t = tf.tile(t, [1, 1, 1, channels]);
    }
    return t;
  }

  private targetsFor(positions: Int32Array): tf.Tensor {
    const { labels, targets, targetSize } = this.source;
    if (labels) {
      const k = this.numClasses;
      const oneHot = new Float32Array(positions.length * k);
      positions.forEach((p, i) => (oneHot[i * k + labels[this.indices[p]]] = 1));
      return tf.tensor2d(oneHot, [positions.length, k]);
    }
    const d = targetSize ?? 1;
    const y = new Float32Array(positions.length * d);
    positions.forEach((p, i) => y.set(targets!.subarray(this.indices[p] * d, this.indices[p] * d + d), i * d));
    return tf.tensor2d(y, [positions.length, d]);
  }
}
