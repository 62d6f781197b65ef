/**
 * CUDA 12 for the gpu variant comes from PyPI's nvidia-*-cu12 wheels, unpacked as they sit in
 * site-packages (deps/nvidia/<library>/lib beside deps/lib/libtensorflow_cc.so.2). TensorFlow's
 * loader does not look for every library in that layout (cusolver, curand and nvrtc are missed),
 * so the binding itself names them: an rpath per library folder and a `-l:` entry per library,
 * linked with --no-as-needed, makes the dynamic loader open them before TensorFlow asks.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The libraries the binding loads first, by file-name stem, in dependency order. */
export const CUDA_PRELOADS = [
  "libcudart",
  "libnvJitLink",
  "libcublasLt",
  "libcublas",
  "libcufft",
  "libcusparse",
  "libcusolver",
  "libcurand",
  "libnvrtc",
  "libcudnn",
];

/** The wheels' members worth unpacking: their shared libraries, nothing else. */
export function cudaMembers(listing: string[]): string[] {
  return listing.filter((member) => /^nvidia\/[^/]+\/lib\/[^/]+\.so(\.\d+)*$/.test(member));
}

export interface CudaLibrary {
  /** Folder under deps/ (nvidia/cusolver/lib). */
  folder: string;
  /** File name with its major version (libcusolver.so.11), what the loader matches by SONAME. */
  file: string;
}

/** Finds each preload under `depsDir/nvidia/<x>/lib`; a library missing from the wheels is skipped. */
export function findPreloads(depsDir: string): CudaLibrary[] {
  const nvidia = path.join(depsDir, "nvidia");
  if (!fs.existsSync(nvidia)) return [];
  const files: CudaLibrary[] = [];
  for (const library of fs.readdirSync(nvidia)) {
    const lib = path.join(nvidia, library, "lib");
    if (!fs.existsSync(lib)) continue;
    for (const file of fs.readdirSync(lib)) files.push({ folder: path.join("nvidia", library, "lib"), file });
  }
  return CUDA_PRELOADS.flatMap((stem) => {
    // libcublas.so.12, not libcublasLt.so.12: the stem must be followed by ".so.<major>".
    const matches = files.filter((entry) => new RegExp(`^${stem}\\.so\\.\\d+$`).test(entry.file));
    return matches.slice(0, 1);
  });
}

/**
 * Linker flags for the binding: rpaths relative to the binding ($ORIGIN is lib/napi-vN, so
 * ../../deps is the package's deps/), and the preloads by exact file name. `\$$` survives both
 * make and the shell that gyp's Makefile runs the linker from.
 */
export function preloadLinkerFlags(depsDir: string, preloads: CudaLibrary[]): string[] {
  const folders = [...new Set(preloads.map((entry) => entry.folder))];
  const flags: string[] = [];
  for (const folder of folders) {
    flags.push(`-Wl,-rpath,\\$$ORIGIN/../../deps/${folder}`, `-L${path.join(depsDir, folder)}`, `-Wl,-rpath-link,${path.join(depsDir, folder)}`);
  }
  flags.push("-Wl,--no-as-needed", ...preloads.map((entry) => `-l:${entry.file}`));
  return flags;
}
