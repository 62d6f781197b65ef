/**
 * Keeps plot helpers small whatever the data size. A figure travels three times (plotly JSON,
 * HTML, SVG) and outputs over 5 MB are dropped, so 10⁶ raw values would show nothing:
 * histograms are binned here (a histogram is its counts), long lines keep each bucket's
 * minimum and maximum (the shape, spikes included, survives), big scatters keep every k-th point.
 */

/** Points per line series above which the line is decimated: 2 000 points draw as crisply as a million. */
export const MAX_LINE_POINTS = 2000;
/** Markers per scatter above which a scatter is thinned. */
export const MAX_SCATTER_POINTS = 5000;
/** Cells per heatmap side above which blocks of cells are averaged (the static SVG draws one rect per cell). */
export const MAX_HEATMAP_SIDE = 100;
/** The most bins a default histogram gets. */
const MAX_DEFAULT_BINS = 200;

export interface Histogram {
  /** Left edge of the first bin; bins are [start + i·size, start + (i+1)·size). */
  start: number;
  size: number;
  counts: number[];
  /** Finite values counted; NaN and ±Infinity are left out, as plotly leaves them out. */
  total: number;
}

/** The smallest 1, 2, 2.5 or 5 × 10ᵏ step at least `raw`: bin edges a reader can say aloud. */
function niceStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const factor of [1, 2, 2.5, 5, 10]) if (factor * magnitude >= raw * (1 - 1e-9)) return factor * magnitude;
  return 10 * magnitude;
}

/**
 * Bin counts with round edges. `maxBins` caps the count as plotly's nbinsx does; without it the
 * count is numpy's "auto" rule (the larger of Sturges' and Freedman–Diaconis'), at most 200.
 */
export function histogramOf(values: ArrayLike<number>, maxBins?: number): Histogram {
  const finite = Float64Array.from(values).filter(Number.isFinite);
  if (finite.length === 0) return { start: 0, size: 1, counts: [], total: 0 };
  finite.sort();
  const min = finite[0];
  const max = finite[finite.length - 1];
  if (min === max) {
    const size = niceStep(Math.abs(min) / 10 || 1);
    return { start: min - size / 2, size, counts: [finite.length], total: finite.length };
  }
  const target = maxBins !== undefined ? Math.max(1, Math.floor(maxBins)) : autoBinCount(finite);
  const size = niceStep((max - min) / target);
  const start = Math.floor(min / size) * size;
  const binCount = Math.max(1, Math.floor((max - start) / size) + 1);
  const counts = new Array<number>(binCount).fill(0);
  for (const v of finite) counts[Math.min(binCount - 1, Math.floor((v - start) / size))]++;
  return { start, size, counts, total: finite.length };
}

function autoBinCount(sorted: Float64Array): number {
  const n = sorted.length;
  const sturges = Math.ceil(Math.log2(n) + 1);
  const quantile = (q: number) => sorted[Math.min(n - 1, Math.floor(q * (n - 1)))];
  const iqr = quantile(0.75) - quantile(0.25);
  const freedmanDiaconis = iqr > 0 ? Math.ceil((sorted[n - 1] - sorted[0]) / ((2 * iqr) / Math.cbrt(n))) : 0;
  return Math.min(MAX_DEFAULT_BINS, Math.max(sturges, freedmanDiaconis));
}

/**
 * Indices to draw for a long series: the series is cut into MAX_LINE_POINTS/2 buckets and each
 * keeps the positions of its minimum and maximum, in their order. Returns undefined when the
 * series is short enough to draw whole.
 */
export function minMaxIndices(values: ArrayLike<number>, maxPoints = MAX_LINE_POINTS): number[] | undefined {
  const n = values.length;
  if (n <= maxPoints) return undefined;
  const buckets = Math.floor(maxPoints / 2);
  const kept: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    let low = -1;
    let high = -1;
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      if (low < 0 || v < values[low]) low = i;
      if (high < 0 || v > values[high]) high = i;
    }
    if (low < 0)
      kept.push(from); // an all-gap bucket keeps one gap, so the line still breaks there
    else if (low === high) kept.push(low);
    else kept.push(Math.min(low, high), Math.max(low, high));
  }
  return kept;
}

/** Every k-th index when there are more than `maxPoints`, else undefined. */
export function strideIndices(length: number, maxPoints = MAX_SCATTER_POINTS): { indices: number[]; every: number } | undefined {
  if (length <= maxPoints) return undefined;
  const every = Math.ceil(length / maxPoints);
  const indices: number[] = [];
  for (let i = 0; i < length; i += every) indices.push(i);
  return { indices, every };
}

/**
 * A matrix averaged in k×k blocks so neither side exceeds MAX_HEATMAP_SIDE; non-finite cells are
 * left out of their block's mean. Undefined when the matrix is small enough to draw whole.
 */
export function blockAverage(z: number[][], maxSide = MAX_HEATMAP_SIDE): { z: (number | null)[][]; block: number } | undefined {
  const rows = z.length;
  const cols = Math.max(0, ...z.map((row) => row.length));
  if (rows <= maxSide && cols <= maxSide) return undefined;
  const block = Math.ceil(Math.max(rows, cols) / maxSide);
  const out: (number | null)[][] = [];
  for (let r0 = 0; r0 < rows; r0 += block) {
    const row: (number | null)[] = [];
    for (let c0 = 0; c0 < cols; c0 += block) {
      let sum = 0;
      let n = 0;
      for (let r = r0; r < Math.min(rows, r0 + block); r++) {
        for (let c = c0; c < Math.min(cols, c0 + block); c++) {
          const v = z[r][c];
          if (Number.isFinite(v)) {
            sum += v;
            n++;
          }
        }
      }
      row.push(n > 0 ? sum / n : null);
    }
    out.push(row);
  }
  return { z: out, block };
}

export const count = (n: number): string => n.toLocaleString("en-US");
