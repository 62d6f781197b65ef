/**
 * tl.backend: choose, describe and switch TensorFlow.js backends.
 *
 *   await tl.backend.init()          // fastest available; awaits tf.ready()
 *   tl.backend.describe()            // {name, reasons, hint} + toMimeBundle()
 *   await tl.backend.use("cpu")      // switch by name: gpu, webgpu, node, wasm, cpu
 *   tl.backend.installCommand("cpu") // the command that gets a faster backend
 *   await tl.backend.installBackend("cpu") // native TensorFlow from PyPI, into tsfine's cache
 */
import { describe } from "./describe";
import { installBackend, installCommand, uninstallBackend } from "./install";
import { init, use } from "./select";

export const backend = { init, describe, use, installCommand, installBackend, uninstallBackend };

export { describe, init, use, installBackend, installCommand, uninstallBackend };
export type { BackendDescription } from "./describe";
export type { BackendAttempt } from "./state";
export type { InstallKind } from "./install";
export type { InitOptions } from "./select";
