import type { MagicsRuntime } from "../../../magics/runtime";

let runtime: MagicsRuntime | undefined;

/**
 * The runtime expanded magics call (`__magics`, magics/runtime.ts), loaded on first use. It
 * imports nothing heavy; typed by the module itself, so a rename there fails tsc here.
 */
export function magicsRuntime(): MagicsRuntime {
  runtime ??= (require("../../../magics/runtime") as typeof import("../../../magics/runtime")).magicsRuntime;
  return runtime;
}
