import { escapeHtml } from "../../display/html";
import type { Augmentation } from "./augment";
import { Examples, type ExampleSource } from "./examples";
import { randomStream } from "./random-stream";

/** Options every loader understands. */
export interface DataOptions {
  /** Keep only these classes (names or indices), relabelled 0..k-1 in the given order. */
  classes?: Array<string | number>;
  /** Training examples per class (few-shot subsets). */
  perClass?: number;
  /** Test examples per class. */
  testPerClass?: number;
  /** Part of the training examples held out for validation: a fraction (< 1) or a count per class. */
  validation?: number;
  /** For sources without their own test split: the fraction held out for testing (default 0.2). */
  test?: number;
  /** Seed of the subset, split and batch-order draws (default 0). */
  seed?: number;
  /** Seeded augmentation of training batches. */
  augment?: Augmentation;
  /** Resize images to this size (and repeat grey to `channels`) when batches are built. */
  size?: number | [number, number];
  channels?: number;
}

/** A data set split into train / validation / test, sharing class names. */
export class Dataset {
  constructor(
    readonly name: string,
    readonly train: Examples,
    readonly validation: Examples | undefined,
    readonly test: Examples | undefined,
  ) {}

  get classes(): string[] | null {
    return this.train.classes;
  }

  get inputShape(): number[] {
    return this.train.inputShape;
  }

  get kind() {
    return this.train.kind;
  }

  /** Training batches get seeded augmentation; validation and test stay untouched. */
  augment(augmentation: Augmentation): Dataset {
    return new Dataset(this.name, this.train.augment(augmentation), this.validation, this.test);
  }

  /** Every split's images resized (e.g. 28×28 grey → 96×96×3 for an ImageNet backbone). */
  resize(size: number | [number, number], channels?: number): Dataset {
    return new Dataset(this.name, this.train.resize(size, channels), this.validation?.resize(size, channels), this.test?.resize(size, channels));
  }

  describe(): string {
    const parts = [`train ${this.train.size}`];
    if (this.validation) parts.push(`validation ${this.validation.size}`);
    if (this.test) parts.push(`test ${this.test.size}`);
    const classes = this.classes ? `, ${this.classes.length} classes` : "";
    return `${this.name}: ${parts.join(", ")} examples of shape [${this.inputShape.join(", ")}]${classes}`;
  }

  toString(): string {
    return this.describe();
  }

  toMimeBundle(): Record<string, unknown> {
    const rows = [this.train, this.validation, this.test]
      .map((e, i) => (e ? `<tr><td>${["train", "validation", "test"][i]}</td><td>${e.size}</td></tr>` : ""))
      .join("");
    const classes = this.classes ? `<p>classes: ${this.classes.map(escapeHtml).join(", ")}</p>` : "";
    return {
      "text/plain": this.describe(),
      "text/html": `<p><b>${escapeHtml(this.name)}</b> · shape [${this.inputShape.join(", ")}]</p>${classes}<table><tr><th>split</th><th>examples</th></tr>${rows}</table>`,
    };
  }
}

/** Positions of `source` split into a training pool and (optionally) a fixed test pool. */
export interface Pools {
  train: number[];
  test?: number[];
}

/**
 * Applies the common options to a labelled source: class selection, per-class subsets,
 * validation and test splits, augmentation and resizing.
 */
