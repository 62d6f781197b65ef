import { escapeHtml } from "../html";
import { titleText, traceType, type PlotlyFigure, type PlotlyTrace } from "./figure";

/**
 * A small static SVG of a figure for places with no JavaScript (GitHub, nbconvert without
 * scripts, a cleared plotly.js). It draws lines, markers, bars, histograms and heatmaps with
 * axes and ticks; everything else plotly can do is left out. It is a fallback, not plotly.
 * One <path> per line trace, one <rect> per bar or heatmap cell, plus one <rect> for the plot area.
 */

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const FONT = 'font-family="sans-serif" font-size="11" fill="#444"';

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

interface Axis {
  toPixel(value: unknown): number;
  ticks: Array<{ at: number; label: string }>;
  /** Pixel width of one category, when the axis is categorical. */
  band?: number;
}

interface Bar {
  x: unknown;
  y: number;
  /** Numeric bar width on a linear axis (histograms); categories use the band instead. */
  width?: number;
}

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v));
const finite = (v: unknown): boolean => Number.isFinite(num(v));
const fmt = (v: number): string => String(Number(v.toPrecision(6)));
const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

function niceTicks(min: number, max: number, count = 5): number[] {
  if (min === max) return [min];
  const rawStep = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rawStep));
  const ratio = rawStep / magnitude;
  const step = (ratio < 1.5 ? 1 : ratio < 3 ? 2 : ratio < 7 ? 5 : 10) * magnitude;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

/** Tick labels as plotly's tickformat would write them: ".0%" gives "40%", anything else plain numbers. */
function tickLabel(value: number, tickformat: unknown): string {
  if (typeof tickformat === "string" && /%$/.test(tickformat)) return `${fmt(value * 100)}%`;
  return fmt(value);
}

/** An axis over a fixed [min, max] (layout range), ticks every `dtick` from `tick0` when given. */
function rangedAxis(range: [number, number], from: number, to: number, settings: { dtick?: unknown; tick0?: unknown; tickformat?: unknown }): Axis {
  const [min, max] = range;
  const scale = (to - from) / (max - min || 1);
  const toPixel = (v: unknown) => from + (num(v) - min) * scale;
  const dtick = num(settings.dtick);
  const tick0 = Number.isFinite(num(settings.tick0)) ? num(settings.tick0) : 0;
  const values: number[] = [];
  if (dtick > 0) {
    for (let t = tick0 + Math.ceil((min - tick0) / dtick - 1e-9) * dtick; t <= max + dtick * 1e-9; t += dtick) values.push(Number(t.toPrecision(12)));
  } else values.push(...niceTicks(min, max));
  return { toPixel, ticks: values.map((t) => ({ at: toPixel(t), label: tickLabel(t, settings.tickformat) })) };
}

function linearAxis(values: number[], from: number, to: number, includeZero: boolean, padding = 0): Axis {
  let min = Math.min(...values, ...(includeZero ? [0] : []));
  let max = Math.max(...values, ...(includeZero ? [0] : []));
  if (!Number.isFinite(min) || !Number.isFinite(max)) [min, max] = [0, 1];
  if (min === max) [min, max] = [min - 1, max + 1];
  const pad = (max - min) * padding;
  if (!(includeZero && min === 0)) min -= pad;
  if (!(includeZero && max === 0)) max += pad;
  const scale = (to - from) / (max - min);
  const toPixel = (v: unknown) => from + (num(v) - min) * scale;
  return { toPixel, ticks: niceTicks(min, max).map((t) => ({ at: toPixel(t), label: fmt(t) })) };
}

function categoryAxis(categories: string[], from: number, to: number): Axis {
  const band = (to - from) / Math.max(1, categories.length);
  const index = new Map(categories.map((c, i) => [c, i]));
  const toPixel = (v: unknown) => from + ((index.get(String(v)) ?? 0) + 0.5) * band;
  const every = Math.ceil(categories.length / 12);
  const ticks = categories.filter((_, i) => i % every === 0).map((c) => ({ at: toPixel(c), label: c }));
  return { toPixel, ticks, band };
}

function histogramBars(trace: PlotlyTrace): Bar[] {
  const bins = trace.xbins as { size?: unknown } | undefined;
  if (trace.histfunc === "sum" && Array.isArray(trace.y) && typeof bins?.size === "number") {
    // pre-binned (plot.histogram): x holds the bin centres, y the counts
    const size = bins.size;
    return (trace.x ?? []).map((x, i) => ({ x: num(x), y: num(trace.y?.[i]), width: size })).filter((bar) => finite(bar.x) && finite(bar.y));
  }
  const values = (trace.x ?? []).filter(finite).map(num);
  if (values.length === 0) return [];
  const min = Math.min(...values);
  const max = Math.max(...values);
  const binCount = typeof trace.nbinsx === "number" ? trace.nbinsx : Math.ceil(Math.log2(values.length) + 1);
  const size = (max - min || 1) / binCount;
  const counts = new Array<number>(binCount).fill(0);
  for (const v of values) counts[Math.min(binCount - 1, Math.floor((v - min) / size))]++;
  return counts.map((count, i) => ({ x: min + (i + 0.5) * size, y: count, width: size }));
}

