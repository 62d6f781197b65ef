/**
 * `tsfine backend install keras [--with tensorflow|jax|torch]`: a Python virtual environment in
 * tsfine's cache folder with pinned Keras 3 and one framework from PyPI, or a check of the
 * interpreter named by TSFINE_PYTHON. Nothing here runs unless a person asks: it downloads
 * hundreds of megabytes.
 *
 * Atomic: the environment is built in a hidden folder beside its final place and renamed into
 * place only once its imports work, so an interrupted install leaves nothing half-made (a later
 * install also clears what a killed one left). Idempotent: an environment whose marker lists
 * the same pins is left as it is.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { basePython, checkBasePython, clearAbandoned, freeMb, makeEnvironment } from "../../python-environment";
import { environmentDir, environmentPython, FRAMEWORKS, MARKER, readMarker, tsfineCache, type EnvironmentMarker, type Framework } from "./paths";

export const KERAS_PIN = "keras==3.15.1";

/** Pinned packages per framework; the GPU variants where an NVIDIA GPU is visible. */
export function frameworkPackages(framework: Framework, gpu: boolean): string[] {
  switch (framework) {
    case "tensorflow":
      return [gpu ? "tensorflow[and-cuda]==2.21.0" : "tensorflow-cpu==2.21.0"];
    case "jax":
      return [gpu ? "jax[cuda12]==0.10.2" : "jax==0.10.2"];
    case "torch":
      // PyPI's Linux torch wheel is the CUDA build (with its NVIDIA libraries) on every machine.
      return ["torch==2.15.0"];
  }
}

/** Disk the finished environment needs, in MB, with room for pip's unpacking. */
function diskNeededMb(framework: Framework, gpu: boolean): number {
  if (framework === "tensorflow") return gpu ? 8000 : 2000;
  if (framework === "jax") return gpu ? 5000 : 1000;
  return 7000;
}

/** An NVIDIA driver exposes its GPUs here; nvidia-smi is the fallback where /proc differs. */
export function nvidiaGpuVisible(): boolean {
  try {
    if (fs.readdirSync("/proc/driver/nvidia/gpus").length > 0) return true;
  } catch {
    // no driver folder
  }
  const smi = spawnSync("nvidia-smi", ["-L"], { encoding: "utf8", timeout: 10_000 });
  return smi.status === 0 && /GPU \d/.test(smi.stdout ?? "");
}

export function defaultFramework(gpu = nvidiaGpuVisible()): Framework {
  return gpu ? "jax" : "tensorflow";
}

export interface InstallOptions {
  framework?: Framework;
  /** Where progress goes (default stdout). */
  log?: (line: string) => void;
}

export interface InstallResult {
  python: string;
  framework: Framework;
  versions: Record<string, string>;
  /** Nothing was installed: the environment (or TSFINE_PYTHON) already had it. */
  already: boolean;
}

/** Python that prints {keras, framework versions} as JSON, or fails with the import error. */
function versionProbe(framework: Framework): string {
  return [
    "import json, importlib.metadata as m",
    "import keras",
    `import ${framework}`,
    `names = ['keras', '${framework === "tensorflow" ? "tensorflow-cpu', 'tensorflow" : framework}']`,
    "found = {}",
    "for n in names:",
    "    try: found[n] = m.version(n)",
    "    except Exception: pass",
    "print(json.dumps(found))",
  ].join("\n");
}

function probeVersions(python: string, framework: Framework): Record<string, string> | string {
  const run = spawnSync(python, ["-c", versionProbe(framework)], {
    encoding: "utf8",
    env: { ...process.env, KERAS_BACKEND: framework, TF_CPP_MIN_LOG_LEVEL: "3" },
    timeout: 300_000,
  });
  if (run.error) return run.error.message;
  if (run.status !== 0) {
    const lines = (run.stderr ?? "").trim().split("\n");
    return lines[lines.length - 1] || `exit code ${run.status}`;
  }
  const lines = run.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as Record<string, string>;
}

