/**
 * `%backend`'s display, shared by the Node kernel (describe.ts) and the browser kernel
 * (lite/src/worker/backend.ts): the backend that runs, why each one tried was or was not taken,
 * and what would get a faster one.
 */
import { escapeHtml } from "../../display/html";
import type { BackendAttempt } from "./state";

export interface BackendDescription {
  /** The active tf backend name (tensorflow, webgpu, webgl, wasm, cpu). */
  name: string;
  reasons: BackendAttempt[];
  /** What is missing for a faster backend, with the command that gets it; "" when none is faster. */
  hint: string;
  toMimeBundle(): { "text/plain": string; "text/html": string };
}

/** `detail` follows the name in both forms, e.g. " (TensorFlow 2.21.0 on the CPU)"; it may be "". */
export function backendDescription(name: string, detail: string, reasons: BackendAttempt[], hint: string): BackendDescription {
  const plainText = () => {
    const lines = [`backend: ${name}${detail}`];
    for (const reason of reasons) lines.push(`  ${reason.ok ? "✓" : "✗"} ${reason.backend}: ${reason.why}`);
    if (hint) lines.push(`faster: ${hint}`);
    return lines.join("\n");
  };
  const html = () => {
    const rows = reasons
      .map((reason) => `<tr><td>${reason.ok ? "✓" : "✗"}</td><td><code>${escapeHtml(reason.backend)}</code></td><td>${escapeHtml(reason.why)}</td></tr>`)
      .join("");
    const hintHtml = hint ? `<p><b>Faster:</b> ${escapeHtml(hint).replace(/`([^`]+)`/g, "<code>$1</code>")}</p>` : "";
    return (
      `<div class="tsfine-backend"><p>Backend: <b>${escapeHtml(name)}</b>${escapeHtml(detail)}</p>` +
      `<table><thead><tr><th></th><th>backend</th><th>why</th></tr></thead><tbody>${rows}</tbody></table>${hintHtml}</div>`
    );
  };
  return { name, reasons, hint, toMimeBundle: () => ({ "text/plain": plainText(), "text/html": html() }) };
}
