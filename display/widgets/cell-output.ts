/**
 * A cell's output area for the widget callbacks registered in it (callback-binding.ts says which
 * output goes there): an Output widget, empty and so invisible until a callback prints, shown as
 * the cell's last output when a callback registered in the cell prints to the cell. The kernel's
 * runtime worker calls startWidgetCell when a cell starts and endWidgetCell when it ends.
 */
import type { DisplayEvent } from "../types";
import { widgetsState } from "./comm-link";
import { Output } from "./output";
import { WIDGET_VIEW_MIME } from "./widget-model";

/** The Output widget that takes a cell's callbacks' output; an Output a cell made wins over it. */
export class CellOutputArea extends Output {
  readonly cellArea = true;
}

export function startWidgetCell(): void {
  widgetsState().cell = { running: true, needsArea: false, area: undefined };
}

/**
 * The cell ended: when a callback registered in it prints to the cell, its output area, to show
 * after the cell's value or error. Only the widget view is given, no text: a front end without
 * widgets has nothing to show for an empty area, and callbacks never run there.
 */
export function endWidgetCell(): DisplayEvent | undefined {
  const cell = widgetsState().cell;
  if (!cell?.running) return undefined;
  cell.running = false;
  if (!cell.needsArea) return undefined;
  const area = new CellOutputArea();
  cell.area = area;
  return { data: { [WIDGET_VIEW_MIME]: { version_major: 2, version_minor: 0, model_id: area.modelId } }, metadata: {} };
}
