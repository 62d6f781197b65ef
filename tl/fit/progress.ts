import { progressLine, type ProgressLine } from "../show";
import type { Callback, FitState } from "./callback";

function label(state: FitState): string {
  const loss = Number.isFinite(state.batchLoss) ? ` · loss ${state.batchLoss.toFixed(4)}` : "";
  const acc = state.classification && state.step > 0 ? ` · acc ${state.batchAcc.toFixed(3)}` : "";
  const notes = state.notes.length ? ` · ${state.notes.join("; ")}` : "";
  // After the last epoch the loop's counter has moved past it; the label stays on the last one.
  const epoch = Math.min(state.epoch + 1, state.epochs);
  return `epoch ${epoch}/${state.epochs}${loss}${acc}${notes}`;
}

/** A progress bar over all training batches, labelled with epoch, loss and notes. */
export function progress(): Callback {
  let bar: ProgressLine | undefined;
  return {
    name: "progress",
    beforeFit(state) {
      bar = progressLine(state.totalSteps, label(state));
    },
    afterBatch(state) {
      bar?.tick(1, label(state));
    },
    afterFit(state) {
      const end = state.stopReason ? `stopped: ${state.stopReason}` : "done";
      bar?.done(`${label(state)} · ${end}`);
      bar = undefined;
    },
  };
}
