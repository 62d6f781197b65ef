import { escapeHtml } from "./html";
import { createLiveOutput, type LiveOutput } from "./live";
import { mimeBundleSymbol } from "./protocol";
import { currentDisplaySink, emitDisplay } from "./sink";
import { displayState } from "./state";
import type { MimeBundle } from "./types";

export interface ProgressBar {
  readonly id: string;
  tick(n?: number): void;
  set(n: number): void;
  /** Marks the bar complete and sends its final state at once. */
  done(): void;
  /** Marks the bar failed (red, with the reason) and sends its final state at once. */
  fail(reason?: unknown): void;
}

type Status = "running" | "done" | "failed";

const BAR_CELLS = 24;

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.floor(seconds % 60)
    .toString()
    .padStart(2, "0");
  return minutes < 60 ? `${minutes}:${rest}` : `${Math.floor(minutes / 60)}:${(minutes % 60).toString().padStart(2, "0")}:${rest}`;
}

function formatRate(perSecond: number): string {
  if (Number.isNaN(perSecond)) return "?/s";
  if (!Number.isFinite(perSecond) || perSecond === 0) return "0/s";
  return perSecond >= 10 ? `${perSecond.toFixed(0)}/s` : perSecond >= 0.1 ? `${perSecond.toFixed(2)}/s` : `${formatDuration(1 / perSecond)}/it`;
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? "failed" : String(reason);
}

/**
 * A progress bar drawn as HTML (bar, count, rate, ETA) and as one text line for
 * `jupyter console` and nbconvert; both update in place through one display_id.
 *
 * Terminal front ends (jupyter console) print display_data and ignore update_display_data, so
 * they would keep the bar's first state ("0/5") for good. When the bar ends, one more output
 * carries the final line for them: its text/plain is that line and its text/html is empty. A
 * terminal prints text/plain; a notebook (Lab, Notebook, VS Code, nbconvert HTML) renders the
 * richer text/html, which shows nothing, so the updated bar stays the only bar on the page.
 */
class LiveProgressBar implements ProgressBar {
  private count = 0;
  private status: Status = "running";
  private failure = "";
  private readonly startedAt = Date.now();
  private finishedAt: number | undefined;
  private readonly live: LiveOutput;
  /** Rendered only when the throttled live output actually sends. */
  private readonly view = { [mimeBundleSymbol]: (): MimeBundle => this.render() };

  constructor(
    private readonly total: number | undefined,
    private readonly label: string,
  ) {
    this.live = createLiveOutput(this.view);
    displayState().openProgress.add(this);
  }

  get id(): string {
    return this.live.id;
  }

  tick(n = 1): void {
    this.set(this.count + n);
  }

  set(n: number): void {
    if (this.status !== "running") return;
    this.count = n;
    this.live.update(this.view);
  }

  done(): void {
    if (this.status !== "running") return;
    if (this.total !== undefined && this.count < this.total) this.count = this.total;
    this.finish("done");
  }

  fail(reason?: unknown): void {
    if (this.status !== "running") return;
    this.failure = reasonText(reason);
    this.finish("failed");
  }

  private finish(status: Status): void {
    this.status = status;
    this.finishedAt = Date.now();
    displayState().openProgress.delete(this);
    this.live.update(this.view);
    this.live.flush();
    // Without a sink (a plain Node script) every state was already printed as text.
    if (currentDisplaySink()) emitDisplay({ data: terminalEcho(this.render()), metadata: { tsfine: { terminalEcho: true } } });
  }

  private render(): MimeBundle {
    const elapsed = ((this.finishedAt ?? Date.now()) - this.startedAt) / 1000;
    const rate = elapsed > 0 ? this.count / elapsed : this.count > 0 ? NaN : 0;
    const known = this.total !== undefined && this.total > 0;
    const fraction = known ? Math.min(1, this.count / (this.total as number)) : 0;
    const eta = known && rate > 0 && this.status === "running" ? ((this.total as number) - this.count) / rate : undefined;
    const countText = known ? `${this.count}/${this.total}` : `${this.count}`;
    const timing = `${formatDuration(elapsed)}${eta !== undefined ? ` < ${formatDuration(eta)}` : ""}, ${formatRate(rate)}`;
    const statusText = this.status === "done" ? " done" : this.status === "failed" ? ` failed: ${this.failure}` : "";

    const filled = Math.round(fraction * BAR_CELLS);
    const textBar = known ? ` ${String(Math.round(fraction * 100)).padStart(3)}% |${"█".repeat(filled)}${" ".repeat(BAR_CELLS - filled)}|` : "";
    const text = `${this.label}${textBar} ${countText} [${timing}]${statusText}`;

    const color = this.status === "failed" ? "#d62728" : this.status === "done" ? "#2ca02c" : "#1f77b4";
    const width = known ? fraction * 100 : this.status === "running" ? 0 : 100;
    const html =
      `<div class="tsfine-progress" style="font-family:monospace;font-size:12px;display:flex;align-items:center;gap:8px">` +
      `<span>${escapeHtml(this.label)}</span>` +
      `<span style="display:inline-block;width:240px;height:12px;background:#e5e5e5;border-radius:3px;overflow:hidden">` +
      `<span style="display:block;height:100%;width:${width.toFixed(1)}%;background:${color}"></span></span>` +
      `<span>${escapeHtml(countText)} [${escapeHtml(timing)}]</span>` +
      (statusText ? `<span style="color:${color}">${escapeHtml(statusText.trim())}</span>` : "") +
      `</div>`;
    return { "text/html": html, "text/plain": text };
  }
}

/** The final state for front ends that only print text/plain: empty for every front end that renders HTML. */
function terminalEcho(bundle: MimeBundle): MimeBundle {
  return { "text/html": "", "text/plain": bundle["text/plain"] };
}

export function createProgressBar(total?: number, label = ""): ProgressBar {
  return new LiveProgressBar(total, label);
}

/** Closes every bar still running, e.g. when the kernel interrupts a cell. */
export function failOpenProgressBars(reason: unknown = "interrupted"): void {
  for (const bar of [...displayState().openProgress]) bar.fail(reason);
}
