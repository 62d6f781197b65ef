import * as tf from "@tensorflow/tfjs";
import type { Examples } from "../data/examples";
import type { FitState } from "./callback";
import { meanLoss } from "./measure";
import { peakBytesOf } from "./tfjs-internals";

/** wasm memory is one 32-bit heap: it cannot grow past 4 GiB. */
const WASM_HEAP_BYTES = 4 * 1024 ** 3;
/** Kernels allocate scratch space tfjs does not count (im2col, XNNPACK packing), and the heap fragments. */
const SAFETY = 1.5;

const gigabytes = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;

/** Memory of the work on a batch of n: fixed + perExample · n (weight gradients do not grow with n). */
interface Cost {
  fixed: number;
  perExample: number;
}

const PROBE_SIZES = [2, 4];

/**
 * On wasm a batch that does not fit aborts the WebAssembly module: every tensor, the model's
 * weights included, is gone and tf stops working until the kernel restarts. So `probe` runs the
 * work on two small batches, the cost is extrapolated linearly, and a batch whose work would not
 * fit is refused with a size that does. `what` begins the sentence ("A batch of 64").
 */
function refuseBatchBeyondMemory(
  examples: Examples,
  batchSize: number,
  probe: (xs: tf.Tensor, ys: tf.Tensor) => void,
  what: string,
  option: string,
  known?: Cost,
): Cost | undefined {
  if (tf.getBackend() !== "wasm" || examples.size === 0) return undefined;
  batchSize = Math.min(batchSize, examples.size);
  const held = tf.memory().numBytes;
  let cost = known;
  if (!cost) {
    const points: { n: number; bytes: number }[] = [];
    for (const size of PROBE_SIZES) {
      if (size > examples.size && points.length > 0) break;
      const first = examples.batches(Math.min(size, examples.size), { shuffle: false }).next();
      if (first.done) break;
      const { xs, ys } = first.value;
      try {
        points.push({ n: xs.shape[0], bytes: peakBytesOf(() => probe(xs, ys)) });
      } finally {
        tf.dispose([xs, ys]);
      }
    }
    if (points.length === 0) return undefined;
    const [a, b] = points;
    if (b && b.n > a.n) {
      const perExample = Math.max(0, (b.bytes - a.bytes) / (b.n - a.n));
      cost = { perExample, fixed: Math.max(0, a.bytes - perExample * a.n) };
    } else {
      cost = { perExample: a.bytes / a.n, fixed: 0 };
    }
  }
  const needed = (cost.fixed + cost.perExample * batchSize) * SAFETY + held;
  if (needed <= WASM_HEAP_BYTES) return cost;
  const fits = ((WASM_HEAP_BYTES - held) / SAFETY - cost.fixed) / Math.max(cost.perExample, 1);
  if (fits < 1) {
    throw new Error(
      `${what} needs about ${gigabytes(needed)} on the wasm backend even for one example, and its memory ends at 4 GB ` +
        `(running out would lose every tensor in the kernel, the model's weights included); use a smaller model or input size.`,
    );
  }
  let suggestion = 1;
  while (suggestion * 2 <= fits && suggestion * 2 < batchSize) suggestion *= 2;
  throw new Error(
    `${what} needs about ${gigabytes(needed)} on the wasm backend, whose memory ends at 4 GB ` +
      `(running out would lose every tensor in the kernel, the model's weights included); try ${option}: ${suggestion}.`,
  );
}

/**
 * Before training: one forward and backward pass on a couple of examples measures what a
 * training step needs per example (nothing is applied to the weights).
 */
export function checkBatchFitsMemory(state: FitState, variables: tf.Variable[]): void {
  refuseBatchBeyondMemory(
    state.trainSet,
    state.batchSize,
    (xs, ys) => {
      const { value, grads } = tf.variableGrads(
        () => meanLoss(ys, state.trainModel.apply(xs, { training: true }) as tf.Tensor, state.classification),
        variables,
      );
      tf.dispose([value, ...Object.values(grads)]);
    },
    `A batch of ${state.batchSize}`,
    "batchSize",
  );
}

/** Inference cost by model and input shape: measured once. */
const inferenceCosts = new WeakMap<tf.LayersModel, Map<string, Cost>>();

/**
 * Before running `model` over `examples` in batches of `batchSize` (inference): refuses a batch
 * that would not fit wasm memory, naming one that does.
 */
export function checkInferenceFitsMemory(model: tf.LayersModel, examples: Examples, batchSize: number, option = "batchSize"): void {
  const key = examples.source.inputShape.join("x");
  const costs = inferenceCosts.get(model) ?? new Map<string, Cost>();
  const cost = refuseBatchBeyondMemory(
    examples,
    batchSize,
    (xs) => {
      model.predict(xs);
    },
    `Predicting in batches of ${batchSize}`,
    option,
    costs.get(key),
  );
  if (!cost) return;
  costs.set(key, cost);
  inferenceCosts.set(model, costs);
}
