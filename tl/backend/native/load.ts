/**
 * Loads a native backend that `tsfine backend install` put in the cache folder. tfjs-node's
 * JavaScript asks for @tensorflow/tfjs; from the cache folder Node would find no copy, so those
 * requests (and @tensorflow/tfjs-core's) from files inside the install resolve from tsfine's own
 * location instead: the backend registers on the one tf that tsfine and the notebook share.
 */
import Module = require("node:module");
import * as fs from "node:fs";
import * as path from "node:path";
import { BINDING_REVISION } from "./binding-patch";
import { installedMatches } from "./install";
import { installDir, NativeVariant, readManifest, TENSORFLOW_VERSION } from "./variants";

type ResolveFilename = (request: string, parent: { filename?: string | null } | undefined, ...rest: unknown[]) => string;

const routedRoots = new Set<string>();

function routeTensorflowRequestsToTsfine(root: string): void {
  if (routedRoots.size === 0) {
    const loader = Module as unknown as { _resolveFilename: ResolveFilename };
    const original = loader._resolveFilename;
    loader._resolveFilename = function (request, parent, ...rest) {
      const from = parent?.filename;
      if (request.startsWith("@tensorflow/tfjs") && !request.startsWith("@tensorflow/tfjs-node") && from) {
        for (const routed of routedRoots) {
          if (from.startsWith(routed)) return original.call(this, request, module, ...rest);
        }
      }
      return original.call(this, request, parent, ...rest);
    };
  }
  routedRoots.add(fs.realpathSync(root) + path.sep);
}

export interface NativeLoad {
  ok: boolean;
  why: string;
}

/** Why the cached install cannot be used, or undefined when it can. */
export function unusableReason(variant: NativeVariant): string | undefined {
  const manifest = readManifest(variant);
  if (manifest === undefined) return `the native ${variant} backend is not installed (nothing in ${installDir(variant)})`;
  if (!installedMatches(variant, manifest)) {
    const revision = manifest.bindingRevision ?? 1;
    if (manifest.tensorflow === TENSORFLOW_VERSION && revision !== BINDING_REVISION) {
      return `the native ${variant} backend in ${installDir(variant)} has a binding built by an older tsfine (revision ${revision}; this one needs ${BINDING_REVISION}, which can call TensorFlow's fused ops); run \`tsfine backend install ${variant}\` again to rebuild it from the wheels already downloaded`;
    }
    return `the native ${variant} backend in ${installDir(variant)} was built for TensorFlow ${manifest.tensorflow} and tfjs ${manifest.tfjsNode}, not ${TENSORFLOW_VERSION} and this tsfine's tfjs; it is not installed for this version`;
  }
  return undefined;
}

/** Requires the installed tfjs-node, which registers the "tensorflow" backend on tsfine's tf. */
export function loadNative(variant: NativeVariant): NativeLoad {
  const reason = unusableReason(variant);
  if (reason) return { ok: false, why: reason };
  const manifest = readManifest(variant)!;
  if (variant === "gpu" && process.env.TF_FORCE_GPU_ALLOW_GROWTH === undefined) {
    // TensorFlow otherwise maps nearly all GPU memory at start, leaving none for other kernels.
    process.env.TF_FORCE_GPU_ALLOW_GROWTH = "true";
  }
  if (process.env.TF_CPU_ALLOCATOR_USE_BFC === undefined) {
    // TensorFlow's default CPU allocator returns each large tensor to the system and asks again
    // for the next one, so every op over a 224² batch pays fresh page faults: MobileNetV2's
    // forward pass spent as much CPU time in the kernel (sys) as in TensorFlow. The BFC allocator
    // keeps freed blocks for reuse (its pool grows to the largest working set and stays).
    process.env.TF_CPU_ALLOCATOR_USE_BFC = "true";
  }
  routeTensorflowRequestsToTsfine(installDir(variant));
  const packageRoot = path.join(installDir(variant), "node_modules", ...manifest.npmPackage.split("/"));
  try {
    require(packageRoot);
  } catch (error) {
    return { ok: false, why: `the native ${variant} backend in ${installDir(variant)} failed to load: ${String((error as Error).message).split("\n")[0]}` };
  }
  const build = variant === "gpu" ? "GPU build" : "CPU build";
  return { ok: true, why: `TensorFlow ${manifest.tensorflow} (${build} from PyPI) loaded from ${installDir(variant)}` };
}
