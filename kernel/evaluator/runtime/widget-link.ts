/**
 * The runtime worker's side of widgets: display/'s widgets speak through this link to the main
 * thread, which owns the comms (runtime-comms.ts); front-end messages come back as commMessage
 * and run the widgets' callbacks here, between cells or while a cell awaits.
 */
import type { FromWorker } from "./messages";
import type { OutputCapture } from "./output-capture";
import { loadDisplayModule } from "./preloaded-globals";
import { describeThrown } from "./thrown-error";

export function installWidgetLink(post: (message: FromWorker) => void, output: OutputCapture): void {
  const display = loadDisplayModule();
  // Text already written goes first, so a print and then a widget update arrive in that order.
  const send = (message: FromWorker) => {
    output.flush();
    post(message);
  };
  display.setWidgetCommLink({
    open: (commId, data, metadata, buffers) => send({ type: "comm", action: "open", commId, data, metadata, buffers }),
    send: (commId, data, buffers, replyTo) => send({ type: "comm", action: "msg", commId, data, buffers, replyTo }),
    close: (commId) => send({ type: "comm", action: "close", commId }),
  });
  output.redirect = (name, text) => {
    const target = display.currentOutputTarget();
    if (!target) return false;
    target.appendOutput({ output_type: "stream", name, text });
    return true;
  };
}

/** Runs a front-end message's callbacks; the reply lists what they threw, once their output has been posted. */
export async function deliverWidgetMessage(
  message: { id: number; commId: string; data: Record<string, unknown>; buffers: Uint8Array[]; delivery: number },
  post: (message: FromWorker) => void,
  output: OutputCapture,
): Promise<void> {
  const display = loadDisplayModule();
  let failures: unknown[];
  try {
    failures = await display.deliverWidgetMessage(message.commId, message.data, message.buffers, message.delivery);
  } catch (error) {
    failures = [error];
  }
  try {
    display.flushPendingDisplays();
  } catch (error) {
    failures.push(error);
  }
  output.flush();
  post({ type: "reply", id: message.id, value: failures.map(describeThrown) });
}