function xValues(trace: PlotlyTrace): unknown[] {
  return trace.x ?? (trace.y ?? []).map((_, i) => i);
}

function barsOf(trace: PlotlyTrace): Bar[] {
  if (traceType(trace) === "histogram") return histogramBars(trace);
  const xs = xValues(trace);
  return (trace.y ?? []).map((y, i) => ({ x: xs[i], y: num(y) })).filter((bar) => finite(bar.y));
}

function colorOf(trace: PlotlyTrace, index: number): string {
  const line = trace.line as { color?: unknown } | undefined;
  const marker = trace.marker as { color?: unknown } | undefined;
  const explicit = [line?.color, marker?.color].find((c) => typeof c === "string");
  return (explicit as string | undefined) ?? COLORS[index % COLORS.length];
}

function axisMarkup(box: Box, xAxis: Axis, yAxis: Axis, rightAxis?: Axis): string {
  const bottom = box.top + box.height;
  const parts: string[] = [];
  for (const tick of rightAxis?.ticks ?? []) {
    parts.push(`<text x="${box.left + box.width + 6}" y="${(tick.at + 4).toFixed(1)}" ${FONT}>${escapeHtml(tick.label)}</text>`);
  }
  if (rightAxis) parts.push(`<line x1="${box.left + box.width}" x2="${box.left + box.width}" y1="${box.top}" y2="${bottom}" stroke="#444"/>`);
  for (const tick of yAxis.ticks) {
    parts.push(`<line x1="${box.left}" x2="${box.left + box.width}" y1="${tick.at.toFixed(1)}" y2="${tick.at.toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${box.left - 6}" y="${(tick.at + 4).toFixed(1)}" text-anchor="end" ${FONT}>${escapeHtml(tick.label)}</text>`);
  }
  for (const tick of xAxis.ticks) {
    parts.push(`<line x1="${tick.at.toFixed(1)}" x2="${tick.at.toFixed(1)}" y1="${bottom}" y2="${bottom + 5}" stroke="#444"/>`);
    parts.push(`<text x="${tick.at.toFixed(1)}" y="${bottom + 18}" text-anchor="middle" ${FONT}>${escapeHtml(tick.label)}</text>`);
  }
  parts.push(`<line x1="${box.left}" x2="${box.left + box.width}" y1="${bottom}" y2="${bottom}" stroke="#444"/>`);
  parts.push(`<line x1="${box.left}" x2="${box.left}" y1="${box.top}" y2="${bottom}" stroke="#444"/>`);
  return parts.join("");
}

function heatColor(t: number): string {
  // A short viridis-like ramp: dark blue → teal → yellow.
  const stops = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const scaled = clamp(t, 0, 1) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(scaled));
  const f = scaled - i;
  const rgb = stops[i].map((c, k) => Math.round(c + (stops[i + 1][k] - c) * f));
  return `rgb(${rgb.join(",")})`;
}

function heatmapMarkup(trace: PlotlyTrace, box: Box, reversed: boolean): { marks: string; xAxis: Axis; yAxis: Axis } {
  const z = (trace.z ?? []).map((row) => (Array.isArray(row) ? row : [row]).map(num));
  const rows = z.length;
  const cols = Math.max(0, ...z.map((row) => row.length));
  const xCats = (trace.x ?? [...Array(cols).keys()]).map(String);
  const yCats = (trace.y ?? [...Array(rows).keys()]).map(String);
  const xAxis = categoryAxis(xCats, box.left, box.left + box.width);
  // Plotly draws row 0 at the bottom unless the y axis is reversed.
  const yAxis = reversed ? categoryAxis(yCats, box.top, box.top + box.height) : categoryAxis(yCats, box.top + box.height, box.top);
  const flat = z.flat().filter(Number.isFinite);
  const min = Math.min(...flat);
  const span = Math.max(...flat) - min || 1;
  const cellWidth = box.width / Math.max(1, cols);
  const cellHeight = box.height / Math.max(1, rows);
  const showValues = rows <= 12 && cols <= 12;
  const marks: string[] = [];
  z.forEach((row, r) =>
    row.forEach((value, c) => {
      const x = box.left + c * cellWidth;
      const y = yAxis.toPixel(yCats[r]) - cellHeight / 2;
      const t = Number.isFinite(value) ? (value - min) / span : 0;
      marks.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${cellWidth.toFixed(1)}" height="${cellHeight.toFixed(1)}" fill="${Number.isFinite(value) ? heatColor(t) : "#fff"}"/>`,
      );
      if (showValues && Number.isFinite(value)) {
        marks.push(
          `<text x="${(x + cellWidth / 2).toFixed(1)}" y="${(y + cellHeight / 2 + 4).toFixed(1)}" text-anchor="middle" font-family="sans-serif" font-size="11" fill="${t > 0.6 ? "#000" : "#fff"}">${fmt(value)}</text>`,
        );
      }
    }),
  );
  return { marks: marks.join(""), xAxis, yAxis };
}

