/**
 * The demo page of an exported model, shared by `tsfine demo` (a static site) and tl.demo (one
 * self-contained page in a notebook's iframe): the model and its metadata as one script that sets
 * window.TSFINE_MODEL, and the page that loads it with plain tfjs, prepares a chosen image as
 * tl.data does and shows the top 3 with bars.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { escapeHtml } from "../../display/html";
import { packageFile } from "../data/package-files";
import { readMetadata, type ExportMetadata } from "./metadata";

/** What the page needs of a model: its topology, weights (base64) and metadata. */
export interface ModelBundle {
  modelTopology: unknown;
  weightSpecs: unknown[];
  weights: string;
  metadata: ExportMetadata;
}

/** The bundle of a tl.export folder: model.json with its weight files inlined, and metadata.json. */
export function bundleFromFolder(dir: string): ModelBundle {
  if (!fs.existsSync(path.join(dir, "model.json"))) {
    throw new Error(`${dir} has no model.json; give a folder written by tl.export (or %export).`);
  }
  const metadata = readMetadata(dir);
  if (!metadata) throw new Error(`${dir} has no metadata.json (tl.save writes none); export the model with tl.export to get its labels and preprocessing.`);
  const modelJson = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8")) as {
    modelTopology: unknown;
    weightsManifest: Array<{ paths: string[]; weights: unknown[] }>;
  };
  const weights = Buffer.concat(modelJson.weightsManifest.flatMap((group) => group.paths.map((p) => fs.readFileSync(path.join(dir, p)))));
  return {
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
    weights: weights.toString("base64"),
    metadata,
  };
}

/** The bundle of a model in memory, with the metadata tl.export or tl.load gave it. */
export async function bundleFromModel(model: tf.LayersModel, metadata: ExportMetadata): Promise<ModelBundle> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  const data = artifacts?.weightData;
  const weights = data === undefined ? new ArrayBuffer(0) : Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data;
  return { modelTopology: artifacts?.modelTopology, weightSpecs: artifacts?.weightSpecs ?? [], weights: Buffer.from(weights).toString("base64"), metadata };
}

/** The script that hands the bundle to the page. */
export function modelScript(bundle: ModelBundle): string {
  return `window.TSFINE_MODEL = ${JSON.stringify(bundle)};\n`;
}

/** The page's heading: the model's name and the backbone it came from. */
export function pageTitle(metadata: ExportMetadata): string {
  return `${metadata.model.name}${metadata.backbone ? ` (${metadata.backbone})` : ""}`;
}

/** The local tfjs build the page runs (the same tfjs tsfine uses). */
export function tfjsScriptFile(): string {
  const tfjs = packageFile("@tensorflow/tfjs", "dist/tf.min.js");
  if (!tfjs || !fs.existsSync(tfjs))
    throw new Error("The demo needs @tensorflow/tfjs's dist/tf.min.js, which is not installed here; run npm install @tensorflow/tfjs.");
  return tfjs;
}

