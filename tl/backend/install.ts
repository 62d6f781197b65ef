/**
 * Opt-in installation of the faster backends. Nothing here runs unless a person asks
 * (`tsfine backend install cpu`): the native ones download TensorFlow's wheels from PyPI and
 * build tfjs-node's binding against them (tl/backend/native/), WebGPU is an npm package.
 */
import { spawn } from "node:child_process";
import { installNative, InstallResult, uninstallNative, UninstallResult } from "./native/install";

export type InstallKind = "gpu" | "cpu" | "webgpu";

export const INSTALL_KINDS: InstallKind[] = ["cpu", "gpu", "webgpu"];

const WEBGPU_PACKAGE = "webgpu@0.6.2";

/** The command a person runs to get a backend of this kind. */
export function installCommand(kind: InstallKind): string {
  switch (kind) {
    case "gpu":
    case "cpu":
      return `npx tsfine backend install ${kind}`;
    case "webgpu":
      return `npm install --save ${WEBGPU_PACKAGE}`;
    default:
      throw new Error(`Unknown backend kind "${String(kind)}"; use cpu, gpu or webgpu.`);
  }
}

/** Installs a backend: native ones into tsfine's cache folder, WebGPU with npm in `cwd`. */
export async function installBackend(kind: InstallKind, cwd: string = process.cwd()): Promise<InstallResult | void> {
  if (kind === "cpu" || kind === "gpu") return installNative(kind);
  if (kind !== "webgpu") throw new Error(`Unknown backend kind "${String(kind)}"; use cpu, gpu or webgpu.`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  await new Promise<void>((resolve, reject) => {
    const child = spawn(npm, ["install", "--save", WEBGPU_PACKAGE], { cwd, stdio: "inherit" });
    child.on("error", (error) => reject(new Error(`Could not run npm (${error.message}); run \`${installCommand(kind)}\` yourself.`)));
    child.on("exit", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`\`${installCommand(kind)}\` failed with exit code ${code}; see npm's output above.`));
    });
  });
}

/** Removes a native backend (and its downloaded wheels) from tsfine's cache folder. */
export function uninstallBackend(kind: "cpu" | "gpu"): UninstallResult {
  if (kind !== "cpu" && kind !== "gpu") throw new Error(`Unknown native backend "${String(kind)}"; use cpu or gpu.`);
  return uninstallNative(kind);
}
