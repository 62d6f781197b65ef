/**
 * The two native backends tsfine builds from PyPI's TensorFlow wheels, and where each lives.
 * Everything sits in tsfine's cache folder (not node_modules, which `npm ci` wipes):
 *
 *   $XDG_CACHE_HOME/tsfine/backends/cpu/                 one finished install per variant
 *     tsfine-backend.json                                what was built, from which wheels
 *     node_modules/@tensorflow/tfjs-node/                the package with its binding built here
 *       lib/napi-v8/tfjs_binding.node                    (RUNPATH $ORIGIN/../../deps/lib)
 *       deps/lib/libtensorflow_cc.so.2, libtensorflow_framework.so.2
 *       deps/nvidia/<library>/lib/*.so.*                 gpu only: CUDA 12 from nvidia-*-cu12 wheels
 *     node_modules/<tfjs-node's runtime dependencies>    (@tensorflow/tfjs is tsfine's own copy)
 *   $XDG_CACHE_HOME/tsfine/downloads/                    the wheels, so a reinstall needs no network
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheRoot } from "../../cache-root";

export type NativeVariant = "cpu" | "gpu";

export const NATIVE_VARIANTS: NativeVariant[] = ["cpu", "gpu"];

/** The TensorFlow release whose C API tfjs-node 4.22's binding is built against. */
export const TENSORFLOW_VERSION = "2.21.0";

export interface VariantSpec {
  variant: NativeVariant;
  /** The PyPI project whose wheel carries libtensorflow_cc.so.2 and the C API headers. */
  wheel: string;
  /** What pip resolves to find the CUDA wheels (gpu only). */
  resolve?: string;
  /** The npm package whose sources and JavaScript are used (the binding is the same C++). */
  npmPackage: string;
  /** Free disk space the install needs while it builds, in bytes. */
  diskBytes: number;
}

export const VARIANTS: Record<NativeVariant, VariantSpec> = {
  cpu: {
    variant: "cpu",
    wheel: "tensorflow-cpu",
    npmPackage: "@tensorflow/tfjs-node",
    // 274 MB wheel kept in downloads/, 820 MB of libraries, a little for the build.
    diskBytes: 1.3e9,
  },
  gpu: {
    variant: "gpu",
    wheel: "tensorflow",
    resolve: "tensorflow[and-cuda]",
    npmPackage: "@tensorflow/tfjs-node-gpu",
    // ~3 GB of wheels kept in downloads/, ~5 GB unpacked.
    diskBytes: 9e9,
  },
};

export function backendsDir(): string {
  return path.join(cacheRoot(), "backends");
}

export function installDir(variant: NativeVariant): string {
  return path.join(backendsDir(), variant);
}

export function downloadsDir(variant: NativeVariant): string {
  return path.join(cacheRoot(), "downloads", `tensorflow-${TENSORFLOW_VERSION}-${variant}`);
}

export function manifestPath(variant: NativeVariant): string {
  return path.join(installDir(variant), "tsfine-backend.json");
}

/** What tsfine-backend.json records about a finished install. */
export interface InstallManifest {
  variant: NativeVariant;
  tensorflow: string;
  /** The tfjs-node version whose binding was built; it must match the bundled @tensorflow/tfjs. */
  tfjsNode: string;
  npmPackage: string;
  /** N-API version the binding was built for. */
  napi: number;
  /** Which of tsfine's binding builds this is (binding-patch.ts); absent in installs made before the patch (revision 1). */
  bindingRevision?: number;
  wheels: { name: string; version: string; file: string; bytes: number }[];
  /** Shared libraries the binding loads first (gpu: the CUDA libraries TF does not look for). */
  preloads: string[];
  installedAt: string;
  bytes: number;
}

export function readManifest(variant: NativeVariant): InstallManifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(manifestPath(variant), "utf8")) as InstallManifest;
  } catch {
    return undefined;
  }
}

export function packageDir(variant: NativeVariant, root = installDir(variant)): string {
  return path.join(root, "node_modules", ...VARIANTS[variant].npmPackage.split("/"));
}

export function bindingFile(variant: NativeVariant, root = installDir(variant), napi = 8): string {
  return path.join(packageDir(variant, root), "lib", `napi-v${napi}`, "tfjs_binding.node");
}
