/**
 * Each backend tsfine can run on, from fastest to slowest, with how to make it available.
 * `prepare()` loads the package (only if installed) so that its tf backend is registered, or
 * says why it cannot; it never switches the active backend.
 */
import * as fs from "node:fs";
import { firstLine, optionalRequire, tf } from "./tf";
import { prepareWasm } from "./wasm";
import { prepareWebGpu } from "./webgpu";

export type CandidateId = "tfjs-node-gpu" | "webgpu" | "tfjs-node" | "wasm" | "cpu";

export interface Preparation {
  ok: boolean;
  why: string;
}

export interface Candidate {
  id: CandidateId;
  /** The name tf.setBackend knows it by. */
  backendName: string;
  prepare(options: { allowCpuAdapter: boolean }): Promise<Preparation>;
  /** What a person can do to get it when prepare() fails. */
  remedy: string;
}

function prepareNative(packageName: string, detail: string): Preparation {
  const loaded = optionalRequire(packageName);
  if (!loaded.module) return { ok: false, why: loaded.why ?? `${packageName} did not load` };
  if (tf.findBackendFactory("tensorflow") == null) {
    // The package registered on a different copy of @tensorflow/tfjs-core than ours.
    return {
      ok: false,
      why: `${packageName} loaded but registered its backend on another copy of @tensorflow/tfjs-core (version mismatch with @tensorflow/tfjs ${tf.version.tfjs})`,
    };
  }
  return { ok: true, why: `${packageName} loaded (${detail})` };
}

function hasNvidiaDriver(): boolean {
  return fs.existsSync("/proc/driver/nvidia/version");
}

export const candidates: Candidate[] = [
  {
    id: "tfjs-node-gpu",
    backendName: "tensorflow",
    async prepare() {
      const result = prepareNative("@tensorflow/tfjs-node-gpu", "libtensorflow 2.9.1 with CUDA");
      if (result.ok && !hasNvidiaDriver()) {
        result.why += "; no NVIDIA driver found, so TensorFlow will run its kernels on the CPU";
      }
      return result;
    },
    remedy:
      "@tensorflow/tfjs-node-gpu is not installed; it needs an NVIDIA GPU with CUDA 11.2 and cuDNN 8.1 (Linux x64): `tsfine backend install gpu`",
  },
  {
    id: "webgpu",
    backendName: "webgpu",
    prepare: prepareWebGpu,
    remedy:
      "WebGPU needs the `webgpu` package (Dawn, prebuilt for Linux/macOS/Windows; Vulkan, Metal or D3D12 driver for a real GPU): `tsfine backend install webgpu`",
  },
  {
    id: "tfjs-node",
    backendName: "tensorflow",
    async prepare() {
      if (tf.findBackendFactory("tensorflow") != null) {
        return { ok: false, why: "the tensorflow backend is already provided by @tensorflow/tfjs-node-gpu" };
      }
      return prepareNative("@tensorflow/tfjs-node", "libtensorflow 2.9.1, multi-threaded CPU");
    },
    remedy:
      "@tensorflow/tfjs-node is not installed; it downloads libtensorflow 2.9.1 at install (needs internet) and runs multi-threaded native CPU kernels: `tsfine backend install cpu`",
  },
  {
    id: "wasm",
    backendName: "wasm",
    prepare: prepareWasm,
    remedy: "@tensorflow/tfjs-backend-wasm is missing; reinstall tsfine's dependencies with `npm install`",
  },
  {
    id: "cpu",
    backendName: "cpu",
    async prepare() {
      return { ok: true, why: "pure JavaScript, always available (about 50× slower than wasm for training)" };
    },
    remedy: "",
  },
];

/** Accepts the user-facing names too: gpu, cuda, node, native, tensorflow. */
export function findCandidate(name: string): Candidate | undefined {
  const aliases: Record<string, CandidateId> = {
    gpu: "tfjs-node-gpu",
    cuda: "tfjs-node-gpu",
    "tfjs-node-gpu": "tfjs-node-gpu",
    "@tensorflow/tfjs-node-gpu": "tfjs-node-gpu",
    node: "tfjs-node",
    native: "tfjs-node",
    "tfjs-node": "tfjs-node",
    "@tensorflow/tfjs-node": "tfjs-node",
    tensorflow: tf.findBackendFactory("tensorflow") != null ? "tfjs-node" : "tfjs-node-gpu",
    webgpu: "webgpu",
    wasm: "wasm",
    cpu: "cpu",
  };
  const id = aliases[name.trim().toLowerCase()];
  return candidates.find((candidate) => candidate.id === id);
}

export function candidateNames(): string[] {
  return candidates.map((candidate) => candidate.id);
}

export { firstLine };
