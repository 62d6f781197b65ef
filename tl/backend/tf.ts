/**
 * The one tf instance everything in tsfine shares: the same module the kernel exposes as `tf`.
 * Native and GPU backends register themselves on whichever @tensorflow/tfjs-core they resolve,
 * so every backend module is loaded through Node's resolution from here.
 */
import * as tf from "@tensorflow/tfjs";

export { tf };

/** require() that returns undefined instead of throwing when the package is not installed. */
export function optionalRequire(packageName: string): { module?: unknown; why?: string } {
  try {
    return { module: require(packageName) };
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (err.code === "MODULE_NOT_FOUND" && String(err.message).includes(`'${packageName}'`)) {
      return { why: `${packageName} is not installed` };
    }
    return { why: `${packageName} failed to load: ${firstLine(err.message)}` };
  }
}

export function firstLine(text: unknown): string {
  return String(text ?? "")
    .split("\n")[0]
    .trim();
}