/** The page's own script: load the model, prepare a chosen image as tl.data does, show the top 3. */
const pageScript = String.raw`
(function () {
  const bundle = window.TSFINE_MODEL;
  const meta = bundle.metadata || {};
  const status = document.getElementById("status");
  const list = document.getElementById("predictions");
  const preview = document.getElementById("preview");
  const [h, w, channels] = meta.inputShape || [];
  let model;

  // The same bilinear resample and channel rule as tl/data/image-pixels.ts, on RGBA canvas pixels.
  function toFloats(rgba, width, height) {
    const out = new Float32Array(h * w * channels);
    const sy = height / h, sx = width / w;
    const sample = (yy, xx, k) => {
      const base = (yy * width + xx) * 4;
      return channels === 1 ? (rgba[base] + rgba[base + 1] + rgba[base + 2]) / 3 : rgba[base + k];
    };
    for (let y = 0; y < h; y++) {
      const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), height - 1);
      const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, height - 1), ty = fy - y0;
      for (let x = 0; x < w; x++) {
        const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), width - 1);
        const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, width - 1), tx = fx - x0;
        for (let k = 0; k < channels; k++) {
          const v = (1 - ty) * ((1 - tx) * sample(y0, x0, k) + tx * sample(y0, x1, k)) + ty * ((1 - tx) * sample(y1, x0, k) + tx * sample(y1, x1, k));
          out[(y * w + x) * channels + k] = v * (meta.preprocessing ? meta.preprocessing.scale : 1 / 255);
        }
      }
    }
    return out;
  }

  function show(probabilities) {
    const labels = meta.labels || probabilities.map((_, i) => "class " + i);
    const top = probabilities.map((p, i) => ({ label: labels[i], probability: p })).sort((a, b) => b.probability - a.probability).slice(0, 3);
    list.innerHTML = "";
    for (const t of top) {
      const row = document.createElement("li");
      row.dataset.label = t.label;
      row.dataset.probability = String(t.probability);
      const name = document.createElement("span");
      name.className = "label";
      name.textContent = t.label;
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.innerHTML = '<span style="width:' + (t.probability * 100).toFixed(1) + '%"></span>';
      const value = document.createElement("span");
      value.className = "value";
      value.textContent = (t.probability * 100).toFixed(1) + "%";
      row.append(name, bar, value);
      list.append(row);
    }
    status.textContent = "Top label: " + top[0].label;
    document.body.dataset.top = top[0].label;
  }

  async function classify(file) {
    document.body.dataset.top = "";
    const url = URL.createObjectURL(file);
    try {
      const image = new Image();
      image.src = url;
      await image.decode();
      preview.src = url;
      const canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext("2d");
      context.drawImage(image, 0, 0);
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
      const input = tf.tensor4d(toFloats(pixels, canvas.width, canvas.height), [1, h, w, channels]);
      const output = model.predict(input);
      show(Array.from(await output.data()));
      input.dispose();
      output.dispose();
    } catch (error) {
      status.textContent = file.name + " is not an image this browser can read; choose a PNG or JPEG file.";
    }
  }

  // tl.text.tokenize and Vocabulary.encode, from the pattern and words in metadata.json.
  async function classifyText(text) {
    document.body.dataset.top = "";
    const ids = new Map(meta.text.words.map((word, id) => [word, id]));
    const tokens = (text.toLowerCase().match(new RegExp(meta.text.tokenPattern, "gu")) || []).map((t) => t.replace("\u2019", "'"));
    const known = tokens.map((t) => ids.get(t)).filter((id) => id > 0);
    const length = meta.text.length || Math.max(1, known.length);
    const row = new Int32Array(length);
    row.set(known.slice(0, length));
    const input = tf.tensor2d(row, [1, length], "int32");
    const output = model.predict(input);
    show(Array.from(await output.data()));
    input.dispose();
    output.dispose();
  }

  async function start() {
    if (!meta.preprocessing && meta.kind !== "text") {
      status.textContent = "This page handles image and text models; this model takes tensors of shape [" + (meta.inputShape || []).join(", ") + "].";
      return;
    }
    const bytes = Uint8Array.from(atob(bundle.weights), (c) => c.charCodeAt(0));
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: bundle.modelTopology, weightSpecs: bundle.weightSpecs, weightData: bytes.buffer }));
    document.body.dataset.ready = "true";
    if (meta.kind === "text") {
      document.getElementById("image-input").hidden = true;
      document.getElementById("text-input").hidden = false;
      status.textContent = "Type a text.";
      document.getElementById("classify").addEventListener("click", () => classifyText(document.getElementById("text").value));
      return;
    }
    status.textContent = "Choose or drop an image.";
    document.getElementById("file").addEventListener("change", (event) => event.target.files[0] && classify(event.target.files[0]));
    document.addEventListener("dragover", (event) => event.preventDefault());
    document.addEventListener("drop", (event) => {
      event.preventDefault();
      if (event.dataTransfer.files[0]) classify(event.dataTransfer.files[0]);
    });
  }
  start().catch((error) => (status.textContent = "The model did not load: " + error.message));
})();
`;

/** A script the page runs: a file beside it (a site) or its text inline (one self-contained page). */
export type PageScript = { src: string } | { code: string };

/** Script text that may sit inside <script>…</script>: no "</script" or "<!--" ends or opens anything. */
function inlineScript(code: string): string {
  return code.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

function scriptTag(script: PageScript): string {
  return "src" in script ? `<script src="${escapeHtml(script.src)}"></script>` : `<script>${inlineScript(script.code)}</script>`;
}

/**
 * The page: an image picker (or a text box), the status line and the top-3 list; `scripts` bring
 * tfjs, the layer loader when the model needs one, and the model (window.TSFINE_MODEL), in that order.
 */
export function pageHtml(title: string, labels: string[] | null, scripts: PageScript[]): string {
  const labelNote = labels ? `<p class="note">Classes: ${labels.map(escapeHtml).join(", ")}</p>` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  #preview { max-width: 12rem; max-height: 12rem; image-rendering: pixelated; display: block; margin: 1rem 0; }
  #predictions { list-style: none; padding: 0; }
  #predictions li { display: flex; align-items: center; gap: .5rem; margin: .3rem 0; }
  .label { width: 8rem; overflow: hidden; text-overflow: ellipsis; }
  .bar { flex: 1; background: #eee; height: .8rem; }
  .bar span { display: block; height: 100%; background: #4c78a8; }
  .value { width: 4rem; text-align: right; font-variant-numeric: tabular-nums; }
  .note { color: #666; font-size: .9rem; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p id="image-input"><input id="file" type="file" accept="image/png,image/jpeg"></p>
<p id="text-input" hidden><textarea id="text" rows="4" cols="60"></textarea><br><button id="classify">Classify</button></p>
<p id="status">Loading the model…</p>
<img id="preview" alt="">
<ol id="predictions"></ol>
${labelNote}
${[...scripts, { code: pageScript }].map(scriptTag).join("\n")}
</body>
</html>
`;
}
