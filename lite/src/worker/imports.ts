import * as tf from "@tensorflow/tfjs";
import { LIMITS } from "../limits";

/**
 * What `import` reaches in the browser kernel: the packages the kernel bundles. A page has no
 * node_modules and no notebook folder to resolve other names from.
 */
const bundled: Record<string, unknown> = {
  "@tensorflow/tfjs": tf,
  "@tensorflow/tfjs-core": tf,
  "@tensorflow/tfjs-layers": tf,
};

export async function importModule(specifier: string): Promise<unknown> {
  const module = bundled[specifier];
  if (module !== undefined) return module;
  if (specifier.startsWith(".") || specifier.startsWith("/")) throw new Error(`${LIMITS.folders} (import "${specifier}")`);
  throw new Error(`${LIMITS.imports} ("${specifier}" is not one of them; the Node kernel, tsfine install, imports any.)`);
}
