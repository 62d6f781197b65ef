/**
 * The Output widget: an output area inside a widget. What display() and console.* produce while it
 * captures (run(fn), or a function wrapped by capture(fn), async ones included) goes into its
 * `outputs` state, which the front end renders and a saved notebook keeps.
 */
import { defineWidget } from "./define";
import { Layout, layoutOption } from "./layout";
import { markCaptured } from "./callback-binding";
import { widgetsState, type OutputTarget } from "./comm-link";
import { OUTPUT, type WidgetSpec } from "./widget-model";
import type { ControlOptions, DOMWidgetState } from "./controls";

export interface OutputState extends DOMWidgetState {
  outputs: Array<Record<string, unknown>>;
  msg_id: string;
}

const spec: WidgetSpec<OutputState> = {
  className: "Output",
  model: "OutputModel",
  modelModule: OUTPUT,
  view: "OutputView",
  defaults: () => ({ _dom_classes: [], layout: null as unknown as Layout, tabbable: null, tooltip: null, outputs: [], msg_id: "" }),
  checks: { layout: layoutOption },
  internal: ["msg_id"],
  make: { layout: () => new Layout() },
};

const OutputBase = defineWidget<OutputState, ControlOptions<OutputState, "msg_id">>(spec);

export class Output extends OutputBase implements OutputTarget {
  /** clear({ wait: true }) empties the area when the next output arrives. */
  private clearOnNext = false;
  private readonly displayIndex = new Map<string, number>();

  /** Runs fn now, capturing its output (and that of whatever it starts, awaited or not). */
  run<T>(fn: () => T): T {
    return widgetsState().capture.run(this, fn);
  }

  /**
   * fn wrapped so that each call's output goes here: button.onClick(out.capture(() => …)). What it
   * throws (or rejects with) is shown here as an error output, as ipywidgets' Output does, and not
   * thrown on: the call then returns undefined.
   */
  capture<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R | undefined {
    const showError = (error: unknown) => {
      const err = error instanceof Error ? error : new Error(String(error));
      this.appendOutput({ output_type: "error", ename: err.name, evalue: err.message, traceback: [err.stack ?? `${err.name}: ${err.message}`] });
      return undefined;
    };
    const captured = (...args: A) => {
      try {
        const result = this.run(() => fn(...args));
        return result instanceof Promise ? (result.catch(showError) as R) : result;
      } catch (error) {
        return showError(error);
      }
    };
    return markCaptured(captured, this);
  }

  clear(options: { wait?: boolean } = {}): void {
    if (options.wait) {
      this.clearOnNext = true;
      return;
    }
    this.clearOnNext = false;
    this.displayIndex.clear();
    this.set({ outputs: [] });
  }

  /** @internal display.clear() while this widget captures. */
  clearOutput(wait: boolean): void {
    this.clear({ wait });
  }

  appendStdout(text: string): void {
    this.appendOutput({ output_type: "stream", name: "stdout", text });
  }

  appendStderr(text: string): void {
    this.appendOutput({ output_type: "stream", name: "stderr", text });
  }

  /** @internal One nbformat output; consecutive text of one stream joins the last output, as a notebook's does. */
  appendOutput(output: Record<string, unknown>): void {
    let outputs = this.clearOnNext ? [] : [...this.get("outputs")];
    if (this.clearOnNext) this.displayIndex.clear();
    this.clearOnNext = false;
    const displayId = output.display_id as string | undefined;
    const { display_id: _unused, update, ...stored } = output as Record<string, unknown> & { update?: boolean };
    void _unused;
    const last = outputs[outputs.length - 1];
    if (update && displayId !== undefined) {
      const at = this.displayIndex.get(displayId);
      if (at === undefined) return;
      outputs[at] = stored;
    } else if (stored.output_type === "stream" && last?.output_type === "stream" && last.name === stored.name) {
      outputs[outputs.length - 1] = { ...last, text: String(last.text) + String(stored.text) };
    } else {
      if (displayId !== undefined) this.displayIndex.set(displayId, outputs.length);
      outputs = [...outputs, stored];
    }
    this.set({ outputs });
  }
}
