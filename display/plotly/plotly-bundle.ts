import { exemptFromGuard } from "../output-guard";
import { emitDisplay } from "../sink";
import { displayState } from "../state";
import type { MimeBundle } from "../types";
import { figureSummary, type PlotlyFigure } from "./figure";
import { figureHtml } from "./figure-html";
import { libraryFor, plotlyLibraryScript, type PlotlyLibrary } from "./library";
import { renderFigureSvg } from "./svg-fallback";

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/**
 * Everything a front end may pick from: the plotly MIME type (JupyterLab/VS Code renderers),
 * self-contained HTML (plotly.js inlined in the first figure of this process that needs it), a
 * static SVG (GitHub, nbconvert without scripts) and a one-line text summary. The first figure
 * carries the cartesian bundle when its traces allow, else the full one; a later figure that
 * needs the full bundle carries it once more (the cartesian one cannot draw it).
 */
export function plotlyBundle(figure: PlotlyFigure): MimeBundle {
  const needed = libraryFor(figure);
  const inlined = inlinedLibraries();
  const covered = inlined.has("full") || (needed === "cartesian" && inlined.size > 0);
  let library = covered ? "" : plotlyLibraryScript(needed);
  if (library) markInlined(needed);
  if (library && separateLibraryDepth > 0) {
    emitDisplay({ data: exemptFromGuard({ "text/html": library, "text/plain": "" }, Buffer.byteLength(library)) });
    library = "";
  }
  const svg = renderFigureSvg(figure);
  const bundle: MimeBundle = {
    [PLOTLY_MIME]: figure,
    "text/html": figureHtml(figure, svg, library, needed),
    "image/svg+xml": svg,
    "text/plain": figureSummary(figure),
  };
  return library ? exemptFromGuard(bundle, Buffer.byteLength(library)) : bundle;
}

/** The bundles some output of this process already carried (state shared by every copy of display/). */
function inlinedLibraries(): Set<PlotlyLibrary> {
  const state = displayState();
  state.plotlyLibraries ??= new Set();
  // a copy of display/ from before there were two bundles only knew "inlined": that was the full one
  if (state.plotlyLibraryInlined && state.plotlyLibraries.size === 0) state.plotlyLibraries.add("full");
  return state.plotlyLibraries as Set<PlotlyLibrary>;
}

function markInlined(library: PlotlyLibrary): void {
  const state = displayState();
  inlinedLibraries().add(library);
  state.plotlyLibraryInlined = true;
  state.plotlyInlinings = (state.plotlyInlinings ?? 0) + 1;
}

/**
 * Whether some output already carried plotly.js. The kernel can note which cell that was and,
 * when that same cell runs again (its old output, and the library with it, is about to be
 * replaced), call resetPlotlyInlining() so the new output carries the library again.
 */
export function isPlotlyLibraryInlined(): boolean {
  return inlinedLibraries().size > 0;
}

/**
 * How many times an output has carried plotly.js since the last reset. A cell during which this
 * grew carries a copy (the cartesian bundle, or the full one a later 3-D figure needed), so the
 * kernel resets the inlining when any such cell runs again.
 */
export function plotlyInlinings(): number {
  return displayState().plotlyInlinings ?? 0;
}

/** Forget that plotly.js was inlined, so the next figure carries it again. */
export function resetPlotlyInlining(): void {
  const state = displayState();
  state.plotlyLibraryInlined = false;
  state.plotlyLibraries = new Set();
  state.plotlyInlinings = 0;
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