const onRightAxis = (trace: PlotlyTrace): boolean => trace.yaxis === "y2";

/** The parts of a plotly layout the cartesian drawing reads. */
interface CartesianLayout {
  barmode?: unknown;
  yaxis2?: { range?: unknown; dtick?: unknown; tick0?: unknown; tickformat?: unknown; title?: unknown };
}

/** The right-hand y axis (layout.yaxis2) of the traces drawn against it, or undefined when none is. */
function rightAxisOf(traces: PlotlyTrace[], box: Box, layout: CartesianLayout): Axis | undefined {
  const values = traces.filter(onRightAxis).flatMap((t) => (t.y ?? []).filter(finite).map(num));
  if (values.length === 0) return undefined;
  const settings = layout.yaxis2 ?? {};
  const range =
    Array.isArray(settings.range) && settings.range.length === 2 && settings.range.every(finite) ? (settings.range.map(num) as [number, number]) : undefined;
  const bottom = box.top + box.height;
  if (range) return rangedAxis(range, bottom, box.top, settings);
  const axis = linearAxis(values, bottom, box.top, false, 0.05);
  return { ...axis, ticks: axis.ticks.map((t) => ({ ...t, label: tickLabel(Number(t.label), settings.tickformat) })) };
}

function cartesianMarkup(traces: PlotlyTrace[], box: Box, layout: CartesianLayout): { marks: string; xAxis: Axis; yAxis: Axis; rightAxis?: Axis } {
  const barMode = layout.barmode;
  const rightAxis = rightAxisOf(traces, box, layout);
  const barTraces = traces.filter((t) => ["bar", "histogram"].includes(traceType(t)));
  const bars = new Map(barTraces.map((t) => [t, barsOf(t)]));
  const allX = traces.flatMap((t) => (bars.get(t) ?? []).map((b) => b.x).concat(bars.has(t) ? [] : xValues(t)));
  const categorical = allX.some((x) => typeof x === "string");
  const right = box.left + box.width;
  const xAxis = categorical
    ? categoryAxis([...new Set(allX.map(String))], box.left, right)
    : linearAxis(
        traces.flatMap((t) =>
          bars.has(t) ? (bars.get(t) ?? []).flatMap((b) => [num(b.x) - (b.width ?? 1) / 2, num(b.x) + (b.width ?? 1) / 2]) : xValues(t).filter(finite).map(num),
        ),
        box.left,
        right,
        false,
      );
  const allY = traces
    .filter((t) => !(rightAxis && onRightAxis(t)))
    .flatMap((t) => (bars.has(t) ? (bars.get(t) ?? []).map((b) => b.y) : (t.y ?? []).filter(finite).map(num)));
  const yAxis = linearAxis(allY, box.top + box.height, box.top, barTraces.length > 0, 0.05);
  const zeroY = yAxis.toPixel(0);
  const marks: string[] = [];
  const grouped = barMode !== "overlay" && barMode !== "stack" ? barTraces.length : 1;
  traces.forEach((trace, index) => {
    const color = colorOf(trace, index);
    const traceBars = bars.get(trace);
    if (traceBars) {
      const slot = barMode === "overlay" || barMode === "stack" ? 0 : barTraces.indexOf(trace);
      for (const bar of traceBars) {
        const fullWidth = xAxis.band
          ? xAxis.band * 0.8
          : Math.abs(xAxis.toPixel(num(bar.x) + (bar.width ?? 1)) - xAxis.toPixel(bar.x)) * (traceType(trace) === "histogram" ? 1 : 0.8);
        const width = fullWidth / grouped;
        const x = xAxis.toPixel(bar.x) - fullWidth / 2 + slot * width;
        const y = yAxis.toPixel(bar.y);
        marks.push(
          `<rect x="${x.toFixed(1)}" y="${Math.min(y, zeroY).toFixed(1)}" width="${Math.max(0.5, width - (xAxis.band ? 0 : 0.5)).toFixed(1)}" height="${Math.abs(zeroY - y).toFixed(1)}" fill="${color}"/>`,
        );
      }
      return;
    }
    const xs = xValues(trace);
    const traceYAxis = rightAxis && onRightAxis(trace) ? rightAxis : yAxis;
    const points = (trace.y ?? [])
      .map((y, i) => [xs[i], y] as const)
      .filter(([x, y]) => finite(y) && (categorical || finite(x)))
      .map(([x, y]) => [xAxis.toPixel(categorical ? String(x) : x), traceYAxis.toPixel(y)]);
    const mode = trace.mode ?? (points.length < 20 ? "lines+markers" : "lines");
    if (mode.includes("lines") && points.length > 0) {
      const d = points.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`).join("");
      marks.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    if (mode.includes("markers")) {
      for (const [x, y] of points) marks.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${color}"/>`);
    }
  });
  return { marks: marks.join(""), xAxis, yAxis, rightAxis };
}

