/**
 * Answering an interrupted cell while tl.fit runs: not at once, but once fit has returned.
 *
 * An interrupt asks fit to stop, and fit stops by itself at its next batch boundary or stop poll,
 * returning the history of the epochs it ran. A cell such as `history = await tl.fit(...)` that
 * was answered before that would leave its assignment to land after the reply, so the next cell
 * could find `history` unset. While fit awaits (the keras engine's Python, a callback's promise,
 * any await between two steps) the worker can read the interrupt, so it waits for the cell to
 * settle, or for fit to end and the cell's code after it to take its turn. It does not wait for
 * ever: a fit that awaits something that ignores the stop gets the cell answered after a deadline.
 */

/** How long the worker waits for fit to end before answering the cell as today: generous, since fit ends at its next stop poll. */
export const FIT_END_WAIT_MS = 8000;
/** How often the worker looks whether fit ended: nothing notifies it. */
const FIT_END_POLL_MS = 20;

export interface InterruptedRun {
  /** Whether the run was answered already (it ended by itself). */
  answered(): boolean;
  answerInterrupted(): void;
}

/**
 * Answers `run` as interrupted once tl.fit is no longer active (after one more event-loop turn, in
 * which the microtasks that return fit's history to the awaiting cell and assign it have run), or
 * at once when the run ends by itself first, or after FIT_END_WAIT_MS, saying so through `warn`.
 */
export function answerOnceFitEnds(run: InterruptedRun, fitActive: () => boolean, warn: (sentence: string) => void): void {
  const deadline = Date.now() + FIT_END_WAIT_MS;
  const poll = setInterval(() => {
    if (run.answered()) {
      clearInterval(poll);
    } else if (!fitActive()) {
      clearInterval(poll);
      setImmediate(() => run.answerInterrupted());
    } else if (Date.now() >= deadline) {
      clearInterval(poll);
      warn(
        `tl.fit did not end within ${FIT_END_WAIT_MS / 1000} s of the interrupt (it awaits something that ignores the stop), so the cell is answered now and fit may still assign its result later.`,
      );
      run.answerInterrupted();
    }
  }, FIT_END_POLL_MS);
}
