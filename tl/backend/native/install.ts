/**
 * `tsfine backend install cpu|gpu` and `uninstall`: the native backend from PyPI's TensorFlow.
 *
 * Steps: check what is missing → pip download the wheel(s) → unpack the libraries and C API
 * headers → npm pack tfjs-node → node-gyp builds its binding against them → npm installs its
 * runtime dependencies → rename into place. Everything happens in a folder beside the final one
 * and is renamed at the end, so an interrupted install leaves no half-made backend (the next run
 * removes the leftover folder); a finished one makes the next run a no-op that says so.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { tf } from "../tf";
import { BINDING_REVISION, patchBindingSource } from "./binding-patch";
import { buildBinding, fetchNpmPackage, installRuntimeDependencies } from "./build";
import { cudaMembers, findPreloads, preloadLinkerFlags } from "./cuda";
import { missingSentence, preflight } from "./preflight";
import {
  backendsDir,
  downloadsDir,
  installDir,
  InstallManifest,
  manifestPath,
  NativeVariant,
  packageDir,
  readManifest,
  TENSORFLOW_VERSION,
  VARIANTS,
} from "./variants";
import { downloadWheels, extraRequirements, listWheel, unpackWheel, Wheel, wheelMetadata } from "./wheels";

/** The N-API version the binding is built for: 8 is in every Node tsfine supports. */
const NAPI_VERSION = 8;

export interface InstallOptions {
  /** Where progress lines go (default: stdout). */
  say?: (line: string) => void;
}

export interface InstallResult {
  /** False when it was already installed and nothing was done. */
  changed: boolean;
  dir: string;
  manifest: InstallManifest;
}

/** Members of the TensorFlow wheel the binding needs: two libraries and the C API headers. */
const TENSORFLOW_MEMBERS = [
  "tensorflow/libtensorflow_cc.so.2",
  "tensorflow/libtensorflow_framework.so.2",
  "tensorflow/include/tensorflow/c/",
  "tensorflow/include/tensorflow/core/platform/",
  "tensorflow/include/tsl/platform/",
  "tensorflow/include/xla/tsl/",
];

function megabytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

