/**
 * Shapes shared by everything in display/. kernel/interpreter.ts re-exports MimeBundle and
 * DisplayEvent from here, so a kernel OutputSink can be passed as a DisplaySink.
 */

/** A Jupyter MIME bundle: MIME type → data (string for text types, JSON value for +json types). */
export type MimeBundle = Record<string, unknown>;

export interface DisplayEvent {
  data: MimeBundle;
  metadata?: Record<string, unknown>;
  /** display_id for display_data that may later be updated. */
  displayId?: string;
  /** true: update the output shown under displayId instead of adding a new one. */
  update?: boolean;
}

/** Where display output goes; the kernel's runtime worker installs one. */
export interface DisplaySink {
  display(event: DisplayEvent): void;
  clearOutput(wait: boolean): void;
}

/** A bundle plus the metadata Jupyter keeps beside it (image width, etc.). */
export interface RichOutput {
  data: MimeBundle;
  metadata?: Record<string, unknown>;
}
