/**
 * Where widget comms go. The kernel's runtime worker installs a link that carries comm_open,
 * comm_msg and comm_close to the front end; without one (a plain Node script) widgets keep their
 * state locally and show their text form. The state is process-wide (../process-wide.ts), so two
 * copies of this module share one link and one model table.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { processWide } from "../process-wide";
import type { WidgetModel } from "./widget-model";

export type CommData = Record<string, unknown>;

export interface WidgetCommLink {
  open(commId: string, data: CommData, metadata: Record<string, unknown>, buffers: Uint8Array[]): void;
  /** replyTo: the front-end message being answered (an echo_update), so the reply is parented to it. */
  send(commId: string, data: CommData, buffers: Uint8Array[], replyTo?: number): void;
  close(commId: string): void;
}

/** What receives display() outputs and console text while an Output widget captures them. */
export interface OutputTarget {
  /** One nbformat output (display_id and update say which earlier display it replaces). */
  appendOutput(output: Record<string, unknown>): void;
  clearOutput(wait: boolean): void;
  /** true for a cell's output area (cell-output.ts), which an Output widget a cell made wins over. */
  readonly cellArea?: boolean;
}

/** One run of a cell, as the widget callbacks registered while it ran see it (cell-output.ts). */
export interface CellRun {
  running: boolean;
  /** Whether a callback registered in it prints to the cell: it then gets an output area when it ends. */
  needsArea: boolean;
  /** The cell's output area, shown as its last output once it ended. */
  area: OutputTarget | undefined;
}

interface WidgetsState {
  link: WidgetCommLink | undefined;
  models: Map<string, WidgetModel>;
  capture: AsyncLocalStorage<OutputTarget>;
  /** Set while a front-end message (a click, a moved slider) runs callbacks. */
  fromFrontEnd: AsyncLocalStorage<boolean>;
  /** The cell running or run last (the kernel's runtime worker says when cells start and end); none in a plain Node script. */
  cell: CellRun | undefined;
  /** Above 0 while library code registers callbacks that keep no output place of their own (withoutCellOutput). */
  unboundRegistrations: number;
}

export function widgetsState(): WidgetsState {
  return processWide<WidgetsState>("tsfine.widgets.state", () => ({
    link: undefined,
    models: new Map(),
    capture: new AsyncLocalStorage(),
    fromFrontEnd: new AsyncLocalStorage(),
    cell: undefined,
    unboundRegistrations: 0,
  }));
}

/** The kernel's runtime worker calls this once; widgets made before it stay local. */
export function setWidgetCommLink(link: WidgetCommLink | undefined): void {
  widgetsState().link = link;
}

/** The Output widget capturing output in this async context, if any. */
export function currentOutputTarget(): OutputTarget | undefined {
  return widgetsState().capture.getStore();
}

/**
 * Forgets the capture of code that was terminated (an interrupt of a runaway callback or cell):
 * termination skips the code that leaves an Output's capture, which would otherwise hold on to the
 * worker's message handling and take every later cell's output.
 */
export function resetOutputCapture(): void {
  const state = widgetsState();
  // only a store that leaked is reset: entering one turns on async hooks, which must stay off until something captures
  if (state.capture.getStore() !== undefined) state.capture.enterWith(undefined as unknown as OutputTarget);
  if (state.fromFrontEnd.getStore()) state.fromFrontEnd.enterWith(false);
}

/** A cell starts: the widget callbacks registered while it runs print to it (callback-binding.ts). */
export function startWidgetCell(): void {
  widgetsState().cell = { running: true, needsArea: false, area: undefined };
}

/** The cell ended: its run when a callback registered in it prints to the cell (cell-output.ts then shows its area), else undefined. */
export function finishWidgetCell(): CellRun | undefined {
  const cell = widgetsState().cell;
  if (!cell?.running) return undefined;
  cell.running = false;
  return cell.needsArea ? cell : undefined;
}