export function makeDataset(name: string, source: ExampleSource, classNames: string[] | null, pools: Pools, options: DataOptions = {}): Dataset {
  const rng = randomStream(options.seed ?? 0);
  let classes = classNames;
  let src = source;
  let trainPool = pools.train;
  let testPool = pools.test;
  if (options.classes && classNames && source.labels) {
    const keep = options.classes.map((c) => classIndex(c, classNames));
    const remap = new Int32Array(classNames.length).fill(-1);
    keep.forEach((k, i) => (remap[k] = i));
    const labels = source.labels.map((l) => remap[l]);
    src = { ...source, labels };
    classes = keep.map((k) => classNames[k]);
    trainPool = trainPool.filter((p) => labels[p] >= 0);
    testPool = testPool?.filter((p) => labels[p] >= 0);
  }
  const labels = src.labels;
  if (!testPool) {
    const fraction = options.test ?? 0.2;
    const { picked, rest } =
      labels && classes
        ? splitPerClass(trainPool, labels, classes.length, (n) => Math.round(n * fraction), rng)
        : splitRandom(trainPool, Math.round(trainPool.length * fraction), rng);
    testPool = picked;
    trainPool = rest;
  }
  if (labels && classes && options.perClass !== undefined) {
    trainPool = takePerClass(trainPool, labels, classes.length, options.perClass, rng, "perClass", name);
  }
  if (labels && classes && options.testPerClass !== undefined) {
    testPool = takePerClass(testPool, labels, classes.length, options.testPerClass, rng, "testPerClass", name);
  }
  let validationPool: number[] | undefined;
  if (options.validation) {
    const v = options.validation;
    const count = (n: number) => (v < 1 ? Math.round(n * v) : Math.min(v, n - 1));
    const { picked, rest } =
      labels && classes ? splitPerClass(trainPool, labels, classes.length, count, rng) : splitRandom(trainPool, count(trainPool.length), rng);
    validationPool = picked;
    trainPool = rest;
  }
  const view = (positions: number[]) => new Examples(src, classes, Int32Array.from(positions));
  let dataset = new Dataset(name, view(trainPool), validationPool ? view(validationPool) : undefined, testPool.length ? view(testPool) : undefined);
  if (options.augment) dataset = dataset.augment(options.augment);
  if (options.size || options.channels) {
    const size = options.size ?? [dataset.inputShape[0], dataset.inputShape[1]];
    dataset = dataset.resize(size, options.channels);
  }
  return dataset;
}

function classIndex(c: string | number, names: string[]): number {
  if (typeof c === "number") {
    if (c < 0 || c >= names.length || !Number.isInteger(c)) {
      throw new Error(`Class index ${c} is out of range: there are ${names.length} classes (0..${names.length - 1}).`);
    }
    return c;
  }
  const i = names.indexOf(c);
  if (i < 0) throw new Error(`Unknown class "${c}"; the classes are: ${names.join(", ")}.`);
  return i;
}

function groupByLabel(pool: number[], labels: Int32Array, k: number): number[][] {
  const groups: number[][] = Array.from({ length: k }, () => []);
  for (const p of pool) groups[labels[p]].push(p);
  return groups;
}

function takePerClass(pool: number[], labels: Int32Array, k: number, n: number, rng: ReturnType<typeof randomStream>, option: string, name: string): number[] {
  const out: number[] = [];
  groupByLabel(pool, labels, k).forEach((group, c) => {
    if (group.length < n) {
      throw new Error(`${option}: ${n} was asked for but class ${c} of ${name} has only ${group.length} examples here.`);
    }
    const order = rng.permutation(group.length);
    for (let i = 0; i < n; i++) out.push(group[order[i]]);
  });
  return out;
}

function splitPerClass(
  pool: number[],
  labels: Int32Array,
  k: number,
  count: (n: number) => number,
  rng: ReturnType<typeof randomStream>,
): { picked: number[]; rest: number[] } {
  const picked: number[] = [];
  const rest: number[] = [];
  for (const group of groupByLabel(pool, labels, k)) {
    const order = rng.permutation(group.length);
    const m = count(group.length);
    order.forEach((o, i) => (i < m ? picked : rest).push(group[o]));
  }
  return { picked, rest };
}

function splitRandom(pool: number[], m: number, rng: ReturnType<typeof randomStream>) {
  const order = rng.permutation(pool.length);
  const picked: number[] = [];
  const rest: number[] = [];
  order.forEach((o, i) => (i < m ? picked : rest).push(pool[o]));
  return { picked, rest };
}
