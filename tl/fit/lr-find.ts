import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/dataset";
import { plot, type Figure } from "../show";
import { show } from "../show";
import type { Callback } from "./callback";
import { fit } from "./fit";

export interface LrFindOptions {
  start?: number;
  end?: number;
  /** Number of batches tried (default 100). */
  steps?: number;
  batchSize?: number;
  seed?: number;
  /** Plot the curve (default true). */
  show?: boolean;
  /** Which engine runs the trial steps (tl.fit's `engine`; default "tfjs"). */
  engine?: string;
}

export interface LrFindResult {
  lrs: number[];
  losses: number[];
  /** Where the smoothed loss falls fastest. */
  suggestion: number;
  figure(): Figure;
  toString(): string;
  toMimeBundle(): Record<string, unknown>;
}

/**
 * The learning-rate range test (Smith; fastai's lr_find): one batch per rate, rates rising
 * exponentially from `start` to `end`, stopping when the loss explodes. The model's weights
 * are restored afterwards.
 */
export async function lrFind(model: tf.LayersModel, data: Dataset, options: LrFindOptions = {}): Promise<LrFindResult> {
  const start = options.start ?? 1e-7;
  const end = options.end ?? 10;
  const batchSize = options.batchSize ?? 32;
  const batchesPerEpoch = Math.ceil(data.train.size / batchSize);
  const steps = options.steps ?? 100;
  const epochs = Math.ceil(steps / batchesPerEpoch);
  const lrs: number[] = [];
  const losses: number[] = [];
  let smoothed = 0;
  let best = Infinity;
  const recorder: Callback = {
    name: "lr-recorder",
    afterBatch(state) {
      const i = lrs.length;
      smoothed = 0.98 * smoothed + 0.02 * state.batchLoss;
      const debiased = smoothed / (1 - Math.pow(0.98, i + 1));
      lrs.push(state.lr);
      losses.push(debiased);
      best = Math.min(best, debiased);
      if (i + 1 >= steps || debiased > 4 * best || !Number.isFinite(debiased)) state.stop = true;
    },
  };
  const saved = model.weights.map((w) => tf.keep(w.read().clone()));
  try {
    await fit(model, data, {
      epochs,
      batchSize,
      lr: start,
      schedule: (t) => Math.pow(end / start, (t * epochs * batchesPerEpoch) / steps),
      seed: options.seed,
      verbose: false,
      callbacks: [recorder],
      engine: options.engine,
    });
  } catch (error) {
    // A NaN at a huge rate ends the test; anything else is a real problem.
    if (!/loss became/i.test((error as Error).message)) throw error;
  } finally {
    model.setWeights(saved);
    saved.forEach((t) => t.dispose());
  }
  const suggestion = suggest(lrs, losses);
  const result: LrFindResult = {
    lrs,
    losses,
    suggestion,
    figure: () =>
      plot.figure(
        [
          { type: "scatter", mode: "lines", name: "loss", x: lrs, y: losses },
          {
            type: "scatter",
            mode: "markers",
            name: `suggestion ${suggestion.toExponential(1)}`,
            x: [suggestion],
            y: [losses[lrs.indexOf(suggestion)]],
            marker: { size: 10, color: "#d62728" },
          },
        ] as never,
        {
          title: { text: `learning rate finder — suggestion ${suggestion.toExponential(1)}` },
          xaxis: { type: "log", title: { text: "learning rate" } },
          yaxis: { title: { text: "loss (smoothed)" } },
          height: 320,
        },
      ),
    toString: () => `lrFind: ${lrs.length} rates from ${start.toExponential(0)}; suggested learning rate ${suggestion.toExponential(1)}`,
    toMimeBundle() {
      return { "text/plain": this.toString(), "text/html": `<p>suggested learning rate <b>${suggestion.toExponential(1)}</b></p>` };
    },
  };
  if (options.show !== false) show(result.figure());
  return result;
}

/** The rate where the loss falls most steeply, ignoring the noisy ends. */
function suggest(lrs: number[], losses: number[]): number {
  if (lrs.length < 3) return lrs[0] ?? 1e-3;
  const lowest = losses.indexOf(Math.min(...losses));
  // Slopes over a window, not single steps: the first steps are noise even after smoothing,
  // and the steepest single step there is a meaningless tiny rate.
  const half = Math.max(1, Math.floor(lrs.length / 20));
  const first = Math.max(half, Math.floor(lrs.length / 10));
  let bestSlope = Infinity;
  let at = -1;
  for (let i = first; i <= lowest - half; i++) {
    const slope = (losses[i + half] - losses[i - half]) / (Math.log(lrs[i + half]) - Math.log(lrs[i - half]));
    if (slope < bestSlope) {
      bestSlope = slope;
      at = i;
    }
  }
  // No falling stretch to speak of: one tenth of the rate with the lowest loss, the usual rule.
  return at >= 0 && bestSlope < 0 ? lrs[at] : Math.max(lrs[0], lrs[lowest] / 10);
}