function folderBytes(folder: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) total += folderBytes(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

/** The install matches what this tsfine needs: same TensorFlow, same tfjs, same binding revision, binding present. */
export function installedMatches(variant: NativeVariant, manifest = readManifest(variant)): boolean {
  return (
    manifest !== undefined &&
    manifest.tensorflow === TENSORFLOW_VERSION &&
    manifest.tfjsNode === tf.version.tfjs &&
    (manifest.bindingRevision ?? 1) === BINDING_REVISION &&
    fs.existsSync(path.join(packageDir(variant), "lib", `napi-v${manifest.napi}`, "tfjs_binding.node"))
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes staging folders left by installs that were interrupted (their process is gone). */
function removeLeftovers(variant: NativeVariant, say: (line: string) => void): void {
  const dir = backendsDir();
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir)) {
    const match = new RegExp(`^\\.${variant}\\.(partial|old)-(\\d+)$`).exec(entry);
    if (!match || isRunning(Number(match[2]))) continue;
    say(`Removing ${entry}, left by an interrupted install.`);
    fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
}

/** The CUDA wheels tensorflow[and-cuda] asks for, read from the TensorFlow wheel's own METADATA. */
export function cudaRequirements(python: string, tensorflowWheel: string): string[] {
  const requirements = extraRequirements(wheelMetadata(python, tensorflowWheel), "and-cuda");
  if (requirements.length === 0) throw new Error(`${path.basename(tensorflowWheel)} declares no "and-cuda" extra; cannot tell which CUDA wheels it needs.`);
  return requirements;
}

export async function installNative(variant: NativeVariant, options: InstallOptions = {}): Promise<InstallResult> {
  const say = options.say ?? ((line: string) => process.stdout.write(`${line}\n`));
  const spec = VARIANTS[variant];
  const finalDir = installDir(variant);
  removeLeftovers(variant, say);
  const existing = readManifest(variant);
  if (existing && installedMatches(variant, existing)) {
    say(
      `The native ${variant} backend (TensorFlow ${existing.tensorflow}, tfjs-node ${existing.tfjsNode}) is already installed in ${finalDir}; nothing to do.`,
    );
    return { changed: false, dir: finalDir, manifest: existing };
  }

  const check = preflight(variant, backendsDir());
  const missing = missingSentence(variant, check);
  if (missing) throw new Error(missing);
  const python = check.python;
  const steps = variant === "gpu" ? 6 : 5;
  let step = 0;
  const started = Date.now();
  const stepLine = (text: string) => say(`[${++step}/${steps}] ${text}`);

  fs.mkdirSync(backendsDir(), { recursive: true });
  const staging = path.join(backendsDir(), `.${variant}.partial-${process.pid}`);
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging);
  try {
    const downloads = downloadsDir(variant);
    stepLine(`Downloading ${spec.wheel}==${TENSORFLOW_VERSION} with ${python} -m pip into ${downloads}`);
    const [tensorflowWheel] = await downloadWheels(python, [`${spec.wheel}==${TENSORFLOW_VERSION}`], downloads);
    say(`      ${tensorflowWheel.file} (${megabytes(tensorflowWheel.bytes)})`);
    const wheels: Wheel[] = [tensorflowWheel];

    if (spec.resolve) {
      const requirements = cudaRequirements(python, path.join(downloads, tensorflowWheel.file));
      stepLine(`Downloading the ${requirements.length} CUDA 12 wheels ${spec.resolve}==${TENSORFLOW_VERSION} asks for: ${requirements.join(" ")}`);
      const cuda = await downloadWheels(python, requirements, downloads);
      for (const wheel of cuda) say(`      ${wheel.file} (${megabytes(wheel.bytes)})`);
      wheels.push(...cuda);
    }

    const npmSpec = `${spec.npmPackage}@${tf.version.tfjs}`;
    stepLine(`Fetching ${npmSpec}'s sources with npm pack, and patching its binding (list-valued string and type attributes, for TensorFlow's fused ops)`);
    const work = path.join(staging, "work");
    fs.mkdirSync(work);
    const source = await fetchNpmPackage(npmSpec, work);
    const bindingSource = path.join(source, "binding", "tfjs_backend.cc");
    fs.writeFileSync(bindingSource, patchBindingSource(fs.readFileSync(bindingSource, "utf8")));

    stepLine("Unpacking TensorFlow's libraries and C API headers" + (spec.resolve ? " and the CUDA libraries" : ""));
    const unpacked = path.join(work, "wheel");
    unpackWheel(python, path.join(downloads, tensorflowWheel.file), unpacked, TENSORFLOW_MEMBERS);
    const deps = path.join(source, "deps");
    fs.mkdirSync(path.join(deps, "lib"), { recursive: true });
    fs.renameSync(path.join(unpacked, "tensorflow", "include"), path.join(deps, "include"));
    for (const library of ["libtensorflow_cc.so.2", "libtensorflow_framework.so.2"]) {
      fs.renameSync(path.join(unpacked, "tensorflow", library), path.join(deps, "lib", library));
    }
    // binding.gyp links -ltensorflow -ltensorflow_framework; the recorded names are the sonames (.so.2).
    fs.symlinkSync("libtensorflow_cc.so.2", path.join(deps, "lib", "libtensorflow.so"));
    fs.symlinkSync("libtensorflow_framework.so.2", path.join(deps, "lib", "libtensorflow_framework.so"));
    for (const wheel of wheels.slice(1)) {
      const listing = cudaMembers(listWheel(python, path.join(downloads, wheel.file)));
      unpackWheel(python, path.join(downloads, wheel.file), deps, listing);
    }
    const preloads = spec.resolve ? findPreloads(deps) : [];
    say(`      ${megabytes(folderBytes(deps))} in deps/${preloads.length > 0 ? `; preloading ${preloads.map((entry) => entry.file).join(", ")}` : ""}`);

    const log = path.join(staging, "build.log");
    stepLine(`Building the binding with node-gyp (log: ${path.join(finalDir, "build.log")})`);
    await buildBinding({ packageDir: source, napi: NAPI_VERSION, ldflags: preloads.length > 0 ? preloadLinkerFlags(deps, preloads) : undefined, log });
    // Only the built binding and the libraries are needed from here on.
    for (const leftover of ["build", path.join("deps", "include")]) fs.rmSync(path.join(source, leftover), { recursive: true, force: true });
    fs.rmSync(path.join(deps, "lib", "libtensorflow.so"));
    fs.rmSync(path.join(deps, "lib", "libtensorflow_framework.so"));

    stepLine("Installing tfjs-node's runtime dependencies with npm (not @tensorflow/tfjs: tsfine's own copy is used)");
    await installRuntimeDependencies(source, staging, log);
    const target = packageDir(variant, staging);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(source, target);
    fs.rmSync(work, { recursive: true, force: true });

    const manifest: InstallManifest = {
      variant,
      tensorflow: TENSORFLOW_VERSION,
      tfjsNode: tf.version.tfjs,
      npmPackage: spec.npmPackage,
      napi: NAPI_VERSION,
      bindingRevision: BINDING_REVISION,
      wheels: wheels.map((wheel) => ({ ...wheel })),
      preloads: preloads.map((entry) => entry.file),
      installedAt: new Date().toISOString(),
      bytes: folderBytes(staging),
    };
    fs.writeFileSync(path.join(staging, path.basename(manifestPath(variant))), `${JSON.stringify(manifest, null, 2)}\n`);

    // Swap in atomically: an older install is renamed away first, then removed.
    const old = path.join(backendsDir(), `.${variant}.old-${process.pid}`);
    if (fs.existsSync(finalDir)) fs.renameSync(finalDir, old);
    fs.renameSync(staging, finalDir);
    fs.rmSync(old, { recursive: true, force: true });
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    say(
      `Installed the native ${variant} backend (TensorFlow ${TENSORFLOW_VERSION}, ${megabytes(manifest.bytes)}) in ${finalDir} in ${seconds} s; \`tl.backend.init()\` now picks it.`,
    );
    return { changed: true, dir: finalDir, manifest };
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

export interface UninstallResult {
  removed: boolean;
  bytes: number;
}

/** Removes the install and its downloaded wheels; says so when there was nothing to remove. */
export function uninstallNative(variant: NativeVariant, options: InstallOptions = {}): UninstallResult {
  const say = options.say ?? ((line: string) => process.stdout.write(`${line}\n`));
  removeLeftovers(variant, say);
  let bytes = 0;
  let removed = false;
  for (const folder of [installDir(variant), downloadsDir(variant)]) {
    if (!fs.existsSync(folder)) continue;
    bytes += folderBytes(folder);
    // Rename first so a half-removed folder is never mistaken for an install.
    const doomed = path.join(path.dirname(folder), `.${path.basename(folder)}.old-${process.pid}`);
    fs.renameSync(folder, doomed);
    fs.rmSync(doomed, { recursive: true, force: true });
    removed = true;
  }
  say(
    removed
      ? `Removed the native ${variant} backend and its wheels (${megabytes(bytes)}).`
      : `The native ${variant} backend is not installed; nothing to remove.`,
  );
  return { removed, bytes };
}
