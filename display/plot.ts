import { normaliseFigure, type PlotlyFigure, type PlotlyTrace } from "./plotly/figure";
import { plotlyBundle } from "./plotly/plotly-bundle";
import { blockAverage, count, histogramOf, minMaxIndices, strideIndices } from "./plotly/reduction";
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

/** `note` says what a helper did to keep the figure small; it joins the title so nobody mistakes the drawing for every point. */
function layoutFrom(options: PlotOptions, extra: Record<string, unknown> = {}, note?: string): Record<string, unknown> {
  const layout: Record<string, unknown> = { ...extra };
  const title = [options.title, note && `(${note})`].filter(Boolean).join(" ");
  if (title) layout.title = { text: title };
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

/**
 * One line, or one per named series: plot.line({ loss, val_loss }, { xLabel: "epoch" }).
 * A series longer than 2 000 points is drawn from each bucket's minimum and maximum, which the title and hover say.
 */
function line(y: Numbers | Record<string, Numbers>, options: PlotOptions & { x?: ArrayLike<number | string> } = {}): Figure {
  const series = isSeriesRecord(y) ? Object.entries(y) : [[undefined, y] as const];
  let longest = 0;
  let decimated = false;
  const data = series.map(([name, values]) => {
    const kept = minMaxIndices(values);
    longest = Math.max(longest, values.length);
    const trace: PlotlyTrace = { type: "scatter", mode: "lines", ...(name !== undefined ? { name } : {}) };
    const xAt = (i: number) => (options.x ? options.x[i] : i);
    if (!kept) return { ...trace, x: options.x ? toArray(options.x) : toArray(values).map((_, i) => i), y: toArray(values) };
    decimated = true;
    const bucket = Math.ceil(values.length / (kept.length / 2));
    return {
      ...trace,
      x: kept.map(xAt),
      y: kept.map((i) => values[i]),
      hovertemplate: `%{x}: %{y}<extra>${name !== undefined ? `${name}: ` : ""}min/max of ~${count(bucket)} points</extra>`,
    };
  });
  const note = decimated ? `${count(longest)} points drawn as min/max per bucket` : undefined;
  return new Figure(data, layoutFrom(options, {}, note));
}

/** Points; with labels, one coloured trace per label (a legend for classes). */
function scatter(x: ArrayLike<number>, y: ArrayLike<number>, options: PlotOptions & { labels?: ArrayLike<string | number> } = {}): Figure {
  const thinned = strideIndices(Math.min(x.length, y.length));
  const pick = <T>(values: ArrayLike<T>): T[] => (thinned ? thinned.indices.map((i) => values[i]) : toArray(values));
  const xs = pick(x);
  const ys = pick(y);
  const note = thinned ? `1 in ${thinned.every} of ${count(Math.min(x.length, y.length))} points shown` : undefined;
  const hover = thinned ? { hovertemplate: `(%{x}, %{y})<extra>1 point in ${thinned.every} shown</extra>` } : {};
  if (!options.labels) return new Figure([{ type: "scatter", mode: "markers", x: xs, y: ys, ...hover }], layoutFrom(options, {}, note));
  const labels = pick(options.labels);
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
    ...hover,
  }));
  return new Figure(data, layoutFrom(options, {}, note));
}

/** Bars from a { category: value } record or from categories and values. */
function bar(categories: ArrayLike<string | number> | Record<string, number>, values?: Numbers, options: PlotOptions = {}): Figure {
  const entries = isSeriesRecord(categories) ? Object.entries(categories as Record<string, number>) : undefined;
  const x = entries ? entries.map(([k]) => k) : toArray(categories as ArrayLike<string | number>).map(String);
  const y = entries ? entries.map(([, v]) => v) : toArray(values ?? []);
  return new Figure([{ type: "bar", x, y }], layoutFrom(options));
}

/**
 * Counts per bin, computed here: the figure holds one number per bin whatever the number of
 * values. Bins have round edges; `bins` is the most bins wanted (as plotly's nbinsx).
 * plotly gets the counts as a pre-binned histogram (x = bin centres, histfunc "sum" over
 * xbins), so it draws and hovers the same bins it would have made itself.
 */
function histogram(values: Numbers, options: PlotOptions & { bins?: number } = {}): Figure {
  const { start, size, counts, total } = histogramOf(values, options.bins);
  const trace: PlotlyTrace = {
    type: "histogram",
    x: counts.map((_, i) => Number((start + (i + 0.5) * size).toPrecision(12))),
    y: counts,
    histfunc: "sum",
    autobinx: false,
    xbins: { start, end: start + counts.length * size, size },
    // a bin is shown as its centre ± half its width, with its count
    hovertemplate: `%{x} ± ${Number((size / 2).toPrecision(6))}: %{y}<extra>${count(total)} values in ${counts.length} bins</extra>`,
  };
  return new Figure([trace], layoutFrom(options));
}

/**
 * A matrix drawn row 0 at the top, as matrices are read (a confusion matrix: truth × prediction).
 * A matrix over 100 cells a side is averaged in blocks, which the title and hover say.
 */
function heatmap(
  z: ArrayLike<ArrayLike<number>>,
  options: PlotOptions & { x?: ArrayLike<string | number>; y?: ArrayLike<string | number>; colorscale?: string } = {},
): Figure {
  const rows = toArray(z).map(toArray);
  const averaged = blockAverage(rows);
  const trace: PlotlyTrace = { type: "heatmap", z: averaged ? averaged.z : rows, colorscale: options.colorscale ?? "Viridis" };
  // a block is labelled by its first row's and column's label
  const labels = (values: ArrayLike<string | number>) =>
    toArray(values)
      .filter((_, i) => !averaged || i % averaged.block === 0)
      .map(String);
  const blockStarts = (n: number) => Array.from({ length: Math.ceil(n / (averaged?.block ?? 1)) }, (_, i) => i * (averaged?.block ?? 1));
  if (options.x) trace.x = labels(options.x);
  else if (averaged) trace.x = blockStarts(Math.max(0, ...rows.map((row) => row.length)));
  if (options.y) trace.y = labels(options.y);
  else if (averaged) trace.y = blockStarts(rows.length);
  let note: string | undefined;
  if (averaged) {
    const cols = Math.max(0, ...rows.map((row) => row.length));
    note = `${count(rows.length)}×${count(cols)} cells averaged in ${averaged.block}×${averaged.block} blocks`;
    trace.hovertemplate = `%{z}<extra>mean of a ${averaged.block}×${averaged.block} block</extra>`;
  }
  return new Figure([trace], layoutFrom(options, { yaxis: { autorange: "reversed" } }, note));
}

function figure(data: PlotlyTrace | PlotlyTrace[], layout?: Record<string, unknown>, config?: Record<string, unknown>): Figure {
  return new Figure(Array.isArray(data) ? data : [data], layout, config);
}

export const plot = { line, scatter, bar, histogram, heatmap, figure };
