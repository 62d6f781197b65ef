/** What `%backend` shows: the active backend, why each faster one was not taken, and how to get it. */
import * as fs from "node:fs";
import { BackendDescription, backendDescription } from "./description";
import { candidates, nativeDevice } from "./candidates";
import { selection } from "./state";
import { tf } from "./tf";
import { wasmFeatures } from "./wasm";

export type { BackendDescription } from "./description";

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

export function describe(): BackendDescription {
  const name = tf.getBackend();
  const reasons = selection.attempts.map((attempt) => ({ ...attempt }));
  return backendDescription(name, detailFor(name), reasons, hintFor(activeCandidateIndex()));
}
