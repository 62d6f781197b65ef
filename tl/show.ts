/**
 * The few display/ services tl/ uses, in one place: show a value, an updatable output, a
 * progress line, figures, image grids and tables. tl depends on display, never the reverse.
 */
import { display, plot, Figure, type LiveOutput, type MimeBundle, type GridItem } from "../display";
// Bundles (not displays) for the toMimeBundle() of tl's result objects.
import { imageGridBundle } from "../display/image-grid";
import { escapeHtml } from "../display/html";

const registerFormatter = display.registerFormatter;
const createLiveOutput = (initial?: unknown) => display.live(initial);

export { plot, Figure, registerFormatter, escapeHtml, imageGridBundle };
export type { GridItem, MimeBundle, LiveOutput };

/** Shows a value (bundle, figure or anything display/ knows) as a new output. */
export function show(value: unknown): void {
  display(value);
}

export function live(initial?: unknown): LiveOutput {
  return createLiveOutput(initial);
}

/** A progress line updated in place: `tick(n, label)`, `done(label)`. */
export interface ProgressLine {
  tick(n?: number, label?: string): void;
  done(label?: string): void;
}

function progressBundle(done: number, total: number, label: string, started: number): MimeBundle {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const seconds = (Date.now() - started) / 1000;
  const eta = done > 0 && done < total ? ` · ${((seconds / done) * (total - done)).toFixed(0)} s left` : "";
  const width = 30;
  const filled = Math.round(fraction * width);
  const text = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${label}${eta}`;
  const html =
    `<div style="font-family:monospace;font-size:12px"><progress value="${done}" max="${total}" style="width:240px;vertical-align:middle"></progress> ` +
    `${done}/${total} ${escapeHtml(label)}${escapeHtml(eta)}</div>`;
  return { "text/plain": text, "text/html": html };
}

/** Without a notebook (plain Node) the line prints only when done, not on every tick. */
export function progressLine(total: number, label: string): ProgressLine {
  const started = Date.now();
  let count = 0;
  let current = label;
  const output = createLiveOutput(progressBundle(0, total, label, started));
  return {
    tick(n = 1, next?: string) {
      count += n;
      if (next !== undefined) current = next;
      output.update(progressBundle(count, total, current, started));
    },
    done(last?: string) {
      if (last !== undefined) current = last;
      output.update(progressBundle(count, total, current, started));
      output.flush();
    },
  };
}
