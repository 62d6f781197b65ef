/**
 * Where a widget callback's output goes. Code a cell runs prints in that cell, and so do the
 * callbacks it sets off (`slider.value = 5` runs the slider's observers): as in ipywidgets, an
 * Output widget capturing at that moment (interact's area, `out.run(…)`) takes it instead.
 *
 * A callback the front end sets off (a click, a moved slider) prints where the code that
 * registered it (observe, onClick, onCustomMessage) printed:
 * - into `out` when it was made by `out.capture(fn)` or registered while `out` captured;
 * - else into the cell that registered it: among the cell's own outputs while that cell still runs
 *   (awaiting, training), and once it has ended into the cell's output area (cell-output.ts), an
 *   Output widget the kernel shows as the cell's last output. A front end adds no outputs to a cell
 *   whose run has ended but keeps drawing the widgets shown there, so the area is what lets a
 *   click's print land under the cell instead of in JupyterLab's log console.
 * Outside the kernel (no cell has run) a callback prints wherever it runs.
 */
import { widgetsState, type OutputTarget } from "./comm-link";

const capturedBy = Symbol.for("tsfine.widgets.capturedBy");

/** Marks fn as printing into output (Output.capture's wrappers): registering it gives the cell no area. */
export function markCaptured<F extends object>(fn: F, output: OutputTarget): F {
  Object.defineProperty(fn, capturedBy, { value: output });
  return fn;
}

/**
 * Runs fn, whose callback registrations keep no output place of their own: library callbacks that
 * print nothing (links, a Button's click listener, fit's Stop button) or print into their own
 * Output widget (interact, the classifier) give the cell no output area.
 */
export function withoutCellOutput<T>(fn: () => T): T {
  const state = widgetsState();
  state.unboundRegistrations++;
  try {
    return fn();
  } finally {
    state.unboundRegistrations--;
  }
}

/** The callback as it is kept: calling it sends its output where the rules above say. */
export function bindCallback<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const state = widgetsState();
  if (state.unboundRegistrations > 0 || capturedBy in fn) return fn;
  // set off by a cell's code, or an Output captures now: the output goes where it goes at that moment
  const printsHere = () => {
    const capturing = state.capture.getStore();
    return !state.fromFrontEnd.getStore() || (capturing !== undefined && !capturing.cellArea);
  };
  const registeredIn = state.capture.getStore();
  if (registeredIn) return (...args) => (printsHere() ? fn(...args) : runInto(registeredIn, fn, args));
  const cell = state.cell;
  if (!cell) return fn;
  cell.needsArea = true;
  return (...args) => {
    if (printsHere()) return fn(...args);
    // its cell still runs: among the cell's outputs, not in the area of the callback that set this one off
    if (cell.running) return state.capture.exit(() => fn(...args));
    if (cell.area) return runInto(cell.area, fn, args);
    return fn(...args);
  };
}

/**
 * Runs fn capturing into target. A cell's area also shows what fn throws (or rejects with), since
 * that is where the person looks; the error still goes on to be reported with the front-end message.
 */
function runInto<A extends unknown[], R>(target: OutputTarget, fn: (...args: A) => R, args: A): R {
  const show = (error: unknown) => {
    if (target.cellArea) {
      const err = error instanceof Error ? error : new Error(String(error));
      target.appendOutput({ output_type: "error", ename: err.name, evalue: err.message, traceback: [err.stack ?? `${err.name}: ${err.message}`] });
    }
    throw error;
  };
  return widgetsState().capture.run(target, () => {
    try {
      const result = fn(...args);
      return result instanceof Promise ? (result.catch(show) as R) : result;
    } catch (error) {
      return show(error);
    }
  });
}
