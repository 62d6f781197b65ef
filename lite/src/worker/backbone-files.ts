import { explainMissingNsfwjsFiles } from "../../../tl/kernel-seams";

/**
 * The nsfwjs backbones whose files a site carries (build.mjs ships their folders from the nsfwjs package).
 * inception_v3 stays out: its 30 MB of weights would be most of a site's download.
 */
export const CARRIED_NSFWJS_MODELS = ["mobilenet_v2"];

/** Replaces the Node kernel's `%npm install nsfwjs` advice, which a page cannot follow, with what a person can do in the browser. */
export function explainBrowserBackboneFiles(): void {
  explainMissingNsfwjsFiles((folder) =>
    CARRIED_NSFWJS_MODELS.includes(folder)
      ? `This site does not carry the weights of ${folder}: the nsfwjs package was not installed where the site was built; run \`npm install nsfwjs@4.4.0\` there and build the site again with tsfine lite build.`
      : `The browser kernel does not carry the weights of ${folder}: they are too large for a page (30 MB); use tl.backbone("mobilenet_v2") here, or ${folder} in the Node kernel.`,
  );
}
