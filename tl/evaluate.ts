import type * as tf from "@tensorflow/tfjs";
import type { Dataset } from "./data/dataset";
import type { Examples } from "./data/examples";
import { argMax, predictAll } from "./predict-all";
import { escapeHtml, plot, show, type Figure } from "./show";

export interface ClassMetrics {
  name: string;
  precision: number;
  recall: number;
  support: number;
}

export interface Evaluation {
  examples: number;
  loss: number;
  accuracy?: number;
  perClass?: ClassMetrics[];
  /** confusion[truth][prediction] counts. */
  confusion?: number[][];
  classes?: string[];
  /** The confusion matrix as a plotly heatmap (truth down, prediction across). */
  confusionFigure(): Figure | undefined;
  toString(): string;
  toMimeBundle(): Record<string, unknown>;
}

/** The split to evaluate on when given a whole data set: test, else validation. */
export function evaluationSplit(data: Dataset | Examples): Examples {
  if ("train" in data) {
    const split = data.test ?? data.validation;
    if (!split) throw new Error(`${data.name} has no test or validation split to evaluate on; pass data.train explicitly if you mean it.`);
    return split;
  }
  return data;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * Loss, accuracy, per-class precision and recall, and the confusion matrix (shown as a plotly
 * heatmap unless `show: false`).
 */
export async function evaluate(
  model: tf.LayersModel,
  data: Dataset | Examples,
  options: { batchSize?: number; show?: boolean; engine?: "tfjs" | "keras" } = {},
): Promise<Evaluation> {
  const examples = evaluationSplit(data);
  const { outputs, width, losses } = await predictAll(model, examples, options.batchSize, options.engine);
  const n = examples.size;
  const loss = losses.reduce((a, b) => a + b, 0) / Math.max(1, n);
  let result: Evaluation;
  if (!examples.isClassification) {
    result = {
      examples: n,
      loss,
      confusionFigure: () => undefined,
      toString: () => `${n} examples · mean squared error ${loss.toFixed(4)}`,
      toMimeBundle() {
        return { "text/plain": this.toString(), "text/html": `<p>${n} examples · mean squared error <b>${loss.toFixed(4)}</b></p>` };
      },
    };
    return result;
  }
  const classes = examples.classes!;
  const k = classes.length;
  const confusion = classes.map(() => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const truth = examples.label(i);
    const predicted = argMax(outputs, i * width, width);
    confusion[truth][predicted]++;
    if (truth === predicted) correct++;
  }
  const perClass = classes.map((name, c) => {
    const support = confusion[c].reduce((a, b) => a + b, 0);
    const predictedAs = confusion.reduce((a, row) => a + row[c], 0);
    return { name, support, recall: support ? confusion[c][c] / support : 0, precision: predictedAs ? confusion[c][c] / predictedAs : 0 };
  });
  const accuracy = correct / Math.max(1, n);
  result = {
    examples: n,
    loss,
    accuracy,
    perClass,
    confusion,
    classes,
    confusionFigure: () =>
      plot.heatmap(confusion, { x: classes, y: classes, title: "confusion matrix", xLabel: "predicted", yLabel: "truth", colorscale: "Blues" }),
    toString() {
      const lines = perClass.map(
        (m) => `  ${m.name.padEnd(14)} precision ${pct(m.precision).padStart(6)}  recall ${pct(m.recall).padStart(6)}  (${m.support})`,
      );
      return [`${n} examples · loss ${loss.toFixed(4)} · accuracy ${pct(accuracy)}`, ...lines].join("\n");
    },
    toMimeBundle() {
      const rows = perClass
        .map((m) => `<tr><td>${escapeHtml(m.name)}</td><td>${pct(m.precision)}</td><td>${pct(m.recall)}</td><td>${m.support}</td></tr>`)
        .join("");
      const html =
        `<p>${n} examples · loss <b>${loss.toFixed(4)}</b> · accuracy <b>${pct(accuracy)}</b></p>` +
        `<table><tr><th>class</th><th>precision</th><th>recall</th><th>support</th></tr>${rows}</table>`;
      return { "text/plain": this.toString(), "text/html": html };
    },
  };
  if (options.show !== false) show(result.confusionFigure());
  return result;
}
