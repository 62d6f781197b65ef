import type * as tf from "@tensorflow/tfjs";
import { escapeHtml } from "./show";

export interface LayerRow {
  name: string;
  type: string;
  outputShape: string;
  params: number;
  /** "trainable", "frozen", or "" for layers without weights. */
  state: "trainable" | "frozen" | "";
}

export interface ModelSummary {
  name: string;
  layers: LayerRow[];
  totalParams: number;
  trainableParams: number;
  frozenParams: number;
  toString(): string;
  toMimeBundle(): Record<string, unknown>;
}

function shapeText(layer: tf.layers.Layer): string {
  try {
    const shape = layer.outputShape;
    const one = (s: unknown) => `[${(s as Array<number | null>).map((d) => (d === null ? "?" : d)).join(", ")}]`;
    return Array.isArray(shape[0]) ? (shape as unknown[]).map(one).join(" ") : one(shape);
  } catch {
    return "";
  }
}

function count(weights: tf.LayerVariable[]): number {
  return weights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** A layer table with each layer marked trainable or frozen, and the parameter split. */
export function summary(model: tf.LayersModel): ModelSummary {
  const layers: LayerRow[] = model.layers.map((layer) => {
    const params = layer.countParams();
    const trainableCount = count(layer.trainableWeights);
    return {
      name: layer.name,
      type: layer.getClassName(),
      outputShape: shapeText(layer),
      params,
      state: params === 0 ? "" : trainableCount > 0 ? "trainable" : "frozen",
    };
  });
  const trainableParams = count(model.trainableWeights);
  const totalParams = model.countParams();
  const frozenParams = totalParams - trainableParams;
  const text = () => {
    const header = `${"layer".padEnd(28)} ${"type".padEnd(22)} ${"output".padEnd(20)} ${"params".padStart(10)}  state`;
    const lines = layers.map((r) => `${r.name.padEnd(28)} ${r.type.padEnd(22)} ${r.outputShape.padEnd(20)} ${String(r.params).padStart(10)}  ${r.state}`);
    return [
      `${model.name}`,
      header,
      ...lines,
      `total ${totalParams.toLocaleString("en")} params: ${trainableParams.toLocaleString("en")} trainable, ${frozenParams.toLocaleString("en")} frozen`,
    ].join("\n");
  };
  return {
    name: model.name,
    layers,
    totalParams,
    trainableParams,
    frozenParams,
    toString: text,
    toMimeBundle() {
      const rows = layers
        .map((r) => {
          const colour = r.state === "frozen" ? "color:#888;background:#f0f0f0" : r.state === "trainable" ? "color:#1a7f37" : "";
          const mark = r.state === "frozen" ? "❄ frozen" : r.state === "trainable" ? "✓ trainable" : "";
          return `<tr style="${colour}"><td><code>${escapeHtml(r.name)}</code></td><td>${r.type}</td><td>${r.outputShape}</td><td style="text-align:right">${r.params.toLocaleString("en")}</td><td>${mark}</td></tr>`;
        })
        .join("");
      const html =
        `<div><b>${escapeHtml(model.name)}</b>: ${totalParams.toLocaleString("en")} params — ` +
        `<span style="color:#1a7f37">${trainableParams.toLocaleString("en")} trainable</span>, ` +
        `<span style="color:#888">${frozenParams.toLocaleString("en")} frozen</span></div>` +
        `<details${layers.length <= 40 ? " open" : ""}><summary>${layers.length} layers</summary><table><tr><th>layer</th><th>type</th><th>output</th><th>params</th><th>state</th></tr>${rows}</table></details>`;
      return { "text/plain": text(), "text/html": html };
    },
  };
}
