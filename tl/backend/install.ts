/**
 * Opt-in installation of the faster backends. Nothing here runs unless a person asks
 * (`tsfine backend install gpu`), because the native packages download libtensorflow.
 */
import { spawn } from "node:child_process";
import { tf } from "./tf";

export type InstallKind = "gpu" | "cpu" | "webgpu";

/** Versions that match the bundled @tensorflow/tfjs; the native ones need internet at install. */
export function installPackages(kind: InstallKind): string[] {
  const tfjsVersion = tf.version.tfjs;
  switch (kind) {
    case "gpu":
      return [`@tensorflow/tfjs-node-gpu@${tfjsVersion}`];
    case "cpu":
      return [`@tensorflow/tfjs-node@${tfjsVersion}`];
    case "webgpu":
      return ["webgpu@0.6.2"];
    default:
      throw new Error(`Unknown backend kind "${String(kind)}"; use gpu, cpu or webgpu.`);
  }
}

export function installCommand(kind: InstallKind): string {
  return `npm install --save ${installPackages(kind).join(" ")}`;
}

/** Runs npm in `cwd`, streaming its output; resolves when npm succeeds, rejects with its exit code. */
export function installBackend(kind: InstallKind, cwd: string = process.cwd()): Promise<void> {
  const args = ["install", "--save", ...installPackages(kind)];
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  return new Promise((resolve, reject) => {
    const child = spawn(npm, args, { cwd, stdio: "inherit" });
    child.on("error", (error) => reject(new Error(`Could not run npm (${error.message}); run \`${installCommand(kind)}\` yourself.`)));
    child.on("exit", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`\`${installCommand(kind)}\` failed with exit code ${code}; see npm's output above.`));
    });
  });
}