/** TSFINE_PYTHON: the person's own interpreter; checked, never changed. */
function checkOwnPython(python: string, framework: Framework | undefined): InstallResult {
  const candidates = framework ? [framework] : FRAMEWORKS;
  const reasons: string[] = [];
  for (const fw of candidates) {
    const found = probeVersions(python, fw);
    if (typeof found !== "string") {
      const keras = found.keras ?? "";
      if (!/^3\./.test(keras)) {
        throw new Error(
          `TSFINE_PYTHON (${python}) has keras ${keras || "(unknown version)"}; the keras engine needs Keras 3: run \`${python} -m pip install ${KERAS_PIN}\`.`,
        );
      }
      return { python, framework: fw, versions: found, already: true };
    }
    reasons.push(`${fw}: ${found}`);
  }
  throw new Error(
    `TSFINE_PYTHON (${python}) cannot import keras with ${candidates.join(", ")} (${reasons.join("; ")}); install them there, e.g. \`${python} -m pip install ${KERAS_PIN}\`, or unset TSFINE_PYTHON to let tsfine make its own environment.`,
  );
}

const PARTIAL = /^\.keras-(?:tensorflow|jax|torch)\.(?:partial|old)-(\d+)$/;

/** Removes the half-made environments of installs that were killed (their process is gone). */
export function clearAbandonedInstalls(cache = tsfineCache()): string[] {
  return clearAbandoned(cache, PARTIAL);
}

/**
 * Installs (or checks) the keras engine's Python. Throws one sentence when it cannot; the
 * cache is then as it was before.
 */
export async function installKeras(options: InstallOptions = {}): Promise<InstallResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const own = process.env.TSFINE_PYTHON;
  if (own) {
    const result = checkOwnPython(own, options.framework);
    log(`TSFINE_PYTHON (${own}) has keras ${result.versions.keras} with ${result.framework}; the keras engine will use it.`);
    return result;
  }
  const gpu = nvidiaGpuVisible();
  const framework = options.framework ?? defaultFramework(gpu);
  const packages = [KERAS_PIN, ...frameworkPackages(framework, gpu)];
  const finalDir = environmentDir(framework);
  const marker = readMarker(finalDir);
  if (marker && marker.packages.join(" ") === packages.join(" ")) {
    log(`Keras ${marker.versions.keras} with ${framework} is already installed in ${finalDir}.`);
    return { python: environmentPython(finalDir), framework, versions: marker.versions, already: true };
  }
  const python = basePython();
  checkBasePython(python, 10, "Keras 3");
  const cache = tsfineCache();
  clearAbandonedInstalls(cache);
  const needed = diskNeededMb(framework, gpu);
  const free = freeMb(cache);
  if (free < needed) {
    throw new Error(
      `Installing Keras with ${framework} needs about ${(needed / 1024).toFixed(1)} GB free in ${cache}; ${(free / 1024).toFixed(1)} GB are: free some space (or point XDG_CACHE_HOME elsewhere) and run this again.`,
    );
  }
  log(`Making a Python environment for Keras with ${framework} (${packages.join(", ")}) in ${finalDir}`);
  const versions = await makeEnvironment({
    cache,
    name: path.basename(finalDir),
    python,
    pipInstalls: [packages],
    what: packages.join(" "),
    check: (made) => {
      const found = probeVersions(made, framework);
      if (typeof found === "string") throw new Error(`The new environment cannot import keras with ${framework} (${found}).`);
      return found;
    },
    marker: (found) => {
      const written: EnvironmentMarker = { framework, packages, versions: found };
      return { file: MARKER, content: `${JSON.stringify(written, null, 2)}\n` };
    },
  });
  log(`Installed Keras ${versions.keras} with ${framework} in ${finalDir}.`);
  return { python: environmentPython(finalDir), framework, versions, already: false };
}

/** The command's arguments after `install keras`: `[--with tensorflow|jax|torch]`. */
export function parseInstallArgs(args: string[]): InstallOptions {
  if (args.length === 0) return {};
  const [flag, value] = args[0].startsWith("--with=") ? ["--with", args[0].slice(7)] : args;
  if (flag !== "--with" || args.length > (args[0].startsWith("--with=") ? 1 : 2) || !FRAMEWORKS.includes(value as Framework)) {
    throw new Error(`usage: tsfine backend install keras [--with ${FRAMEWORKS.join("|")}]`);
  }
  return { framework: value as Framework };
}
