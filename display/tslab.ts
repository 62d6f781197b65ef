/**
 * tslab's display API, so notebooks written for tslab run unchanged when the kernel maps
 * `import * as tslab from "tslab"` to this module. Like tslab, each call sends exactly the
 * MIME type it names (binary data as base64), and newDisplay() returns a display whose first
 * call creates an output and whose later calls replace it.
 */
import { toBase64 } from "./image-bytes";
import { newDisplayId } from "./live";
import { emitDisplay } from "./sink";

export interface Display {
  javascript(s: string): void;
  html(s: string): void;
  markdown(s: string): void;
  latex(s: string): void;
  svg(s: string): void;
  png(b: Uint8Array): void;
  jpeg(b: Uint8Array): void;
  gif(b: Uint8Array): void;
  pdf(b: Uint8Array): void;
  text(s: string): void;
  raw(contentType: string, b: string | Uint8Array): void;
}

class TslabDisplay implements Display {
  private shown = false;

  constructor(private readonly displayId?: string) {}

  javascript(s: string): void {
    this.raw("text/javascript", s);
  }
  html(s: string): void {
    this.raw("text/html", s);
  }
  markdown(s: string): void {
    this.raw("text/markdown", s);
  }
  latex(s: string): void {
    this.raw("text/latex", s);
  }
  svg(s: string): void {
    this.raw("image/svg+xml", s);
  }
  png(b: Uint8Array): void {
    this.raw("image/png", b);
  }
  jpeg(b: Uint8Array): void {
    this.raw("image/jpeg", b);
  }
  gif(b: Uint8Array): void {
    this.raw("image/gif", b);
  }
  pdf(b: Uint8Array): void {
    this.raw("application/pdf", b);
  }
  text(s: string): void {
    this.raw("text/plain", s);
  }
  raw(contentType: string, b: string | Uint8Array): void {
    const data = { [contentType]: toBase64(b) };
    if (!this.displayId) {
      emitDisplay({ data });
      return;
    }
    emitDisplay({ data, displayId: this.displayId, update: this.shown });
    this.shown = true;
  }
}

/** A display that shows one entry and overwrites it on every later call. */
export function newDisplay(): Display {
  return new TslabDisplay(newDisplayId());
}

export const display: Display = new TslabDisplay();

export const versions = {
  tslab: "1.0.22 (tsfine compatibility)",
  typescript: (() => {
    try {
      return (require("typescript") as { version: string }).version;
    } catch {
      return "unknown";
    }
  })(),
  node: process.version,
};
