import { htmlBundle, jpegBundle, jsonBundle, latexBundle, markdownBundle, pngBundle, svgBundle, textBundle } from "./basic-bundles";
import { registerFormatter } from "./formatters";
import { imageOutput, type ImageOptions } from "./image";
import { imageGridBundle, type GridItem, type ImageGridOptions } from "./image-grid";
import { createLiveOutput, type LiveOutput } from "./live";
import type { PixelSource } from "./pixels";
import { normaliseFigure, type PlotlyTrace } from "./plotly/figure";
import { plotlyBundle } from "./plotly/plotly-bundle";
import { createProgressBar, type ProgressBar } from "./progress";
import { jupyterDisplayBundle, mimeBundleSymbol } from "./protocol";
import { currentDisplaySink, emitClearOutput, emitDisplay, flushPendingDisplays } from "./sink";
import { tableBundle, type TableOptions } from "./table";
import { richestBundle, toBundle } from "./to-bundle";
import type { MimeBundle, RichOutput } from "./types";

/**
 * Every display function sends one output. Inside the kernel they return nothing (so a cell
 * ending in display(x) does not show x twice); in a plain Node script they print the text
 * form and return the bundle.
 */
export type Shown = MimeBundle | undefined;

function show(output: RichOutput): Shown {
  const hasSink = currentDisplaySink() !== undefined;
  emitDisplay(output);
  return hasSink ? undefined : output.data;
}

export interface Display {
  /**
   * Shows a value in its richest form: registered formatters, Deno's [Symbol.for("Jupyter.display")](),
   * [display.mimeBundle](), tensors, tables, text. Returns a promise when the Jupyter.display method is async.
   */
  (value: unknown): Shown | Promise<Shown>;
  html(html: string): Shown;
  markdown(markdown: string): Shown;
  latex(latex: string): Shown;
  svg(svg: string): Shown;
  /** Encoded PNG bytes (or base64). */
  png(bytes: Uint8Array | string): Shown;
  /** Encoded JPEG bytes (or base64). */
  jpeg(bytes: Uint8Array | string): Shown;
  json(value: unknown): Shown;
  text(text: string): Shown;
  /** A bundle as given ({ "text/html": ..., "text/plain": ... }); metadata goes beside it. */
  bundle(bundle: MimeBundle, metadata?: Record<string, unknown>): Shown;
  /** Rows of plain objects as an HTML table (text fallback); long tables are cut with a note. */
  table(rows: Record<string, unknown>[], options?: TableOptions): Shown;
  /** A [h,w], [h,w,1|3|4] tensor, typed array or nested array as a PNG. */
  image(pixels: PixelSource, options?: ImageOptions): Shown;
  /** Many images in one output, with truth / prediction / confidence; wrong ones in red. */
  imageGrid(items: Array<GridItem | PixelSource>, options?: ImageGridOptions): Shown;
  /** A plotly figure that draws in Lab, Notebook, VS Code and nbconvert HTML, offline. */
  plotly(data: PlotlyTrace | PlotlyTrace[], layout?: Record<string, unknown>, config?: Record<string, unknown>): Shown;
  /** An output that update(value) replaces in place (throttled). */
  live(initial?: unknown, options?: { intervalMs?: number }): LiveOutput;
  /** A progress bar with count, rate and ETA; tick() / set(n) / done() / fail(err). */
  progress(total?: number, label?: string): ProgressBar;
  /** Clears this cell's output; wait: true clears only when the next output arrives (no flicker). */
  clear(options?: { wait?: boolean }): void;
  /** Sends throttled live updates that are still waiting. */
  flush(): void;
  /** Teach display how to show a type; checked before built-ins, newest first. Returns an unregister function. */
  registerFormatter: typeof registerFormatter;
  /** The bundle a cell's last expression shows; undefined for undefined. */
  toBundle(value: unknown): MimeBundle | undefined;
  /** Implement [display.mimeBundle]() on a class to choose how its objects are shown. */
  readonly mimeBundle: typeof mimeBundleSymbol;
}

function withTextFallback(bundle: MimeBundle): MimeBundle {
  if ("text/plain" in bundle) return bundle;
  return { ...bundle, "text/plain": `<${Object.keys(bundle).join(", ") || "empty"} output>` };
}

/**
 * display(value). An object whose Deno-style [Symbol.for("Jupyter.display")]() is async is
 * shown when its bundle arrives; the call then returns a promise, as Deno's display does.
 */
function displayValue(value: unknown): Shown | Promise<Shown> {
  const deno = jupyterDisplayBundle(value);
  if (deno instanceof Promise) return deno.then((bundle) => show({ data: withTextFallback(bundle) }));
  return show({ data: richestBundle(value, false) });
}

export const display: Display = Object.assign(displayValue, {
  html: (html: string) => show({ data: htmlBundle(html) }),
  markdown: (markdown: string) => show({ data: markdownBundle(markdown) }),
  latex: (latex: string) => show({ data: latexBundle(latex) }),
  svg: (svg: string) => show({ data: svgBundle(svg) }),
  png: (bytes: Uint8Array | string) => show({ data: pngBundle(bytes) }),
  jpeg: (bytes: Uint8Array | string) => show({ data: jpegBundle(bytes) }),
  json: (value: unknown) => show({ data: jsonBundle(value) }),
  text: (text: string) => show({ data: textBundle(text) }),
  bundle: (bundle: MimeBundle, metadata?: Record<string, unknown>) => show({ data: withTextFallback(bundle), metadata }),
  table: (rows: Record<string, unknown>[], options?: TableOptions) => show({ data: tableBundle(rows, options) }),
  image: (pixels: PixelSource, options?: ImageOptions) => show(imageOutput(pixels, options)),
  imageGrid: (items: Array<GridItem | PixelSource>, options?: ImageGridOptions) => show({ data: imageGridBundle(items, options) }),
  plotly: (data: PlotlyTrace | PlotlyTrace[], layout?: Record<string, unknown>, config?: Record<string, unknown>) =>
    show({ data: plotlyBundle(normaliseFigure(data, layout, config)) }),
  live: (initial?: unknown, options?: { intervalMs?: number }) => createLiveOutput(initial, options),
  progress: (total?: number, label?: string) => createProgressBar(total, label),
  clear: (options: { wait?: boolean } = {}) => emitClearOutput(options.wait ?? false),
  flush: flushPendingDisplays,
  registerFormatter,
  toBundle,
  mimeBundle: mimeBundleSymbol as typeof mimeBundleSymbol,
});
