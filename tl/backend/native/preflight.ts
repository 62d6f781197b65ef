/**
 * What a native install needs before anything is downloaded: pip, a C++ compiler and make,
 * glibc ≥ 2.27 (the wheels are manylinux_2_27), free disk space, and for gpu an NVIDIA driver.
 * All of it is reported in one sentence so a person fixes everything in one go.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { NativeVariant, VARIANTS } from "./variants";

export interface Preflight {
  /** Each missing part in a few words; empty when the install can go ahead. */
  missing: string[];
  /** The python command whose pip downloads the wheels. */
  python: string;
  /** The C++ compiler node-gyp will use. */
  compiler?: string;
}

export function pythonCommand(): string {
  return process.env.TSFINE_PYTHON || "python3";
}

function runs(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: "ignore", timeout: 30_000 });
  return result.status === 0;
}

function glibcVersion(): string | undefined {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime;
}

export function glibcAtLeast(version: string | undefined, wanted: [number, number]): boolean {
  if (!version) return false;
  const [major, minor] = version.split(".").map(Number);
  return major > wanted[0] || (major === wanted[0] && minor >= wanted[1]);
}

/** Free bytes on the file system that holds `folder` (or its nearest existing parent). */
export function freeBytes(folder: string): number {
  let probe = folder;
  while (!fs.existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
  const stats = fs.statfsSync(probe);
  return stats.bavail * stats.bsize;
}

export function hasNvidiaDriver(): boolean {
  return fs.existsSync("/proc/driver/nvidia/version");
}

function gigabytes(bytes: number): string {
  return `${(bytes / 1e9).toFixed(1)} GB`;
}

export function preflight(variant: NativeVariant, cacheFolder: string): Preflight {
  const missing: string[] = [];
  if (process.platform !== "linux" || process.arch !== "x64") {
    missing.push(`Linux on x86-64 (this is ${process.platform} on ${process.arch}; PyPI's TensorFlow wheels with the C API are built for it only)`);
  }
  const python = pythonCommand();
  if (!runs(python, ["-m", "pip", "--version"])) missing.push(`pip (\`${python} -m pip --version\` failed)`);
  const compiler = [process.env.CXX, "c++", "g++", "clang++"].find((candidate) => candidate && runs(candidate, ["--version"]));
  if (!compiler) missing.push("a C++ compiler (c++, g++ or clang++)");
  if (!runs("make", ["--version"])) missing.push("make");
  const glibc = glibcVersion();
  if (process.platform === "linux" && !glibcAtLeast(glibc, [2, 27])) missing.push(`glibc 2.27 or newer (found ${glibc ?? "none"})`);
  const needed = VARIANTS[variant].diskBytes;
  const free = freeBytes(cacheFolder);
  if (free < needed) missing.push(`${gigabytes(needed)} of free disk space in ${cacheFolder} (${gigabytes(free)} free)`);
  // TSFINE_GPU_WITHOUT_DRIVER=1 builds the gpu variant where no GPU is (to check the build).
  if (variant === "gpu" && !hasNvidiaDriver() && process.env.TSFINE_GPU_WITHOUT_DRIVER !== "1") {
    missing.push("an NVIDIA driver (/proc/driver/nvidia/version is missing)");
  }
  return { missing, python, compiler };
}

/** The one sentence that says everything missing, or "" when nothing is. */
export function missingSentence(variant: NativeVariant, check: Preflight): string {
  if (check.missing.length === 0) return "";
  const list = check.missing.length === 1 ? check.missing[0] : `${check.missing.slice(0, -1).join(", ")} and ${check.missing[check.missing.length - 1]}`;
  return `Cannot install the native ${variant} backend: this machine lacks ${list}; add ${check.missing.length === 1 ? "it" : "them"} and run \`tsfine backend install ${variant}\` again.`;
}
