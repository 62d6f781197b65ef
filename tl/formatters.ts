import * as tf from "@tensorflow/tfjs";
import { registerFormatter } from "./show";
import { readsSynchronously } from "./read-values";
import { summary } from "./summary";

const previewCount = 8;

function tensorText(t: tf.Tensor): string {
  if (t.isDisposed) return `Tensor (disposed) shape [${t.shape.join(", ")}] ${t.dtype}`;
  if (!readsSynchronously()) {
    return `Tensor shape [${t.shape.join(", ")}] ${t.dtype} on ${tf.getBackend()} (values: await t.data(); this backend cannot read them synchronously)`;
  }
  const values =
    t.size <= 4096 ? Array.from(t.dataSync() as ArrayLike<number>) : Array.from(t.dataSync() as ArrayLike<number> as Float32Array).slice(0, previewCount);
  const shown = values.slice(0, previewCount).map((v) => (Number.isInteger(v) ? String(v) : (v as number).toPrecision(4)));
  const more = t.size > previewCount ? `, … (${t.size} values)` : "";
  let stats = "";
  if (t.size > 1 && t.size <= 4096 && t.dtype !== "string" && t.dtype !== "bool") {
    const nums = values as number[];
    const min = Math.min(...nums);
    const max = Math.max(...nums);
    const mean = nums.reduce((a, b) => a + b, 0) / nums.length;
    stats = ` · min ${min.toPrecision(4)} max ${max.toPrecision(4)} mean ${mean.toPrecision(4)}`;
  }
  return `Tensor shape [${t.shape.join(", ")}] ${t.dtype}${stats}\n[${shown.join(", ")}${more}]`;
}

let registered = false;

/** Tensors show shape, dtype and a preview; LayersModels their summary table. Done once per process. */
export function registerTlFormatters(): void {
  if (registered) return;
  registered = true;
  registerFormatter(
    (v: unknown): v is tf.Tensor => v instanceof tf.Tensor,
    (t: tf.Tensor) => {
      const text = tensorText(t);
      const [head, body] = text.split("\n");
      return { "text/plain": text, "text/html": `<div><b>${head}</b><pre style="margin:2px 0">${body ?? ""}</pre></div>` };
    },
  );
  registerFormatter(
    (v: unknown): v is tf.LayersModel => v instanceof tf.LayersModel,
    (m: tf.LayersModel) => summary(m).toMimeBundle(),
  );
}
