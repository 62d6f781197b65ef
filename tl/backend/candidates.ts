/**
 * Each backend tsfine can run on, from fastest to slowest, with how to make it available.
 * `prepare()` loads the package (only if installed) so that its tf backend is registered, or
 * says why it cannot; it never switches the active backend.
 */
import { loadNative, unusableReason } from "./native/load";
import { hasNvidiaDriver } from "./native/preflight";
import { NativeVariant, TENSORFLOW_VERSION } from "./native/variants";
import { firstLine, optionalRequire, tf } from "./tf";
import { registerLeanGradients } from "../kernels";
import { registerNativeKernels } from "../kernels/native";
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
  /** Checked once the backend runs; a sentence when it must not be kept (the gpu build without a GPU). */
  verify?(): string | undefined;
  remedy: string;
}

/** The tensorflow backend is registered on tsfine's tf (not on another copy of tfjs-core). */
function registeredHere(source: string): Preparation | undefined {
  if (tf.findBackendFactory("tensorflow") != null) return undefined;
  return {
    ok: false,
    why: `${source} loaded but registered its backend on another copy of @tensorflow/tfjs-core (version mismatch with @tensorflow/tfjs ${tf.version.tfjs})`,
  };
}

/**
 * The native backend built by `tsfine backend install cpu|gpu` (in the cache folder), else the
 * npm package if a person installed it into node_modules themselves.
 */
function prepareNative(variant: NativeVariant, packageName: string): Preparation {
  const cached = loadNative(variant);
  // tsfine's own build has the patched binding that can call TensorFlow's fused ops.
  if (cached.ok) return withTsfineKernels(registeredHere(`the native ${variant} backend`) ?? cached, { fusedOps: true });
  if (!/ is not installed/.test(cached.why)) return cached;
  const loaded = optionalRequire(packageName);
  if (!loaded.module) return { ok: false, why: loaded.why?.endsWith("is not installed") ? cached.why : (loaded.why ?? cached.why) };
  return withTsfineKernels(registeredHere(packageName) ?? { ok: true, why: `${packageName} loaded from node_modules` }, { fusedOps: false });
}

/**
 * A native backend that loaded gets tsfine's single-op kernels and the lean gradients without
 * the Step masks (tl/kernels): MobileNet-like step, TensorFlow 2.21, 1.39 → 1.22 CPU s (1.58
 * with the Step masks).
 */
function withTsfineKernels(preparation: Preparation, options: { fusedOps: boolean }): Preparation {
  if (preparation.ok) {
    registerNativeKernels(options);
    registerLeanGradients({ stepMasks: false });
  }
  return preparation;
}

/** TensorFlow's version and device as the binding reports them, once the backend runs. */
export function nativeDevice(): { version: string; gpu: boolean } | undefined {
  if (tf.getBackend() !== "tensorflow") return undefined;
  const backend = tf.backend() as unknown as { binding?: { TF_Version?: string }; isUsingGpuDevice?: boolean };
  if (!backend.binding) return undefined;
  return { version: String(backend.binding.TF_Version), gpu: backend.isUsingGpuDevice === true };
}

export const candidates: Candidate[] = [
  {
    id: "tfjs-node-gpu",
    backendName: "tensorflow",
    async prepare() {
      // TSFINE_GPU_WITHOUT_DRIVER=1 loads it anyway, to check a build where no GPU is.
      if (!hasNvidiaDriver() && process.env.TSFINE_GPU_WITHOUT_DRIVER !== "1") {
        const installed = unusableReason("gpu") === undefined;
        return {
          ok: false,
          why: installed
            ? "the native gpu backend is installed but this machine has no NVIDIA driver (/proc/driver/nvidia/version is missing), so it was not loaded"
            : "the native gpu backend is not installed, and this machine has no NVIDIA driver",
        };
      }
      return prepareNative("gpu", "@tensorflow/tfjs-node-gpu");
    },
    verify() {
      const device = nativeDevice();
      if (device && !device.gpu) {
        return `TensorFlow ${device.version}'s GPU build loaded but found no usable GPU device (see TensorFlow's log above), so its CPU kernels run instead`;
      }
      return undefined;
    },
    remedy: `the native gpu backend (TensorFlow ${TENSORFLOW_VERSION} with CUDA 12 from PyPI's wheels, about 5 GB) needs an NVIDIA GPU and driver: \`tsfine backend install gpu\``,
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
      const device = tf.findBackendFactory("tensorflow") != null ? nativeDevice() : undefined;
      if (tf.findBackendFactory("tensorflow") != null) {
        // Only one TensorFlow library can live in a process: the GPU build's CPU kernels serve.
        return { ok: true, why: `TensorFlow${device ? ` ${device.version}` : ""}'s GPU build is already loaded in this process; its CPU kernels run` };
      }
      return prepareNative("cpu", "@tensorflow/tfjs-node");
    },
    remedy: `the native cpu backend (TensorFlow ${TENSORFLOW_VERSION} from PyPI's tensorflow-cpu wheel, multi-threaded, about 2× wasm's training speed; about 1 GB) is built by \`tsfine backend install cpu\``,
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
