import { randomBytes } from "node:crypto";
import { outputForUpdatable } from "./rich-output";
import { emitDisplay } from "./sink";
import { displayState } from "./state";
import type { MimeBundle } from "./types";

/** An output that can be replaced in place (display_id + update_display_data). */
export interface LiveOutput {
  readonly id: string;
  /** Show this value instead; sends are throttled (by time and by size), the latest value always arrives. */
  update(value: unknown): void;
  /** Send a waiting update now. */
  flush(): void;
}

export const DEFAULT_UPDATE_INTERVAL_MS = 50;

/**
 * What one live output sends per second, on average, at most. A front end draws every update it
 * receives, in order, and nothing tells the kernel when it is done: a figure redrawn twenty times
 * a second (plotly.js from scratch, its SVG fallback, its HTML) outruns a browser on a loaded
 * machine, which then falls further and further behind the kernel, and a click on a control
 * (fit's Stop button) shows its effect only after the backlog before it has been drawn. So a
 * large update holds the next one back in proportion to its size: a progress line still updates
 * every interval, a curve of 300 epochs about once a second.
 */
export const LIVE_BYTES_PER_SECOND = 100_000;

export function newDisplayId(): string {
  return randomBytes(8).toString("hex");
}

/**
 * Throttling: at most one update per interval, and LIVE_BYTES_PER_SECOND on average (after an
 * update of B bytes the next waits B / LIVE_BYTES_PER_SECOND seconds when that is longer). An
 * update arriving sooner is kept (only the latest) and sent by a timer when the wait ends, or by
 * the next update after it ends — so a busy synchronous loop still shows progress — or by
 * flush(). The kernel flushes every live output when a cell ends, so the final state is in the
 * notebook before "idle".
 * Values are turned into bundles only when sent, so 10 000 updates cost 10 000 assignments.
 */
class ThrottledLiveOutput implements LiveOutput {
  readonly id = newDisplayId();
  private latest: unknown;
  private hasWaiting = false;
  private lastSentAt = Date.now();
  /** How long after the last send the next may go: the interval, or longer after a large update. */
  private gapMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    initial: unknown,
    private readonly intervalMs: number,
  ) {
    const output = outputForUpdatable(initial === undefined ? { "text/plain": "" } : initial);
    emitDisplay({ ...output, displayId: this.id });
    this.gapMs = this.gapAfter(output.data);
  }

  update(value: unknown): void {
    this.latest = value;
    this.hasWaiting = true;
    if (Date.now() - this.lastSentAt >= this.gapMs) {
      this.flush();
      return;
    }
    if (!this.timer) {
      displayState().pending.add(this);
      this.timer = setTimeout(() => this.flush(), Math.max(0, this.lastSentAt + this.gapMs - Date.now()));
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    displayState().pending.delete(this);
    if (!this.hasWaiting) return;
    this.hasWaiting = false;
    const value = this.latest;
    this.latest = undefined;
    const output = outputForUpdatable(value);
    emitDisplay({ ...output, displayId: this.id, update: true });
    this.lastSentAt = Date.now();
    this.gapMs = this.gapAfter(output.data);
  }

  private gapAfter(sent: MimeBundle): number {
    return Math.max(this.intervalMs, (bundleBytes(sent) / LIVE_BYTES_PER_SECOND) * 1000);
  }
}

/** About how many bytes a bundle takes on the wire (its text as it is, JSON values as JSON). */
function bundleBytes(bundle: MimeBundle): number {
  let bytes = 0;
  for (const value of Object.values(bundle)) bytes += typeof value === "string" ? value.length : (JSON.stringify(value)?.length ?? 0);
  return bytes;
}

export function createLiveOutput(initial?: unknown, options: { intervalMs?: number } = {}): LiveOutput {
  return new ThrottledLiveOutput(initial, options.intervalMs ?? DEFAULT_UPDATE_INTERVAL_MS);
}
