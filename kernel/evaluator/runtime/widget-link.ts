/**
 * The runtime worker's side of widgets: display/'s widgets speak through this link to the main
 * thread, which owns the comms (runtime-comms.ts); front-end messages come back as commMessage
 * and run the widgets' callbacks here, between cells or while a cell awaits.
 */
import type { DisplayEvent } from "../../interpreter";
import type { FromWorker, ThrownError } from "./messages";
import type { OutputCapture } from "./output-capture";
import { cellOutput, displaySink, widgetCommLink, widgetModels } from "./display-parts";
import { describeThrown } from "./thrown-error";

export function installWidgetLink(post: (message: FromWorker) => void, output: OutputCapture): void {
  const link = widgetCommLink();
  // Text already written goes first, so a print and then a widget update arrive in that order.
  const send = (message: FromWorker) => {
    output.flush();
    post(message);
  };
  link.setWidgetCommLink({
    open: (commId, data, metadata, buffers) => send({ type: "comm", action: "open", commId, data, metadata, buffers }),
    send: (commId, data, buffers, replyTo) => send({ type: "comm", action: "msg", commId, data, buffers, replyTo }),
    close: (commId) => send({ type: "comm", action: "close", commId }),
  });
  output.redirect = (name, text) => {
    const target = link.currentOutputTarget();
    if (!target) return false;
    target.appendOutput({ output_type: "stream", name, text });
    return true;
  };
}

/** A cell starts: widget callbacks registered while it runs print to it (display/widgets/callback-binding.ts). */
export function startWidgetCell(): void {
  widgetCommLink().startWidgetCell();
}

/** The cell ended: the display of its widget callbacks' output area, to publish after its value or error, if it needs one. */
export function endWidgetCell(): DisplayEvent[] | undefined {
  try {
    const cell = widgetCommLink().finishWidgetCell();
    return cell ? [cellOutput().showCellOutputArea(cell) as DisplayEvent] : undefined;
  } catch {
    // an area that cannot be made must not lose the cell's result; its callbacks print as without one
    return undefined;
  }
}

/**
 * After an interrupt: code the guard terminated inside an Output widget's capture (or a cell's
 * output area) never left it, and that capture would take every later cell's output.
 */
export function forgetTerminatedCapture(): void {
  widgetCommLink().resetOutputCapture();
}

/** Front-end messages whose callbacks run now (or await), by the request id their reply answers. */
const pendingDeliveries = new Set<number>();

/** Whether the callbacks of request `id` have not been answered yet (the interrupt guard asks). */
export function widgetCallbackPending(id: number): boolean {
  return pendingDeliveries.has(id);
}

/**
 * An interrupt of request `id`'s callbacks: answered now as interrupted, if they had not finished. A
 * callback stuck in synchronous code reaches here only once the guard has terminated it, which
 * ends it without a reply of its own; one that awaits is left to settle unheard.
 */
export function interruptWidgetCallbacks(id: number, post: (message: FromWorker) => void, output: OutputCapture): void {
  forgetTerminatedCapture();
  if (!pendingDeliveries.delete(id)) return;
  output.flush();
  const interrupted: ThrownError = { name: "Interrupted", message: "the widget's callback was interrupted (the notebook's state is kept)" };
  post({ type: "reply", id, value: [interrupted] });
}

/** Runs a front-end message's callbacks; the reply lists what they threw, once their output has been posted. */
export async function deliverWidgetMessage(
  message: { id: number; commId: string; data: Record<string, unknown>; buffers: Uint8Array[]; delivery: number },
  post: (message: FromWorker) => void,
  output: OutputCapture,
): Promise<void> {
  pendingDeliveries.add(message.id);
  let failures: unknown[];
  try {
    failures = await widgetModels().deliverWidgetMessage(message.commId, message.data, message.buffers, message.delivery);
  } catch (error) {
    failures = [error];
  }
  try {
    displaySink().flushPendingDisplays();
  } catch (error) {
    failures.push(error);
  }
  output.flush();
  if (pendingDeliveries.delete(message.id)) post({ type: "reply", id: message.id, value: failures.map(describeThrown) });
}
