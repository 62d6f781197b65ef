import { randomBytes } from "node:crypto";
import { outputForUpdatable } from "./rich-output";
import { emitDisplay } from "./sink";
import { displayState } from "./state";

/** An output that can be replaced in place (display_id + update_display_data). */
export interface LiveOutput {
  readonly id: string;
  /** Show this value instead; sends are throttled, the latest value always arrives. */
  update(value: unknown): void;
  /** Send a waiting update now. */
  flush(): void;
}

export const DEFAULT_UPDATE_INTERVAL_MS = 50;

export function newDisplayId(): string {
  return randomBytes(8).toString("hex");
}

/**
 * Throttling: at most one update per interval. An update arriving sooner is kept (only the
 * latest) and sent by a timer when the interval ends, or by the next update after it ends —
 * so a busy synchronous loop still shows progress — or by flush(). The kernel flushes every
 * live output when a cell ends, so the final state is in the notebook before "idle".
 * Values are turned into bundles only when sent, so 10 000 updates cost 10 000 assignments.
 */
class ThrottledLiveOutput implements LiveOutput {
  readonly id = newDisplayId();
  private latest: unknown;
  private hasWaiting = false;
  private lastSentAt = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    initial: unknown,
    private readonly intervalMs: number,
  ) {
    const output = outputForUpdatable(initial === undefined ? { "text/plain": "" } : initial);
    emitDisplay({ ...output, displayId: this.id });
  }

  update(value: unknown): void {
    this.latest = value;
    this.hasWaiting = true;
    if (Date.now() - this.lastSentAt >= this.intervalMs) {
      this.flush();
      return;
    }
    if (!this.timer) {
      displayState().pending.add(this);
      this.timer = setTimeout(() => this.flush(), Math.max(0, this.lastSentAt + this.intervalMs - Date.now()));
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
    emitDisplay({ ...outputForUpdatable(value), displayId: this.id, update: true });
    this.lastSentAt = Date.now();
  }
}

export function createLiveOutput(initial?: unknown, options: { intervalMs?: number } = {}): LiveOutput {
  return new ThrottledLiveOutput(initial, options.intervalMs ?? DEFAULT_UPDATE_INTERVAL_MS);
}
