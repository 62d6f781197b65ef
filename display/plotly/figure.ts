/** A plotly figure as plain JSON: what application/vnd.plotly.v1+json carries. */
export interface PlotlyTrace {
  type?: string;
  name?: string;
  mode?: string;
  x?: unknown[];
  y?: unknown[];
  /** Rows of values (heatmap, surface, contour) or one value per point (scatter3d, mesh3d). */
  z?: unknown[][] | unknown[];
  [key: string]: unknown;
}

export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout: Record<string, unknown>;
  config: Record<string, unknown>;
}

/** Typed arrays become arrays and non-finite numbers null, so the JSON means what the user meant. */
export function toPlainJson(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number | bigint>, (v) => toPlainJson(typeof v === "bigint" ? Number(v) : v));
  }
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) if (entry !== undefined) out[key] = toPlainJson(entry);
    return out;
  }
  return value;
}

export function normaliseFigure(data: unknown, layout?: unknown, config?: unknown): PlotlyFigure {
  const traces = Array.isArray(data) ? data : [data];
  return {
    data: toPlainJson(traces) as PlotlyTrace[],
    layout: (toPlainJson(layout ?? {}) as Record<string, unknown>) ?? {},
    config: (toPlainJson(config ?? {}) as Record<string, unknown>) ?? {},
  };
}

export function traceType(trace: PlotlyTrace): string {
  return trace.type ?? "scatter";
}

export function titleText(title: unknown): string | undefined {
  if (typeof title === "string") return title;
  if (typeof title === "object" && title !== null && typeof (title as { text?: unknown }).text === "string") {
    return (title as { text: string }).text;
  }
  return undefined;
}

export function figureSummary(figure: PlotlyFigure): string {
  const title = titleText(figure.layout.title);
  const traces = figure.data.map((trace) => {
    const z = trace.z;
    const preBinned = trace.histfunc === "sum" && Array.isArray(trace.y);
    const points =
      z && Array.isArray(z[0])
        ? `${z.length}×${(z[0] as unknown[]).length}`
        : preBinned
          ? `${trace.y?.length} bins`
          : `${(z ?? trace.y ?? trace.x ?? []).length} points`;
    return `${traceType(trace)}${trace.name ? ` "${trace.name}"` : ""} (${points})`;
  });
  return `Figure${title ? ` "${title}"` : ""}: ${traces.join(", ") || "no traces"}`;
}
