/**
 * `tsfine backend`: which TensorFlow.js backend a notebook gets and why;
 * `tsfine backend install keras` makes the keras engine's Python environment (tl/engine/keras);
 * `tsfine backend install cpu|gpu` builds native TensorFlow from PyPI's wheels into tsfine's
 * cache folder, `install webgpu` runs npm, `uninstall cpu|gpu` removes a native one.
 * Nothing is downloaded unless a person asks.
 */
import type { InstallKind } from "../../tl/backend/install";
import { UsageError } from "./args";

const KINDS: InstallKind[] = ["cpu", "gpu", "webgpu"];
const USAGE = `usage: tsfine backend [install ${KINDS.join("|")} | install keras [--with tensorflow|jax|torch] | uninstall cpu|gpu]`;

export async function run(args: string[]): Promise<number> {
  const { backend } = require("../../tl/backend") as typeof import("../../tl/backend");
  const [action, kind, ...rest] = args;
  if (action === undefined) {
    await backend.init();
    const description = backend.describe();
    process.stdout.write(`${description.toMimeBundle()["text/plain"]}\n`);
    return 0;
  }
  if (action === "install" && kind === "keras") return installKerasEngine(rest);
  if (rest.length > 0) throw new UsageError(USAGE);
  if (action === "install" && KINDS.includes(kind as InstallKind)) {
    if (kind === "webgpu") process.stdout.write(`Running: ${backend.installCommand("webgpu")}\n`);
    await backend.installBackend(kind as InstallKind, process.cwd());
    return 0;
  }
  if (action === "uninstall" && (kind === "cpu" || kind === "gpu")) {
    backend.uninstallBackend(kind);
    return 0;
  }
  throw new UsageError(USAGE);
}

/** The keras engine's Python environment (tl/engine/keras/install.ts). */
async function installKerasEngine(args: string[]): Promise<number> {
  const { installKeras, parseInstallArgs } = require("../../tl/engine/keras/install") as typeof import("../../tl/engine/keras/install");
  let options;
  try {
    options = parseInstallArgs(args);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  await installKeras(options);
  return 0;
}
