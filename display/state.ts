import { processWide } from "./process-wide";
import type { DisplaySink, MimeBundle } from "./types";

/**
 * Process-wide display state (process-wide.ts): two copies of this module (say dist/display
 * loaded by the kernel and display/tslab.ts loaded through a cell's import) share one sink, one
 * formatter list and one plotly.js inlining.
 */
export interface Formatter {
  predicate: (value: unknown) => boolean;
  format: (value: unknown) => MimeBundle | undefined;
}

export interface PendingFlush {
  flush(): void;
}

interface DisplayState {
  sink: DisplaySink | undefined;
  formatters: Formatter[];
  plotlyLibraryInlined: boolean;
  /** The plotly.js bundles ("cartesian", "full") some output carried; absent in older copies. */
  plotlyLibraries?: Set<string>;
  /** Outputs that carried plotly.js since the last reset. */
  plotlyInlinings?: number;
  /** Live outputs holding a throttled update that has not been sent yet. */
  pending: Set<PendingFlush>;
  /** Progress bars not yet done or failed, so an interrupt can close them. */
  openProgress: Set<{ fail(reason: unknown): void }>;
}

export function displayState(): DisplayState {
  return processWide<DisplayState>("tsfine.display.state", () => ({
    sink: undefined,
    formatters: [],
    plotlyLibraryInlined: false,
    plotlyLibraries: new Set(),
    plotlyInlinings: 0,
    pending: new Set(),
    openProgress: new Set(),
  }));
}
