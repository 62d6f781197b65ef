/**
 * fastai's data cleaner as a widget: the examples the model finds hardest (highest loss), each
 * with a dropdown to keep it, give it another class or drop it; `cleaned()` is the corrected set.
 * Built from display/'s widgets (Image or HTML, Dropdown, boxes) and tl's per-example losses.
 */
import type * as tf from "@tensorflow/tfjs";
import { widgets } from "../../display";
import { encodePng } from "../../display/png-encoder";
import { toRawImage } from "../../display/pixels";
import { escapeHtml } from "../../display/html";
import type { Dataset } from "../data/dataset";
import type { Examples } from "../data/examples";
import { argMax, predictAll } from "../predict-all";

export interface CleanerOptions {
  /** How many of the highest-loss examples to show (default 12). */
  top?: number;
  /** Examples run through the model at a time (default 64). */
  batchSize?: number;
}

/** What a dropdown says: keep the example as it is, give it class `n`, or drop it. */
type Verdict = "keep" | "drop" | number;

/** The grid of hard examples; `cleaned()` applies the dropdowns' choices. */
export interface CleanerApp extends widgets.VBox {
  /** The examples shown, by position in the examples cleaned, with the dropdown deciding each. */
  readonly rows: ReadonlyArray<{ position: number; truth: string; prediction: string; loss: number; choice: widgets.Dropdown<Verdict> }>;
  /** The examples with the relabelling and dropping chosen so far. */
  cleaned(): Examples;
}

/** tl.widgets.cleaner(model, data.train): a data set's split (or a Dataset: its training examples) to clean. */
export async function cleaner(model: tf.LayersModel, data: Dataset | Examples, options: CleanerOptions = {}): Promise<CleanerApp> {
  if (typeof model?.predict !== "function") throw new TypeError("tl.widgets.cleaner takes a tf LayersModel first, then the examples to clean (data.train).");
  const examples = "train" in data ? data.train : data;
  const classes = examples.classes;
  if (!examples.isClassification || !classes) throw new Error("tl.widgets.cleaner needs class labels to correct; this data set has regression targets.");
  const top = options.top ?? 12;
  if (!(Number.isInteger(top) && top >= 1)) throw new Error(`top must be a whole number ≥ 1; received ${top}.`);
  const { outputs, width, losses } = await predictAll(model, examples, options.batchSize);
  const order = Array.from({ length: examples.size }, (_, i) => i).sort((a, b) => losses[b] - losses[a]);
  const rows = order.slice(0, top).map((position) => {
    const truth = classes[examples.label(position)];
    const prediction = classes[argMax(outputs, position * width, width)];
    const choices: Array<[string, Verdict]> = [
      [`keep: ${truth}`, "keep"],
      ...classes.flatMap((name, c): Array<[string, Verdict]> => (name === truth ? [] : [[`→ ${name}`, c]])),
      ["drop", "drop"],
    ];
    const choice = new widgets.Dropdown<Verdict>({ options: choices, layout: { width: "150px" } });
    return { position, truth, prediction, loss: losses[position], choice };
  });
  const cards = rows.map((row) => {
    const caption = new widgets.HTML({
      value: `<small>${escapeHtml(row.truth)} · model: ${escapeHtml(row.prediction)} · loss ${row.loss.toFixed(2)}</small>`,
    });
    const picture =
      examples.kind === "image"
        ? new widgets.Image({
            value: encodePng(toRawImage({ shape: examples.source.inputShape, data: examples.features(row.position) })),
            format: "png",
            width: "96",
          })
        : new widgets.HTML({ value: `<div style="max-width:300px">${escapeHtml((examples.text(row.position) ?? "").slice(0, 200))}</div>` });
    return new widgets.VBox([picture, caption, row.choice]);
  });
  const app = new widgets.VBox([
    new widgets.HTML({
      value: `<b>${rows.length} hardest examples</b> of ${examples.size}: keep, relabel or drop each; <code>.cleaned()</code> is the result.`,
    }),
    new widgets.GridBox(cards, { layout: { grid_template_columns: "repeat(4, 170px)" } }),
  ]);
  const cleaned = () => {
    const relabel = new Map<number, number>();
    const drop: number[] = [];
    for (const row of rows) {
      const verdict = row.choice.value;
      if (verdict === "drop") drop.push(row.position);
      else if (typeof verdict === "number") relabel.set(row.position, verdict);
    }
    return examples.cleaned({ relabel, drop });
  };
  return Object.assign(app, { rows, cleaned }) as CleanerApp;
}
