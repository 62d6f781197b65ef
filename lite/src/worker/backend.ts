/**
 * The browser kernel's TensorFlow.js backend: WebGPU, then WebGL (a worker reaches either through
 * navigator.gpu or an OffscreenCanvas), then wasm with tl's training kernels (stock wasm cannot
 * train conv layers), then tfjs's plain JavaScript one. Each try is recorded with the reason it was
 * or was not taken, and `tl.backend` in the worker (`%backend`, `%backend NAME`) is this module:
 * tl's own selects among Node's packages, which a page does not have.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-webgpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { BackendDescription, backendDescription } from "../../../tl/backend/description";
import type { BackendAttempt } from "../../../tl/backend/state";
import { registerWasmTrainingKernels } from "../../../tl/kernels";

interface Candidate {
  name: "webgpu" | "webgl" | "wasm" | "cpu";
  /** Whether this browser offers it, and what it is (or why not), before tf switches to it. */
  prepare(): Promise<{ ok: boolean; why: string }>;
}

/** The site's URL for the kernel's static files, where the wasm binaries are (set once, at start). */
let wasmPrefix: string | undefined;
const attempts: BackendAttempt[] = [];

interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}

interface GpuLike {
  requestAdapter(options?: object): Promise<{ info?: GpuAdapterInfo; isFallbackAdapter?: boolean } | null>;
}

function adapterName(info: GpuAdapterInfo | undefined): string {
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description].filter((part) => part);
  return parts.length > 0 ? parts.join(" ") : "an unnamed adapter";
}

function webglVersion(): number {
  if (typeof OffscreenCanvas === "undefined") return 0;
  const canvas = new OffscreenCanvas(1, 1);
  if (canvas.getContext("webgl2")) return 2;
  return new OffscreenCanvas(1, 1).getContext("webgl") ? 1 : 0;
}

const candidates: Candidate[] = [
  {
    name: "webgpu",
    async prepare() {
      const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
      if (!gpu) return { ok: false, why: "this browser has no WebGPU (navigator.gpu is missing in the worker)" };
      const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" }).catch(() => null);
      if (!adapter) return { ok: false, why: "the browser has WebGPU but found no adapter for it (no GPU it supports, or WebGPU is switched off)" };
      return { ok: true, why: `WebGPU on ${adapterName(adapter.info)}${adapter.isFallbackAdapter ? " (a software fallback adapter)" : ""}` };
    },
  },
  {
    name: "webgl",
    async prepare() {
      const version = webglVersion();
      if (version === 0) return { ok: false, why: "the worker cannot make a WebGL context (WebGL is switched off or missing in this browser)" };
      return { ok: true, why: `WebGL ${version} in the worker through an OffscreenCanvas` };
    },
  },
  {
    name: "wasm",
    async prepare() {
      if (typeof WebAssembly === "undefined") return { ok: false, why: "this browser has no WebAssembly" };
      if (wasmPrefix) setWasmPaths(wasmPrefix);
      // One thread: the threaded binary needs its own workers from blob URLs, and a worker the kernel replaces on interrupt would leave them running.
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
      const added = registerWasmTrainingKernels();
      return { ok: true, why: `WebAssembly, one thread; ${added.join(", ")} registered by tsfine (stock wasm cannot train conv layers)` };
    },
  },
  {
    name: "cpu",
    async prepare() {
      return { ok: true, why: "plain JavaScript, always available (far slower than the others for training)" };
    },
  },
];

function record(attempt: BackendAttempt): void {
  const index = attempts.findIndex((entry) => entry.backend === attempt.backend);
  if (index >= 0) attempts[index] = attempt;
  else attempts.push(attempt);
}

async function activate(candidate: Candidate): Promise<{ ok: boolean; why: string }> {
  const prepared = await candidate.prepare().catch((error: Error) => ({ ok: false, why: firstLine(error.message) }));
  if (!prepared.ok) return prepared;
  try {
    // setBackend resolves false (and warns) when the backend's factory throws.
    if (!(await tf.setBackend(candidate.name))) return { ok: false, why: `${prepared.why}, but it failed to start` };
    await tf.ready();
    return prepared;
  } catch (error) {
    return { ok: false, why: `${prepared.why}, but it failed to start: ${firstLine((error as Error).message)}` };
  }
}

function firstLine(text: string): string {
  return text.split("\n")[0].trim();
}

/** Picks the first backend that starts, in the order above; `assetsUrl` is where the site keeps the wasm binaries. */
export async function selectBackend(assetsUrl: string): Promise<string> {
  wasmPrefix = assetsUrl;
  attempts.length = 0;
  for (const candidate of candidates) {
    const result = await activate(candidate);
    record({ backend: candidate.name, ...result });
    if (result.ok) return candidate.name;
  }
  return tf.getBackend();
}

function findCandidate(name: string): Candidate | undefined {
  const wanted = name.trim().toLowerCase();
  return candidates.find((candidate) => candidate.name === wanted || (wanted === "gpu" && candidate.name === "webgpu"));
}

const NAMES = candidates.map((candidate) => candidate.name).join(", ");

/** tl.backend.use in the browser: switches to a named backend, or says in one sentence why it cannot. */
async function use(name: string): Promise<string> {
  const candidate = findCandidate(String(name));
  if (!candidate) throw new Error(`Unknown backend "${name}" in the browser kernel; choose one of ${NAMES}.`);
  const result = await activate(candidate);
  record({ backend: candidate.name, ...result });
  if (!result.ok) throw new Error(`Cannot switch to ${candidate.name}: ${result.why}.`);
  return tf.getBackend();
}

async function init(preferred?: string): Promise<string> {
  return preferred === undefined ? tf.getBackend() : use(preferred);
}

/** What `%backend` shows: the backend that runs, and why each one before it was not taken. */
function describe(): BackendDescription {
  const reasons = attempts.map((attempt) => ({ ...attempt }));
  return backendDescription(tf.getBackend(), " (in the browser, tried in the order webgpu, webgl, wasm, cpu)", reasons, "");
}

const cannotInstall = () => {
  throw new Error(
    "The browser kernel cannot install backends: a page has the ones it bundles (webgpu, webgl, wasm, cpu); use the Node kernel for native TensorFlow.",
  );
};

/** `tl.backend` as cells in the browser see it. */
export const browserBackend = {
  init,
  use,
  describe,
  installCommand: cannotInstall,
  installBackend: cannotInstall,
  uninstallBackend: cannotInstall,
};
