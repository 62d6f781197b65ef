import { live, plot, type LiveOutput } from "../show";
import type { Callback, FitState } from "./callback";

/** Training and validation loss (and accuracy) per epoch, one plot updated in place. */
export function curvesFigure(state: Pick<FitState, "history" | "classification">) {
  const epochs = state.history.epochs;
  const x = epochs.map((e) => e.epoch);
  const traces: Record<string, unknown>[] = [
    { type: "scatter", mode: "lines+markers", name: "train loss", x, y: epochs.map((e) => e.loss) },
  ];
  if (epochs.some((e) => e.valLoss !== undefined)) {
    traces.push({ type: "scatter", mode: "lines+markers", name: "validation loss", x, y: epochs.map((e) => e.valLoss ?? null) });
  }
  if (state.classification) {
    traces.push({ type: "scatter", mode: "lines+markers", name: "train acc", x, y: epochs.map((e) => e.acc ?? null), yaxis: "y2", line: { dash: "dot" } });
    if (epochs.some((e) => e.valAcc !== undefined)) {
      traces.push({ type: "scatter", mode: "lines+markers", name: "validation acc", x, y: epochs.map((e) => e.valAcc ?? null), yaxis: "y2", line: { dash: "dot" } });
    }
  }
  return plot.figure(traces as never, {
    title: { text: "training curves" },
    xaxis: { title: { text: "epoch" } },
    yaxis: { title: { text: "loss" } },
    ...(state.classification ? { yaxis2: { title: { text: "accuracy" }, overlaying: "y", side: "right", range: [0, 1] } } : {}),
    height: 320,
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
