/**
 * The worker's side of widgets: display/'s widgets open, update and close their comms through this
 * link, which posts them to the page (extension/comms.ts owns the comms there); the front end's
 * messages come back and run the widgets' callbacks here, between cells or while a cell awaits.
 */
import { allWidgetStates, deliverWidgetClose, deliverWidgetMessage, flushPendingDisplays, setWidgetCommLink } from "../../../display";
import type { FromWorker, ThrownFailure } from "../messages";

export function linkWidgets(post: (message: FromWorker) => void): void {
  setWidgetCommLink({
    open: (commId, data, metadata, buffers) => post({ type: "comm", action: "open", commId, data, metadata, buffers }),
    send: (commId, data, buffers, replyTo) => post({ type: "comm", action: "msg", commId, data, buffers, replyTo }),
    close: (commId) => post({ type: "comm", action: "close", commId, data: {}, buffers: [] }),
  });
}

/** Runs a front-end message's callbacks; resolves with what they threw, once their displays are out. */
export async function deliverCommMessage(commId: string, data: Record<string, unknown>, buffers: Uint8Array[], delivery: number): Promise<ThrownFailure[]> {
  let failures: unknown[];
  try {
    failures = await deliverWidgetMessage(commId, data, buffers, delivery);
  } catch (error) {
    failures = [error];
  }
  flushPendingDisplays();
  return failures.map((failure) =>
    failure instanceof Error ? { name: failure.name, message: failure.message, stack: failure.stack } : { name: "Thrown", message: String(failure) },
  );
}

export { allWidgetStates, deliverWidgetClose };
