/**
 * `tsfine backend`: which TensorFlow.js backend a notebook gets and why;
 * `tsfine backend install gpu|cpu|webgpu` opts in to a faster native one (runs npm for you).
 * Native packages download libtensorflow when installed, so this never happens by surprise.
 */
import type { InstallKind } from "../../tl/backend/install";
import { UsageError } from "./args";

const KINDS: InstallKind[] = ["gpu", "cpu", "webgpu"];

export async function run(args: string[]): Promise<number> {
  const { backend } = require("../../tl/backend") as typeof import("../../tl/backend");
  const [action, kind] = args;
  if (action === undefined) {
    await backend.init();
    const description = backend.describe();
    process.stdout.write(`${description.toMimeBundle()["text/plain"]}\n`);
    return 0;
  }
  if (action !== "install" || !KINDS.includes(kind as InstallKind)) {
    throw new UsageError(`usage: tsfine backend [install ${KINDS.join("|")}]`);
  }
  process.stdout.write(`Running: ${backend.installCommand(kind as InstallKind)}\n`);
  await backend.installBackend(kind as InstallKind, process.cwd());
  return 0;
}
