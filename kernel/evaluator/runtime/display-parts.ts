/**
 * The parts of display/ that the runtime itself drives (the sink, the widgets' comm link, a cell value's
 * bundle, what an interrupt or a cell's end closes), each from its own module: display's whole index loads
 * tens of modules (plots, widgets, images, progress bars), which a `1+1` right after launch would wait for.
 * The index loads when a cell names display, plot or widgets, or loads tl; it re-exports these same modules,
 * so both see one state. Typed by the modules themselves, so a rename in display/ fails tsc here.
 */
type Sink = typeof import("../../../display/sink");
type CommLink = typeof import("../../../display/widgets/comm-link");
type ToBundle = typeof import("../../../display/to-bundle");
type WidgetModel = typeof import("../../../display/widgets/widget-model");
type CellOutput = typeof import("../../../display/widgets/cell-output");
type PlotlyBundle = typeof import("../../../display/plotly/plotly-bundle");
type Progress = typeof import("../../../display/progress");

export const displaySink = (): Sink => require("../../../display/sink") as Sink;
export const widgetCommLink = (): CommLink => require("../../../display/widgets/comm-link") as CommLink;
export const valueFormatter = (): ToBundle => require("../../../display/to-bundle") as ToBundle;
export const widgetModels = (): WidgetModel => require("../../../display/widgets/widget-model") as WidgetModel;
/** Loaded only by a cell whose widget callbacks print to it, so widgets are loaded already. */
export const cellOutput = (): CellOutput => require("../../../display/widgets/cell-output") as CellOutput;

/** plotly.js's inlining, once a figure loaded it (before that, no output carried the library). */
export const loadedPlotlyBundle = (): PlotlyBundle | undefined => loadedOnly("../../../display/plotly/plotly-bundle") as PlotlyBundle | undefined;

/** The progress bars, once a cell loaded them (before that, none is open). */
export const loadedProgress = (): Progress | undefined => loadedOnly("../../../display/progress") as Progress | undefined;

const resolved = new Map<string, string>();

/** A module's exports if something already loaded it; never loads it. */
function loadedOnly(request: string): unknown {
  let file = resolved.get(request);
  if (!file) resolved.set(request, (file = require.resolve(request)));
  return require.cache[file]?.exports;
}
