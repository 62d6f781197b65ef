/**
 * Training you can steer: a Stop button and a learning-rate slider shown beside fit's live curves.
 * Front-end messages reach the runtime at each batch boundary (fit yields a turn there), so a
 * click stops training before the next batch and a new rate is used from the next batch on, as a
 * factor on whatever the schedule gives (the slider starts at the base rate: factor 1).
 */
import { display, widgets } from "../../display";
import type { Callback, FitState } from "./callback";

export const STOPPED_BY_BUTTON = "Stop button";

export interface FitControls extends Callback {
  /** The widgets, once fit has started (tests and tl.widgets use them). */
  readonly stopButton: widgets.Button | undefined;
  readonly lrSlider: widgets.FloatLogSlider | undefined;
}

export function fitControls(): FitControls {
  let stopButton: widgets.Button | undefined;
  let lrSlider: widgets.FloatLogSlider | undefined;
  return {
    name: "controls",
    get stopButton() {
      return stopButton;
    },
    get lrSlider() {
      return lrSlider;
    },
    beforeFit(state: FitState) {
      const exponent = Math.log10(state.baseLr);
      stopButton = new widgets.Button({ description: "Stop", button_style: "danger", icon: "stop", tooltip: "end training after this batch" });
      lrSlider = new widgets.FloatLogSlider({
        value: state.baseLr,
        min: Math.floor(exponent) - 3,
        max: Math.ceil(exponent) + 2,
        step: 0.05,
        readout_format: ".2e",
        description: "lr",
        continuous_update: false,
      });
      const button = stopButton;
      // prints nothing: the cell gets no output area for it
      widgets.withoutCellOutput(() =>
        button.onClick(() => {
          state.stop = true;
          state.stopReason = STOPPED_BY_BUTTON;
          button.set({ disabled: true, description: "Stopping…" });
        }),
      );
      display(new widgets.HBox([stopButton, lrSlider]));
    },
    beforeBatch(state: FitState) {
      if (lrSlider) state.lr *= lrSlider.value / state.baseLr;
    },
    afterFit(state: FitState) {
      stopButton?.set({ disabled: true, description: state.stopReason === STOPPED_BY_BUTTON ? "Stopped" : "Done" });
      lrSlider?.set({ disabled: true });
    },
  };
}
