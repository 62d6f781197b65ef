/**
 * A cell's output area for the widget callbacks registered in it (callback-binding.ts says which
 * output goes there): an Output widget, empty and so invisible until a callback prints, shown as
 * the cell's last output when a callback registered in the cell prints to the cell. The kernel's
 * runtime worker calls startWidgetCell (comm-link.ts) when a cell starts, and finishWidgetCell then
 * showCellOutputArea when it ends (endWidgetCell does both).
 */
import type { DisplayEvent } from "../types";
import { finishWidgetCell, type CellRun } from "./comm-link";
import { Output } from "./output";
import { WIDGET_VIEW_MIME } from "./widget-model";

/** The Output widget that takes a cell's callbacks' output; an Output a cell made wins over it. */
export class CellOutputArea extends Output {
  readonly cellArea = true;
}

/**
 * Makes the output area of a cell that ended (finishWidgetCell said it needs one) and gives its
 * display, to show after the cell's value or error. Only the widget view is given, no text: a front
 * end without widgets has nothing to show for an empty area, and callbacks never run there.
 */
export function showCellOutputArea(cell: CellRun): DisplayEvent {
  const area = new CellOutputArea();
  cell.area = area;
  return { data: { [WIDGET_VIEW_MIME]: { version_major: 2, version_minor: 0, model_id: area.modelId } }, metadata: {} };
}

/** The cell ended: the display of its output area when it needs one. */
export function endWidgetCell(): DisplayEvent | undefined {
  const cell = finishWidgetCell();
  return cell ? showCellOutputArea(cell) : undefined;
}
