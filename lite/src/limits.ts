/** What the browser kernel cannot do, one sentence each: in the banner, and where a cell asks for it. */
export const LIMITS = {
  shell: "%%sh, %sh and !commands cannot run in the browser kernel: a page cannot start processes.",
  npm: "%npm cannot run in the browser kernel: a page cannot install packages; it has tf, tl and display built in.",
  folders:
    "The browser kernel cannot reach local folders (%cd, %run, %load of your files): a page cannot read the notebook's folder; what cells write (tl.save) stays in the page's memory until it closes.",
  backbones: "The browser kernel carries mobilenet_v2's weights but not inception_v3's: they are too large for a page (30 MB).",
  imports: "The browser kernel cannot import arbitrary npm packages: only the bundled ones (@tensorflow/tfjs) import.",
};
