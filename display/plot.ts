import { normaliseFigure, type PlotlyFigure, type PlotlyTrace } from "./plotly/figure";
import { plotlyBundle } from "./plotly/plotlyBundle";
import { mimeBundleSymbol } from "./protocol";
import type { MimeBundle } from "./types";

/** A plotly figure that shows itself when displayed or left as a cell's last expression. */
export class Figure {
  constructor(
    public data: PlotlyTrace[],
    public layout: Record<string, unknown> = {},
    public config: Record<string, unknown> = {},
  ) {}

  toJSON(): PlotlyFigure {
    return normaliseFigure(this.data, this.layout, this.config);
  }

  [mimeBundleSymbol](): MimeBundle {
    return plotlyBundle(this.toJSON());
  }
}

export interface PlotOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Extra plotly layout, merged last. */
  layout?: Record<string, unknown>;
}

type Numbers = ArrayLike<number>;

function layoutFrom(options: PlotOptions, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const layout: Record<string, unknown> = { ...extra };
  if (options.title) layout.title = { text: options.title };
  if (options.xLabel) layout.xaxis = { ...(layout.xaxis as object), title: { text: options.xLabel } };
  if (options.yLabel) layout.yaxis = { ...(layout.yaxis as object), title: { text: options.yLabel } };
  if (options.width) layout.width = options.width;
  if (options.height) layout.height = options.height;
  return { ...layout, ...options.layout };
}

const toArray = <T>(values: ArrayLike<T>): T[] => Array.from(values);

function isSeriesRecord(value: unknown): value is Record<string, Numbers> {
  return typeof value === "object" && value !== null && !ArrayBuffer.isView(value) && !Array.isArray(value);
}

/** One line, or one per named series: plot.line({ loss, val_loss }, { xLabel: "epoch" }). */
function line(y: Numbers | Record<string, Numbers>, options: PlotOptions & { x?: ArrayLike<number | string> } = {}): Figure {
  const series = isSeriesRecord(y) ? Object.entries(y) : [[undefined, y] as const];
  const data = series.map(([name, values]) => ({
    type: "scatter",
    mode: "lines",
    ...(name !== undefined ? { name } : {}),
    x: options.x ? toArray(options.x) : toArray(values).map((_, i) => i),
    y: toArray(values),
  }));
  return new Figure(data, layoutFrom(options));
}

/** Points; with labels, one coloured trace per label (a legend for classes). */
function scatter(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: PlotOptions & { labels?: ArrayLike<string | number> } = {},
): Figure {
  const xs = toArray(x);
  const ys = toArray(y);
  if (!options.labels) return new Figure([{ type: "scatter", mode: "markers", x: xs, y: ys }], layoutFrom(options));
  const labels = toArray(options.labels);
  const groups = new Map<string, number[]>();
  labels.forEach((label, i) => {
    const key = String(label);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)?.push(i);
  });
  const data = [...groups].map(([name, indexes]) => ({
    type: "scatter",
    mode: "markers",
    name,
    x: indexes.map((i) => xs[i]),
    y: indexes.map((i) => ys[i]),
  }));
  return new Figure(data, layoutFrom(options));
}

/** Bars from a { category: value } record or from categories and values. */
function bar(categories: ArrayLike<string | number> | Record<string, number>, values?: Numbers, options: PlotOptions = {}): Figure {
  const entries = isSeriesRecord(categories) ? Object.entries(categories as Record<string, number>) : undefined;
  const x = entries ? entries.map(([k]) => k) : toArray(categories as ArrayLike<string | number>).map(String);
  const y = entries ? entries.map(([, v]) => v) : toArray(values ?? []);
  return new Figure([{ type: "bar", x, y }], layoutFrom(options));
}

function histogram(values: Numbers, options: PlotOptions & { bins?: number } = {}): Figure {
  const trace: PlotlyTrace = { type: "histogram", x: toArray(values) };
  if (options.bins) trace.nbinsx = options.bins;
  return new Figure([trace], layoutFrom(options));
}

/** A matrix drawn row 0 at the top, as matrices are read (a confusion matrix: truth × prediction). */
function heatmap(
  z: ArrayLike<ArrayLike<number>>,
  options: PlotOptions & { x?: ArrayLike<string | number>; y?: ArrayLike<string | number>; colorscale?: string } = {},
): Figure {
  const trace: PlotlyTrace = { type: "heatmap", z: toArray(z).map(toArray), colorscale: options.colorscale ?? "Viridis" };
  if (options.x) trace.x = toArray(options.x).map(String);
  if (options.y) trace.y = toArray(options.y).map(String);
  return new Figure([trace], layoutFrom(options, { yaxis: { autorange: "reversed" } }));
}

function figure(data: PlotlyTrace | PlotlyTrace[], layout?: Record<string, unknown>, config?: Record<string, unknown>): Figure {
  return new Figure(Array.isArray(data) ? data : [data], layout, config);
}

export const plot = { line, scatter, bar, histogram, heatmap, figure };
