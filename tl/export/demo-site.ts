/**
 * `tsfine demo`'s static site: index.html, tf.min.js from the local @tensorflow/tfjs, and the
 * model with its metadata in model.js (pages opened from file:// may load scripts but not fetch
 * files). No server code.
 */
import * as fs from "fs";
import * as path from "path";
import { writeAtomically } from "../io";
import { LOADER_FILE } from "./custom-layers";
import { bundleFromFolder, modelScript, pageHtml, pageTitle, tfjsScriptFile, type PageScript } from "./demo-page";

export interface DemoSite {
  folder: string;
  page: string;
  files: string[];
}

/** Writes the demo site for the tl.export folder `dir` into `site` (default: dir/demo). */
export function writeDemoSite(dir: string, site = path.join(dir, "demo")): DemoSite {
  const bundle = bundleFromFolder(dir);
  const tfjs = tfjsScriptFile();
  fs.mkdirSync(site, { recursive: true });
  const files = ["index.html", "tf.min.js", "model.js"];
  fs.copyFileSync(tfjs, path.join(site, "tf.min.js"));
  const scripts: PageScript[] = [{ src: "tf.min.js" }];
  const loader = path.join(dir, LOADER_FILE);
  if (fs.existsSync(loader)) {
    fs.copyFileSync(loader, path.join(site, LOADER_FILE));
    files.push(LOADER_FILE);
    scripts.push({ src: LOADER_FILE });
  }
  writeAtomically(path.join(site, "model.js"), modelScript(bundle));
  scripts.push({ src: "model.js" });
  writeAtomically(path.join(site, "index.html"), pageHtml(pageTitle(bundle.metadata), bundle.metadata.labels, scripts));
  const folder = path.resolve(site);
  return { folder, page: path.join(folder, "index.html"), files };
}
