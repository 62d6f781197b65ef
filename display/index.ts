/**
 * display/: MIME bundles, display(), live outputs, progress bars, plotly figures, images and
 * tables. Depends on nothing else of ours; works from a plain Node script (prints text).
 */
export { display, type Display, type Shown } from "./display";
export { toBundleAwaiting } from "./to-bundle";
export { plot, Figure, type PlotOptions } from "./plot";
export { setDisplaySink, flushPendingDisplays } from "./sink";
export { failOpenProgressBars, type ProgressBar } from "./progress";
export type { LiveOutput } from "./live";
export { isTensorLike, tensorBundle, type TensorLike } from "./tensor-like";
export { mimeBundleSymbol, type HasMimeBundle } from "./protocol";
export { OUTPUT_LIMIT_BYTES, guardOutputSize } from "./output-guard";
export { ImageInputError, type PixelSource } from "./pixels";
export { isPlotlyLibraryInlined, plotlyInlinings, resetPlotlyInlining, PLOTLY_MIME } from "./plotly/plotly-bundle";
export type { PlotlyFigure, PlotlyTrace } from "./plotly/figure";
export type { GridItem, ImageGridOptions } from "./image-grid";
export type { ImageOptions } from "./image";
export type { TableOptions } from "./table";
export type { DisplayEvent, DisplaySink, MimeBundle, RichOutput } from "./types";
export * as widgets from "./widgets";
export { setWidgetCommLink, currentOutputTarget, resetOutputCapture, type WidgetCommLink, type CommData } from "./widgets/comm-link";
export { startWidgetCell } from "./widgets/comm-link";
export { endWidgetCell } from "./widgets/cell-output";
export { deliverWidgetMessage, deliverWidgetClose, allWidgetStates, COMM_TARGET as WIDGET_COMM_TARGET, type Failures } from "./widgets/widget-model";
