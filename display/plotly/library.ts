import { readFileSync } from "node:fs";
import { traceType, type PlotlyFigure } from "./figure";

/**
 * plotly.js, inlined into the first figure's HTML so figures draw with no extension and no
 * internet. Two minified builds: plotly's "cartesian" partial bundle
 * (plotly.js-cartesian-dist-min, ~1.5 MB) when every trace of the figure is one it registers,
 * else the full bundle (plotly.js-dist-min, ~4.8 MB: 3-D, maps, sankey, ...). Both stay under the
 * output guard's limit; plotly.js-dist only ships a 10 MB unminified build.
 */
export type PlotlyLibrary = "cartesian" | "full";

/**
 * The trace types plotly.js-cartesian-dist-min registers, as its README lists them and as
 * `Plotly.PlotSchema.get().traces` reports them in a browser (test/display-browser.test.ts
 * checks this list against the installed bundle; test/display.test.ts against its source).
 * Layout components (annotations, shapes, colorbars, legends, sliders, ...) are in every bundle.
 */
export const CARTESIAN_TRACE_TYPES: ReadonlySet<string> = new Set([
  "bar",
  "box",
  "contour",
  "heatmap",
  "histogram",
  "histogram2d",
  "histogram2dcontour",
  "image",
  "pie",
  "scatter",
  "scatterternary",
  "violin",
]);

const packages: Record<PlotlyLibrary, string> = { cartesian: "plotly.js-cartesian-dist-min", full: "plotly.js-dist-min" };

/** The smaller bundle that draws every trace of `figure`. */
export function libraryFor(figure: PlotlyFigure): PlotlyLibrary {
  return figure.data.every((trace) => CARTESIAN_TRACE_TYPES.has(traceType(trace))) ? "cartesian" : "full";
}

/** The minified plotly.js source of one bundle, read from its npm package. */
export function librarySource(library: PlotlyLibrary): string {
  return readFileSync(require.resolve(packages[library]), "utf8");
}

/**
 * Sequences that would end or confuse an inline <script> element are written with \x3C, which
 * means "<" inside JavaScript strings, template literals and regular expressions alike.
 */
function safeForInlineScript(source: string): string {
  return source.replace(/<(\/script|!--|script)/gi, "\\x3C$1");
}

/** What every inlined copy of plotly.js starts with (tests count copies by it). */
export const LIBRARY_SCRIPT_MARKER = "/* tsfine: plotly.js";

const cachedScripts = new Map<PlotlyLibrary, string>();

/**
 * A <script> that defines window.Plotly unless the page already has one that will do: any
 * plotly.js for the cartesian bundle (a re-run, or a reopened notebook where an earlier output
 * loaded it); for the full bundle anything but tsfine's cartesian one, which it replaces (figures
 * already drawn stay drawn). The loaded object is marked with `tsfineLibrary` so figure scripts
 * can tell the two apart. `define`, `module` and `exports` are hidden while it runs so classic
 * Notebook's requirejs cannot capture the UMD bundle as an anonymous module.
 */
export function plotlyLibraryScript(library: PlotlyLibrary = "full"): string {
  let script = cachedScripts.get(library);
  if (script === undefined) {
    const condition = library === "cartesian" ? "!window.Plotly" : `!window.Plotly || window.Plotly.tsfineLibrary === "cartesian"`;
    script =
      `<script type="text/javascript">${LIBRARY_SCRIPT_MARKER} (${library} bundle) */ if (${condition}) { (function (define, module, exports) {\n` +
      `${safeForInlineScript(librarySource(library))}\n}).call(window); window.Plotly.tsfineLibrary = ${JSON.stringify(library)}; }</script>`;
    cachedScripts.set(library, script);
  }
  return script;
}
