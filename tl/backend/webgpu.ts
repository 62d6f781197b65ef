/**
 * WebGPU in Node through the `webgpu` npm package (Google's Dawn, prebuilt per platform).
 * Used only when that package is installed and the adapter is a real GPU: CPU adapters such as
 * Mesa's lavapipe/llvmpipe or SwiftShader work but train slower than wasm (~2 img/s measured),
 * so they are skipped unless WebGPU is asked for by name.
 */
import type { Preparation } from "./candidates";
import { registerLeanGradients } from "../kernels";
import { firstLine, optionalRequire, tf } from "./tf";

interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}

interface GpuAdapterLike {
  info?: AdapterInfo;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<AdapterInfo>;
}

interface WebGpuPackage {
  create(options: string[]): { requestAdapter(options?: object): Promise<GpuAdapterLike | null> };
  globals: Record<string, unknown>;
}

const cpuAdapterPattern = /llvmpipe|lavapipe|swiftshader|software|cpu/i;

export function describeAdapter(info: AdapterInfo | undefined): string {
  if (!info) return "unknown adapter";
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((part) => part && part.length > 0);
  return parts.length > 0 ? parts.join(" ") : "unnamed adapter";
}

export function isCpuAdapter(adapter: GpuAdapterLike, info: AdapterInfo | undefined): boolean {
  return adapter.isFallbackAdapter === true || cpuAdapterPattern.test(describeAdapter(info));
}

export async function prepareWebGpu(options: { allowCpuAdapter: boolean }): Promise<Preparation> {
  const dawn = optionalRequire("webgpu");
  if (!dawn.module) return { ok: false, why: dawn.why ?? "webgpu did not load" };
  const webgpu = dawn.module as WebGpuPackage;
  const globalScope = globalThis as unknown as { navigator?: { gpu?: unknown } };
  let gpu: ReturnType<WebGpuPackage["create"]>;
  try {
    Object.assign(globalThis, webgpu.globals);
    gpu = webgpu.create([]);
  } catch (error) {
    return { ok: false, why: `webgpu (Dawn) failed to start: ${firstLine((error as Error).message)}` };
  }
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" }).catch(() => null);
  if (!adapter) return { ok: false, why: "webgpu is installed but Dawn found no adapter (no Vulkan/Metal/D3D12 driver)" };
  const info = adapter.info ?? (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo().catch(() => undefined) : undefined);
  const name = describeAdapter(info);
  if (isCpuAdapter(adapter, info) && !options.allowCpuAdapter) {
    return { ok: false, why: `the only WebGPU adapter is a CPU driver (${name}), slower than wasm; ask for it with backend.use("webgpu")` };
  }
  // tfjs-backend-webgpu registers itself at import only when navigator.gpu exists.
  if (!globalScope.navigator) Object.defineProperty(globalThis, "navigator", { value: {}, configurable: true, writable: true });
  (globalScope.navigator as { gpu?: unknown }).gpu = gpu;
  const backendPackage = optionalRequire("@tensorflow/tfjs-backend-webgpu");
  if (!backendPackage.module) return { ok: false, why: backendPackage.why ?? "@tensorflow/tfjs-backend-webgpu did not load" };
  if (tf.findBackendFactory("webgpu") == null) {
    return {
      ok: false,
      why: "@tensorflow/tfjs-backend-webgpu was loaded before navigator.gpu existed, so it did not register; restart and let tl.backend load it",
    };
  }
  registerLeanGradients();
  return { ok: true, why: `WebGPU on ${name}` };
}
