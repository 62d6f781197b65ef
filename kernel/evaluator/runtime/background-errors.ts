/**
 * Errors no cell can catch (a timer or an event handler that throws, a rejection nobody handles) are
 * reported and the runtime worker, with the user's state, keeps running, as Deno's kernel and
 * ipykernel keep theirs.
 *
 * An 'uncaughtException' listener is not enough: Emscripten's Node glue (tfjs's wasm backend) adds
 * listeners that rethrow whatever they get, and an exception thrown from such a listener ends the
 * thread. Node's capture callback takes every uncaught exception before any listener is called, so a
 * rethrowing listener never sees one; the rejection a rethrowing 'unhandledRejection' listener turns
 * into an exception arrives there too and is reported once.
 */
export function reportBackgroundErrors(report: (origin: string, thrown: unknown) => void): void {
  /** Reasons reported as unhandled rejections in this turn of the event loop. */
  const rejectedThisTurn = new Set<unknown>();
  process.on("unhandledRejection", (reason) => {
    if (rejectedThisTurn.size === 0) setImmediate(() => rejectedThisTurn.clear());
    rejectedThisTurn.add(reason);
    report("A promise was rejected and nothing handled the rejection", reason);
  });
  process.setUncaughtExceptionCaptureCallback((thrown) => {
    if (rejectedThisTurn.has(thrown)) return;
    report("A callback no cell awaits (a timer, an event handler) threw", thrown);
  });
}
