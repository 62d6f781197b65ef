import type * as tf from "@tensorflow/tfjs";
import type { Dataset } from "./data/dataset";
import type { Examples } from "./data/examples";
import { evaluationSplit } from "./evaluate";
import { argMax, predictAll } from "./predict-all";
import { escapeHtml, imageGridBundle, type GridItem } from "./show";

export interface PredictionRow {
  position: number;
  truth: string;
  prediction: string;
  confidence: number;
  loss: number;
  correct: boolean;
}

export interface PredictionView {
  rows: PredictionRow[];
  toString(): string;
  toMimeBundle(): Record<string, unknown>;
}

export interface ShowPredictionsOptions {
  /** Put wrong predictions first (default true). */
  errorsFirst?: boolean;
  /** Order by loss, highest first (what topLosses does). */
  byLoss?: boolean;
  columns?: number;
  /** Examples run through the model at a time (default 64). */
  batchSize?: number;
}

async function rowsFor(model: tf.LayersModel, examples: Examples, n: number, options: ShowPredictionsOptions): Promise<PredictionRow[]> {
  if (!examples.isClassification) throw new Error("showPredictions and topLosses need class labels; this data set has regression targets.");
  const { outputs, width, losses } = await predictAll(model, examples, options.batchSize);
  const classes = examples.classes!;
  const rows: PredictionRow[] = [];
  for (let i = 0; i < examples.size; i++) {
    const predicted = argMax(outputs, i * width, width);
    const truth = examples.label(i);
    rows.push({
      position: i,
      truth: classes[truth],
      prediction: classes[predicted],
      confidence: outputs[i * width + predicted],
      loss: losses[i],
      correct: truth === predicted,
    });
  }
  if (options.byLoss) rows.sort((a, b) => b.loss - a.loss);
  else if (options.errorsFirst !== false) rows.sort((a, b) => Number(a.correct) - Number(b.correct) || b.loss - a.loss);
  return rows.slice(0, n);
}

function view(examples: Examples, rows: PredictionRow[], options: ShowPredictionsOptions, title: string): PredictionView {
  const wrong = rows.filter((r) => !r.correct).length;
  const text = () =>
    [`${title}: ${rows.length} shown, ${wrong} wrong`]
      .concat(
        rows.map((r) => {
          const snippet = examples.kind === "text" ? `  "${(examples.text(r.position) ?? "").replace(/\s+/g, " ").slice(0, 60)}"` : "";
          return `${r.correct ? " " : "✗"} truth ${r.truth} · predicted ${r.prediction} ${(r.confidence * 100).toFixed(0)}% · loss ${r.loss.toFixed(3)}${snippet}`;
        }),
      )
      .join("\n");
  return {
    rows,
    toString: text,
    toMimeBundle() {
      if (examples.kind === "image") {
        const items: GridItem[] = rows.map((r) => ({
          image: { shape: examples.source.inputShape, data: examples.features(r.position) },
          truth: r.truth,
          prediction: r.prediction,
          confidence: r.confidence,
          caption: `loss ${r.loss.toFixed(2)}`,
        }));
        return { ...imageGridBundle(items, { title, columns: options.columns }), "text/plain": text() };
      }
      const body = rows
        .map((r) => {
          const style = r.correct ? "" : ' style="color:#d62728"';
          const content = examples.kind === "text" ? escapeHtml((examples.text(r.position) ?? "").slice(0, 300)) : `#${r.position}`;
          return `<tr${style}><td>${escapeHtml(r.truth)}</td><td>${escapeHtml(r.prediction)}</td><td>${(r.confidence * 100).toFixed(0)}%</td><td>${r.loss.toFixed(3)}</td><td style="text-align:left">${content}</td></tr>`;
        })
        .join("");
      return {
        "text/plain": text(),
        "text/html": `<p><b>${escapeHtml(title)}</b>: ${wrong} of ${rows.length} wrong</p><table><tr><th>truth</th><th>prediction</th><th>confidence</th><th>loss</th><th>example</th></tr>${body}</table>`,
      };
    },
  };
}

/** n examples with truth, prediction and confidence (image grid, or text list), errors first. */
export async function showPredictions(model: tf.LayersModel, data: Dataset | Examples, n = 16, options: ShowPredictionsOptions = {}): Promise<PredictionView> {
  const examples = evaluationSplit(data);
  return view(examples, await rowsFor(model, examples, n, options), options, "predictions");
}

/** The n examples the model gets most wrong (highest loss). */
export async function topLosses(model: tf.LayersModel, data: Dataset | Examples, n = 9, options: ShowPredictionsOptions = {}): Promise<PredictionView> {
  const examples = evaluationSplit(data);
  return view(examples, await rowsFor(model, examples, n, { ...options, byLoss: true }), options, "top losses");
}
