/** What `%backend` shows: the active backend, why each faster one was not taken, and how to get it. */
import * as fs from "node:fs";
import { escapeHtml } from "../../display/html";
import { candidates, nativeDevice } from "./candidates";
import { BackendAttempt, selection } from "./state";
import { tf } from "./tf";
import { wasmFeatures } from "./wasm";

export interface BackendDescription {
  /** The active tf backend name (tensorflow, webgpu, wasm, cpu). */
  name: string;
  reasons: BackendAttempt[];
  /** What is missing for a faster backend, with the command that gets it; "" when none is faster. */
  hint: string;
  toMimeBundle(): { "text/plain": string; "text/html": string };
}

function activeCandidateIndex(): number {
  const winner = selection.attempts.find((attempt) => attempt.ok);
  const active = tf.getBackend();
  const byAttempt = candidates.findIndex((candidate) => candidate.id === winner?.backend && candidate.backendName === active);
  if (byAttempt >= 0) return byAttempt;
  return candidates.findIndex((candidate) => candidate.backendName === active);
}

/** A GPU backend can only help where there is a GPU: an NVIDIA driver, or a render node for WebGPU. */
function hardwareFor(candidateId: string): boolean {
  const nvidia = fs.existsSync("/proc/driver/nvidia/version");
  if (candidateId === "tfjs-node-gpu") return nvidia;
  if (candidateId === "webgpu") {
    const renderNodes = fs.existsSync("/dev/dri") && fs.readdirSync("/dev/dri").some((entry) => entry.startsWith("renderD"));
    return nvidia || renderNodes || process.platform === "darwin" || process.platform === "win32";
  }
  return true;
}

/** The first faster backend that is missing here and could run, as a sentence with its install command. */
function hintFor(activeIndex: number): string {
  if (!selection.initialised) return "Call `await tl.backend.init()` to pick the fastest available backend.";
  const faster = candidates.slice(0, Math.max(activeIndex, 0));
  const missing = faster.filter((candidate) => {
    const attempt = selection.attempts.find((entry) => entry.backend === candidate.id);
    return attempt !== undefined && !attempt.ok && / is not installed/.test(attempt.why) && hardwareFor(candidate.id);
  });
  return missing.length > 0 ? missing[0].remedy : "";
}

function detailFor(name: string): string {
  if (name === "wasm") return ` (${wasmFeatures()})`;
  const device = nativeDevice();
  if (device) return ` (TensorFlow ${device.version} on the ${device.gpu ? "GPU" : "CPU"})`;
  return "";
}

function plainText(description: Omit<BackendDescription, "toMimeBundle">): string {
  const lines = [`backend: ${description.name}${detailFor(description.name)}`];
  for (const reason of description.reasons) lines.push(`  ${reason.ok ? "✓" : "✗"} ${reason.backend}: ${reason.why}`);
  if (description.hint) lines.push(`faster: ${description.hint}`);
  return lines.join("\n");
}

function html(description: Omit<BackendDescription, "toMimeBundle">): string {
  const rows = description.reasons
    .map((reason) => `<tr><td>${reason.ok ? "✓" : "✗"}</td><td><code>${escapeHtml(reason.backend)}</code></td><td>${escapeHtml(reason.why)}</td></tr>`)
    .join("");
  const hint = description.hint ? `<p><b>Faster:</b> ${escapeHtml(description.hint).replace(/`([^`]+)`/g, "<code>$1</code>")}</p>` : "";
  return (
    `<div class="tsfine-backend"><p>Backend: <b>${escapeHtml(description.name)}</b>${escapeHtml(detailFor(description.name))}</p>` +
    `<table><thead><tr><th></th><th>backend</th><th>why</th></tr></thead><tbody>${rows}</tbody></table>${hint}</div>`
  );
}

export function describe(): BackendDescription {
  const name = tf.getBackend();
  const reasons = selection.attempts.map((attempt) => ({ ...attempt }));
  const hint = hintFor(activeCandidateIndex());
  const data = { name, reasons, hint };
  return {
    ...data,
    toMimeBundle: () => ({ "text/plain": plainText(data), "text/html": html(data) }),
  };
}
