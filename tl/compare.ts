import type { History } from "./fit/callback";
import { plot, type Figure } from "./show";

/**
 * Two (or more) runs' curves in one plot: loss solid, validation loss dashed, one colour per
 * run. `runs` maps a name to the history fit returned.
 */
export function compare(runs: Record<string, History>, options: { metric?: "loss" | "acc" } = {}): Figure {
  const metric = options.metric ?? "loss";
  const valKey = metric === "loss" ? "valLoss" : "valAcc";
  const colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];
  const traces: Record<string, unknown>[] = [];
  Object.entries(runs).forEach(([name, history], i) => {
    const x = history.epochs.map((e) => e.epoch);
    const colour = colours[i % colours.length];
    traces.push({
      type: "scatter",
      mode: "lines+markers",
      name: `${name} train ${metric}`,
      x,
      y: history.epochs.map((e) => e[metric] ?? null),
      line: { color: colour },
    });
    if (history.epochs.some((e) => e[valKey] !== undefined)) {
      traces.push({
        type: "scatter",
        mode: "lines+markers",
        name: `${name} validation ${metric}`,
        x,
        y: history.epochs.map((e) => e[valKey] ?? null),
        line: { color: colour, dash: "dash" },
      });
    }
  });
  return plot.figure(traces as never, {
    title: { text: `${Object.keys(runs).join(" vs ")}: ${metric}` },
    xaxis: { title: { text: "epoch" } },
    yaxis: { title: { text: metric } },
    height: 340,
  });
}
