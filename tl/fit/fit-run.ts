import type { Callback, FitState } from "./callback";
import type { FitEngine, FitLoop, LoopEvent } from "./engines";
import type { FitOptions } from "./fit";
import { guardRun, reportInterruptedFit } from "./interrupted-run";
import { clearStopRequest, fitSignal, isStopRequested, unlessStopRequested } from "./stop-request";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One run of fit around an engine, as fastai's `_with_events("fit", …)`: beforeFit, the engine's
 * epochs, and afterFit always, also after an interrupt or an error. All of fit's cooperation with
 * an interrupt is here, so neither fit's recipe nor an engine knows who stops it:
 *
 * - a stop request (tl.requestStop, or the kernel's shared signal, tl/fit/stop-request.ts) ends
 *   the run at the next batch boundary (`loop.startBatch()` answers false);
 * - the kernel reads from the shared signal whether fit is training and in a step, so it can
 *   wait for the boundary instead of terminating JavaScript mid-step;
 * - if the kernel terminates a step anyway, nothing after that point runs; the guard
 *   (tl/fit/interrupted-run.ts) lets the next cell or tl call repair it: weights as at the last
 *   boundary, then this run's afterFit (best weights) and `onEnd` disposals.
 *
 * Plain Node without the kernel: only the first applies, and costs one Atomics load per batch.
 */
export async function runFit(state: FitState, callbacks: Callback[], options: FitOptions, seed: number, engine: FitEngine): Promise<void> {
  reportInterruptedFit();
  clearStopRequest();
  const disposals: Array<() => void> = [];
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    if (state.stop && state.stopReason) state.history.stopped = state.stopReason;
    for (const cb of callbacks) cb.afterFit?.(state);
    for (const dispose of disposals.splice(0)) dispose();
    clearStopRequest();
    fitSignal.ended();
  };
  const guard = guardRun(
    state.model,
    (between) => where(state, between),
    (between) => {
      state.stop = true;
      state.stopReason = "interrupted";
      end();
      const restored = state.history.restoredEpoch;
      if (restored) return `holds the weights of epoch ${restored}, the best`;
      if (state.step === 0) return "is unchanged";
      return between ? "holds the weights after that batch" : "holds the weights from before that step";
    },
  );
  let stepStarted = 0;
  const loop: FitLoop = {
    state,
    options,
    seed,
    emit(event: LoopEvent) {
      for (const cb of callbacks) cb[event]?.(state);
    },
    startBatch() {
      if (!state.stop && isStopRequested()) {
        state.stop = true;
        state.stopReason = "interrupted";
      }
      if (state.stop) {
        fitSignal.stopping();
        return false;
      }
      stepStarted = performance.now();
      fitSignal.stepStarted();
      return true;
    },
    async endBatch() {
      fitSignal.stepEnded(performance.now() - stepStarted);
      guard.boundary();
      await guard.pause(nextTurn(), "turn");
    },
    endEpoch(record) {
      state.current = record;
      state.history.epochs.push(record);
      for (const cb of callbacks) cb.afterEpoch?.(state);
    },
    wait: (work) => guard.pause(work),
    async waitUnlessStopped(work) {
      const done = await guard.pause(unlessStopRequested(work));
      if (done === undefined && isStopRequested() && !state.stop) {
        state.stop = true;
        state.stopReason = "interrupted";
        fitSignal.stopping();
      }
      return done;
    },
    hold: guard.hold,
    onEnd(dispose) {
      disposals.push(dispose);
    },
  };
  fitSignal.started();
  try {
    for (const cb of callbacks) await guard.pause(cb.beforeFit?.(state));
    guard.boundary();
    await engine.train(loop);
  } finally {
    fitSignal.stopping();
    end();
    guard.end();
  }
}

/** Where in the run a cut landed, for the repair's sentence. `between`: between two steps. */
function where(state: FitState, between: boolean): string {
  if (state.step === 0 && state.batch === 0) return between ? "while preparing" : "its preparation";
  return between ? `after batch ${state.batch} of epoch ${state.epoch + 1}` : `epoch ${state.epoch + 1}, batch ${state.batch + 1}`;
}
