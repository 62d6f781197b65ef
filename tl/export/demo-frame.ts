/**
 * tl.demo (and %demo): the demo page of an exported model, shown inside the notebook. The page
 * travels as one self-contained document in an iframe's srcdoc — tfjs, the layer loader, the
 * model and its metadata inlined — so it needs nothing the Jupyter server serves and works in
 * JupyterLab, the classic Notebook, VS Code and an nbconvert HTML file alike.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { formatBytes } from "../../display/bytes";
import { escapeHtml } from "../../display/html";
import { LOADER_FILE, customLayerClasses, loaderScript } from "./custom-layers";
import { bundleFromFolder, bundleFromModel, modelScript, pageHtml, pageTitle, tfjsScriptFile, type ModelBundle, type PageScript } from "./demo-page";
import { metadataOf } from "./metadata";

export interface DemoOptions {
  /** The frame's height in pixels (default 560). */
  height?: number;
}

export interface DemoFrame {
  /** The page's heading: the model's name and its backbone. */
  title: string;
  /** The self-contained page (what the iframe shows). */
  html: string;
  toMimeBundle(): Record<string, string>;
}

async function modelAndLoader(source: tf.LayersModel | string): Promise<{ bundle: ModelBundle; loader?: string }> {
  if (typeof source === "string") {
    const loaderFile = path.join(source, LOADER_FILE);
    return { bundle: bundleFromFolder(source), loader: fs.existsSync(loaderFile) ? fs.readFileSync(loaderFile, "utf8") : undefined };
  }
  if (!(source instanceof tf.LayersModel)) throw new Error("tl.demo takes a model (from tl.export or tl.load) or the folder tl.export wrote.");
  const metadata = metadataOf(source);
  if (!metadata) {
    throw new Error(
      `tl.demo: model "${source.name}" has no labels or preprocessing yet; export it first (tl.export(model, dir, { data }) or %export), or load it with tl.load.`,
    );
  }
  const classes = customLayerClasses(source);
  return { bundle: await bundleFromModel(source, metadata), loader: classes.length ? loaderScript(classes) : undefined };
}

/** The demo page of `source` (a model with export metadata, or a tl.export folder), to show in a notebook. */
export async function demo(source: tf.LayersModel | string, options: DemoOptions = {}): Promise<DemoFrame> {
  const height = options.height ?? 560;
  if (!(Number.isInteger(height) && height > 0)) throw new Error(`tl.demo: height must be a whole number of pixels above 0; received ${options.height}.`);
  const { bundle, loader } = await modelAndLoader(source);
  const scripts: PageScript[] = [{ code: fs.readFileSync(tfjsScriptFile(), "utf8") }];
  if (loader) scripts.push({ code: loader });
  scripts.push({ code: modelScript(bundle) });
  const title = pageTitle(bundle.metadata);
  const html = pageHtml(title, bundle.metadata.labels, scripts);
  const summary = `Demo page of "${title}" (${formatBytes(Buffer.byteLength(html))}, tfjs and the model inlined)`;
  return {
    title,
    html,
    toMimeBundle: () => ({
      "text/plain": `${summary}: a notebook front end shows it in a frame; \`npx tsfine demo DIR\` writes it as a site.`,
      // allow-scripts without allow-same-origin: the page runs, but away from the notebook's origin and its server.
      "text/html": `<iframe class="tsfine-demo" title="${escapeHtml(summary)}" sandbox="allow-scripts" style="width:100%;max-width:48rem;height:${height}px;border:1px solid #ccc;border-radius:4px" srcdoc="${escapeHtml(html)}"></iframe>`,
    }),
  };
}
