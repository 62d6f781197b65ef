import { live, plot, type LiveOutput } from "../show";
import type { Callback, FitState } from "./callback";

/**
 * Accuracy on the right: always 0–100 % in steps of 20 %. An overlaying axis otherwise takes
 * plotly's automatic ticks, which follow the loss gridlines (0.057 / 0.302 / 0.546…) and move as
 * the loss does. The range reaches a little above 100 % so the top label is not cut.
 */
const ACCURACY_AXIS = {
  title: { text: "accuracy" },
  overlaying: "y",
  side: "right",
  range: [0, 1.02],
  autorange: false,
  tickmode: "linear",
  tick0: 0,
  dtick: 0.2,
  tickformat: ".0%",
  showgrid: false,
  zeroline: false,
};

/** Training and validation loss (and accuracy) per epoch, one plot updated in place. */
export function curvesFigure(state: Pick<FitState, "history" | "classification">) {
  const epochs = state.history.epochs;
  const x = epochs.map((e) => e.epoch);
  const traces: Record<string, unknown>[] = [{ type: "scatter", mode: "lines+markers", name: "train loss", x, y: epochs.map((e) => e.loss) }];
  if (epochs.some((e) => e.valLoss !== undefined)) {
    traces.push({ type: "scatter", mode: "lines+markers", name: "validation loss", x, y: epochs.map((e) => e.valLoss ?? null) });
  }
  if (state.classification) {
    traces.push({ type: "scatter", mode: "lines+markers", name: "train acc", x, y: epochs.map((e) => e.acc ?? null), yaxis: "y2", line: { dash: "dot" } });
    if (epochs.some((e) => e.valAcc !== undefined)) {
      traces.push({
        type: "scatter",
        mode: "lines+markers",
        name: "validation acc",
        x,
        y: epochs.map((e) => e.valAcc ?? null),
        yaxis: "y2",
        line: { dash: "dot" },
      });
    }
  }
  return plot.figure(traces as never, {
    title: { text: "training curves" },
    xaxis: { title: { text: "epoch" } },
    yaxis: { title: { text: "loss" } },
    ...(state.classification ? { yaxis2: ACCURACY_AXIS } : {}),
    // The legend sits under the plot, so the right axis keeps its labels and title.
    legend: { orientation: "h", x: 0, y: -0.3, yanchor: "top" },
    margin: { t: 48, r: 64, b: 24 },
    height: 360,
  });
}

export function liveCurves(): Callback {
  let output: LiveOutput | undefined;
  return {
    name: "live-curves",
    afterEpoch(state) {
      const figure = curvesFigure(state);
      if (!output) output = live(figure);
      else output.update(figure);
    },
    afterFit() {
      output?.flush();
      output = undefined;
    },
  };
}
