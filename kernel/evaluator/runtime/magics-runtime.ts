import type { MagicsRuntime } from "../../../magics/runtime";

let runtime: MagicsRuntime | undefined;
const setups: ((runtime: MagicsRuntime) => void)[] = [];

/**
 * The runtime expanded magics call (`__magics`, magics/runtime.ts), loaded on first use (a cell
 * without magics never loads it: it costs the worker's start tens of milliseconds). Typed by the
 * module itself, so a rename there fails tsc here.
 */
export function magicsRuntime(): MagicsRuntime {
  if (!runtime) {
    runtime = (require("../../../magics/runtime") as typeof import("../../../magics/runtime")).magicsRuntime;
    for (const setup of setups.splice(0)) setup(runtime);
  }
  return runtime;
}

/** Runs `setup` on the magics runtime once it is loaded (at once if it is), without loading it. */
export function whenMagicsRuntimeLoads(setup: (runtime: MagicsRuntime) => void): void {
  if (runtime) setup(runtime);
  else setups.push(setup);
}

/** The magics runtime when a cell has loaded it; never loads it. */
export function loadedMagicsRuntime(): MagicsRuntime | undefined {
  return runtime;
}
