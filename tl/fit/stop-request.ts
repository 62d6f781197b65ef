/**
 * The interrupt flag. The kernel calls requestStop() when the user interrupts a cell; fit
 * checks it at every batch boundary and ends cleanly (checkpoint-best then restores the best
 * weights), instead of being killed mid-update.
 */
let stopRequested = false;

export function requestStop(): void {
  stopRequested = true;
}

export function isStopRequested(): boolean {
  return stopRequested;
}

export function clearStopRequest(): void {
  stopRequested = false;
}
