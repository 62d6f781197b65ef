import { guardOutputSize } from "./output-guard";
import { displayState } from "./state";
import type { DisplayEvent, DisplaySink } from "./types";
import { currentOutputTarget } from "./widgets/comm-link";

/**
 * Installs where display output goes (the kernel's runtime worker does this). Throttled live
 * updates still waiting are sent to the previous sink first, so no final state is lost.
 */
export function setDisplaySink(sink: DisplaySink | undefined): void {
  flushPendingDisplays();
  displayState().sink = sink;
}

export function currentDisplaySink(): DisplaySink | undefined {
  return displayState().sink;
}

/** Sends every throttled live update that is still waiting; the kernel calls this when a cell ends. */
export function flushPendingDisplays(): void {
  for (const pending of [...displayState().pending]) pending.flush();
}

/**
 * Sends one event through the output guard: into the Output widget capturing this async context if
 * there is one, else to the sink; with no sink (a plain Node script) prints its text.
 */
export function emitDisplay(event: DisplayEvent): void {
  const guarded: DisplayEvent = { ...event, data: guardOutputSize(event.data) };
  const capture = currentOutputTarget();
  if (capture) {
    capture.appendOutput({
      output_type: "display_data",
      data: guarded.data,
      metadata: guarded.metadata ?? {},
      ...(guarded.displayId !== undefined ? { display_id: guarded.displayId } : {}),
      ...(guarded.update ? { update: true } : {}),
    });
    return;
  }
  const sink = displayState().sink;
  if (sink) {
    sink.display(guarded);
    return;
  }
  const text = guarded.data["text/plain"];
  process.stdout.write(`${typeof text === "string" ? text : JSON.stringify(text)}\n`);
}

export function emitClearOutput(wait: boolean): void {
  const capture = currentOutputTarget();
  if (capture) capture.clearOutput(wait);
  else displayState().sink?.clearOutput(wait);
}
