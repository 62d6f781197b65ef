import * as tf from "@tensorflow/tfjs";
import type { FitState } from "./callback";
import { meanLoss } from "./measure";

/** wasm memory is one 32-bit heap: it cannot grow past 4 GiB. */
const WASM_HEAP_BYTES = 4 * 1024 ** 3;
/** Kernels allocate scratch space tfjs does not count (im2col, XNNPACK packing), and the heap fragments. */
const SAFETY = 1.5;
const PROBE_EXAMPLES = 2;

const gigabytes = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;

/**
 * On wasm a batch that does not fit aborts the WebAssembly module: every tensor, the model's
 * weights included, is gone and tf stops working until the kernel restarts. So before training,
 * one forward and backward pass on a couple of examples measures the memory a training step
 * needs per example (nothing is applied to the weights), and a batch that would not fit is
 * refused with a size that does.
 */
export async function checkBatchFitsMemory(state: FitState, variables: tf.Variable[]): Promise<void> {
  if (tf.getBackend() !== "wasm") return;
  const probe = state.trainSet.batches(Math.min(PROBE_EXAMPLES, state.batchSize), { shuffle: false }).next();
  if (probe.done) return;
  const { xs, ys } = probe.value;
  const examples = xs.shape[0];
  const before = tf.memory().numBytes;
  let step = 0;
  try {
    const info = await tf.profile(() =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => meanLoss(ys, state.trainModel.apply(xs, { training: true }) as tf.Tensor, state.classification),
          variables,
        );
        tf.dispose([value, ...Object.values(grads)]);
      }),
    );
    step = info.peakBytes - before;
  } finally {
    tf.dispose([xs, ys]);
  }
  const perExample = Math.max(0, step) / examples;
  const needed = perExample * state.batchSize * SAFETY + before;
  if (needed <= WASM_HEAP_BYTES) return;
  const fits = (WASM_HEAP_BYTES - before) / SAFETY / Math.max(perExample, 1);
  let suggestion = 1;
  while (suggestion * 2 <= fits && suggestion * 2 < state.batchSize) suggestion *= 2;
  throw new Error(
    `A batch of ${state.batchSize} needs about ${gigabytes(needed)} on the wasm backend, whose memory ends at 4 GB ` +
      `(running out would lose every tensor in the kernel, the model's weights included); try batchSize: ${suggestion}.`,
  );
}
