import * as tf from "@tensorflow/tfjs";
import { clearStopRequest, fitSignal } from "./stop-request";
import { aliasVariables, markEngine, unwindEngine, type EngineMark } from "./tfjs-internals";

/**
 * When the kernel terminates JavaScript in the middle of a training step (an interrupt that did
 * not wait for the batch boundary), nothing after that point runs, not even `finally` blocks: the
 * optimizer may have updated some weights and not others, tf's engine is left inside the step's
 * scopes and gradient tape (so later ops leak, and gradients may silently stop being recorded),
 * and fit's callbacks never restore the best weights. A run therefore marks where it is between
 * awaits; whoever runs next (the kernel before a cell, or the next tl call) finds a run still
 * marked busy — which can only mean it was cut, since JavaScript runs one thing at a time — and
 * puts things back as they were at the last batch boundary.
 *
 * Measured: a termination requested while a step is inside a long wasm kernel often takes effect
 * only after the step, in the callback that would resume fit at the next batch; fit then waits
 * forever at a consistent boundary, with its cleanup (best weights, caches, optimizers) undone. A
 * run that has waited for one event-loop turn much longer than a turn can take counts as cut too.
 */

export interface GuardedRun {
  /** At a batch boundary (weights consistent): from here until the next `pause`, a cut is recoverable. */
  boundary(): void;
  /**
   * Around an await: the run is alive and waiting, not cut. `turn`: the await is one event-loop
   * turn (setImmediate), so a run still waiting long after it was cut.
   */
  pause<T>(promise: Promise<T> | T, turn?: "turn"): Promise<T>;
  /** A tensor kept out of tf's scopes during a step: disposed if the step is cut. */
  hold<T extends tf.Tensor>(t: T): T;
  /** The run ended by itself (its own cleanup ran). */
  end(): void;
}

/** Far longer than one event-loop turn, far shorter than anyone waits to run the next cell. */
const STALE_TURN_MS = 1500;

interface ActiveRun {
  busy: boolean;
  /** When the run began waiting for one event-loop turn. */
  turnSince?: number;
  mark: EngineMark;
  variables: tf.LayerVariable[];
  atBoundary?: tf.Tensor[];
  held: tf.Tensor[];
  /** What fit's own cleanup would do; returns what the model now holds. `between`: cut between steps. */
  finish(between: boolean): string;
  where(between: boolean): string;
}

let active: ActiveRun | undefined;

function release(run: ActiveRun): void {
  run.atBoundary?.forEach((t) => t.dispose());
  run.atBoundary = undefined;
}

export function guardRun(model: tf.LayersModel, where: (between: boolean) => string, finish: (between: boolean) => string): GuardedRun {
  const run: ActiveRun = { busy: true, mark: markEngine(), variables: model.weights, held: [], finish, where };
  active = run;
  return {
    boundary() {
      run.held.length = 0;
      release(run);
      run.atBoundary = aliasVariables(run.variables);
    },
    hold(t) {
      run.held.push(t);
      return t;
    },
    async pause(promise, turn) {
      run.busy = false;
      if (turn) run.turnSince = performance.now();
      try {
        return await promise;
      } finally {
        run.busy = true;
        run.turnSince = undefined;
      }
    },
    end() {
      release(run);
      if (active === run) active = undefined;
    },
  };
}

/**
 * Repairs what a training step cut off by the kernel's termination left behind: tf's engine
 * state, the weights (as at the last batch boundary, then the best epoch's when fit kept a
 * checkpoint), the optimizers and fit's other cleanup. Returns one sentence saying so, or
 * undefined when no run was cut. Cheap when there is nothing to do; the kernel calls it before
 * each cell, and tl's fit and predictions call it first (reportInterruptedFit).
 */
export function recoverInterruptedFit(): string | undefined {
  const run = active;
  if (!run) return undefined;
  const stale = run.turnSince !== undefined && performance.now() - run.turnSince > STALE_TURN_MS;
  if (!run.busy && !stale) return undefined;
  active = undefined;
  unwindEngine(run.mark);
  tf.dispose(run.held);
  if (run.atBoundary) run.variables.forEach((v, i) => v.write(run.atBoundary![i]));
  release(run);
  let holds: string;
  try {
    holds = run.finish(!run.busy);
  } catch (error) {
    holds = `its cleanup failed (${(error as Error)?.message ?? error})`;
  }
  clearStopRequest();
  fitSignal.ended();
  if (!run.busy) return `tl.fit was stopped by the interrupt ${run.where(true)} and could not finish by itself; it was ended now and the model ${holds}.`;
  return `tl.fit was stopped by the interrupt in the middle of ${run.where(false)}; the half-done step was undone and the model ${holds}.`;
}

/** recoverInterruptedFit, saying on stderr what it did. */
export function reportInterruptedFit(): void {
  const said = recoverInterruptedFit();
  if (said) console.warn(said);
}