function legendMarkup(traces: PlotlyTrace[], x: number, y: number): string {
  return traces
    .map((trace, i) => {
      const row = y + i * 16;
      return (
        `<line x1="${x}" x2="${x + 16}" y1="${row}" y2="${row}" stroke="${colorOf(trace, i)}" stroke-width="3"/>` +
        `<text x="${x + 20}" y="${row + 4}" ${FONT}>${escapeHtml(String(trace.name ?? `trace ${i}`))}</text>`
      );
    })
    .join("");
}

export function renderFigureSvg(figure: PlotlyFigure): string {
  const layout = figure.layout as CartesianLayout & {
    width?: unknown;
    height?: unknown;
    title?: unknown;
    showlegend?: unknown;
    xaxis?: { title?: unknown };
    yaxis?: { title?: unknown; autorange?: unknown };
  };
  const width = clamp(num(layout.width) || 640, 300, 1400);
  const height = clamp(num(layout.height) || 400, 200, 1000);
  const title = titleText(layout.title);
  const xTitle = titleText(layout.xaxis?.title);
  const yTitle = titleText(layout.yaxis?.title);
  const traces = figure.data.filter((t) => t.visible !== false);
  const heatmap = traces.find((t) => traceType(t) === "heatmap");
  const legendTraces = heatmap ? [] : traces.filter((t) => t.name !== undefined);
  const showLegend = layout.showlegend !== false && (legendTraces.length > 1 || (legendTraces.length === 1 && layout.showlegend === true));
  const hasRightAxis = !heatmap && traces.some(onRightAxis);
  const y2Title = hasRightAxis ? titleText(layout.yaxis2?.title) : undefined;
  const box: Box = { left: 64, top: title ? 40 : 16, width: 0, height: 0 };
  box.width = width - box.left - (showLegend ? 130 : 20) - (hasRightAxis ? (y2Title ? 60 : 44) : 0);
  box.height = height - box.top - (xTitle ? 56 : 40);

  const { marks, xAxis, yAxis, rightAxis }: ReturnType<typeof cartesianMarkup> = heatmap
    ? heatmapMarkup(heatmap, box, layout.yaxis?.autorange === "reversed")
    : cartesianMarkup(traces, box, layout);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect class="plot-area" x="${box.left}" y="${box.top}" width="${box.width}" height="${box.height}" fill="#fff"/>`,
    axisMarkup(box, xAxis, yAxis, rightAxis),
    marks,
  ];
  if (y2Title) {
    const cx = box.left + box.width + 50;
    const cy = box.top + box.height / 2;
    parts.push(`<text x="${cx}" y="${cy}" transform="rotate(90 ${cx} ${cy})" text-anchor="middle" ${FONT}>${escapeHtml(y2Title)}</text>`);
  }
  if (title) parts.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-family="sans-serif" font-size="16" fill="#222">${escapeHtml(title)}</text>`);
  if (xTitle) parts.push(`<text x="${box.left + box.width / 2}" y="${height - 12}" text-anchor="middle" ${FONT}>${escapeHtml(xTitle)}</text>`);
  if (yTitle) {
    const cy = box.top + box.height / 2;
    parts.push(`<text x="16" y="${cy}" transform="rotate(-90 16 ${cy})" text-anchor="middle" ${FONT}>${escapeHtml(yTitle)}</text>`);
  }
  if (showLegend) parts.push(legendMarkup(legendTraces, box.left + box.width + (hasRightAxis ? (y2Title ? 74 : 58) : 14), box.top + 10));
  parts.push("</svg>");
  return parts.join("");
}
