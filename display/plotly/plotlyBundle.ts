import { exemptFromGuard } from "../outputGuard";
import { emitDisplay } from "../sink";
import { displayState } from "../state";
import type { MimeBundle } from "../types";
import { figureSummary, type PlotlyFigure } from "./figure";
import { figureHtml } from "./figureHtml";
import { plotlyLibraryScript } from "./library";
import { renderFigureSvg } from "./svgFallback";

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/**
 * Everything a front end may pick from: the plotly MIME type (JupyterLab/VS Code renderers),
 * self-contained HTML (plotly.js inlined in the first figure of this process only), a static
 * SVG (GitHub, nbconvert without scripts) and a one-line text summary.
 */
export function plotlyBundle(figure: PlotlyFigure): MimeBundle {
  const state = displayState();
  let library = state.plotlyLibraryInlined ? "" : plotlyLibraryScript();
  state.plotlyLibraryInlined = true;
  if (library && separateLibraryDepth > 0) {
    emitDisplay({ data: exemptFromGuard({ "text/html": library, "text/plain": "" }, Buffer.byteLength(library)) });
    library = "";
  }
  const svg = renderFigureSvg(figure);
  const bundle: MimeBundle = {
    [PLOTLY_MIME]: figure,
    "text/html": figureHtml(figure, svg, library),
    "image/svg+xml": svg,
    "text/plain": figureSummary(figure),
  };
  return library ? exemptFromGuard(bundle, Buffer.byteLength(library)) : bundle;
}

/**
 * Whether some output already carried plotly.js. The kernel can note which cell that was and,
 * when that same cell runs again (its old output, and the library with it, is about to be
 * replaced), call resetPlotlyInlining() so the new output carries the library again.
 */
export function isPlotlyLibraryInlined(): boolean {
  return displayState().plotlyLibraryInlined;
}

/** Forget that plotly.js was inlined, so the next figure carries it again. */
export function resetPlotlyInlining(): void {
  displayState().plotlyLibraryInlined = false;
}

let separateLibraryDepth = 0;

/** While `build` runs, a figure needing plotly.js gets it as its own output instead of inline. */
export function withSeparatePlotlyLibrary<T>(build: () => T): T {
  separateLibraryDepth++;
  try {
    return build();
  } finally {
    separateLibraryDepth--;
  }
}
