/**
 * The globals every cell sees (tf, tl, display, plot, widgets, tsfine), each loaded on first use: a cell
 * that never names tf does not pay for loading tfjs, and the kernel answers its first request
 * before any of them loads. The modules are tsfine's own wings, required lazily by their relative
 * path and typed by the modules themselves (`typeof import(…)`), so a rename in tl/ or display/
 * fails tsc here.
 */
type Display = typeof import("../../../display");
type Tl = typeof import("../../../tl");
type TlKernelSeams = typeof import("../../../tl/kernel-seams");

let stopSignal: SharedArrayBuffer | undefined;
let seamsConnected: TlKernelSeams | undefined;

/** The buffer (shared with the main thread) that tl.fit publishes its state into, once tl is loaded. */
export function setTlStopSignal(buffer: SharedArrayBuffer | undefined): void {
  stopSignal = buffer;
}

/**
 * What the kernel uses of tl beyond its public API (tl/kernel-seams.ts), with fit's state
 * published into the shared buffer. Only called once tl is loaded: it loads tfjs.
 */
function tlSeams(): TlKernelSeams {
  if (!seamsConnected) {
    const seams = require("../../../tl/kernel-seams") as TlKernelSeams;
    if (stopSignal) seams.useStopSignal(stopSignal);
    seamsConnected = seams;
  }
  return seamsConnected;
}

let tlIndexFile: string | undefined;

/** Whether a cell (or the backend's start) already loaded tl; never loads it (that would load tfjs). */
function tlLoaded(): boolean {
  tlIndexFile ??= require.resolve("../../../tl");
  return require.cache[tlIndexFile] !== undefined;
}

let displayModule: Display | undefined;

export function loadDisplayModule(): Display {
  displayModule ??= require("../../../display") as Display;
  return displayModule;
}

export function loadTfjs(): typeof import("@tensorflow/tfjs") {
  return require("@tensorflow/tfjs");
}

export function loadTl(): Tl {
  const tl = require("../../../tl") as Tl;
  tlSeams();
  return tl;
}

/** Defines `name` on globalThis, computed on first use; assigning to it replaces it like any global. */
export function defineLazyGlobal(name: string, load: () => unknown): void {
  const replace = (value: unknown) => Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(globalThis, name, {
    configurable: true,
    enumerable: false,
    get() {
      const value = load();
      replace(value);
      return value;
    },
    set(value) {
      replace(value);
    },
  });
}

export function definePreloadedGlobals(tsfine: unknown): void {
  defineLazyGlobal("tf", loadTfjs);
  defineLazyGlobal("tl", loadTl);
  defineLazyGlobal("display", () => loadDisplayModule().display);
  defineLazyGlobal("plot", () => loadDisplayModule().plot);
  defineLazyGlobal("widgets", () => loadDisplayModule().widgets);
  Object.defineProperty(globalThis, "tsfine", { value: tsfine, writable: true, configurable: true, enumerable: false });
}

/** Starts tf's best backend through tl.backend.init(); resolves (never rejects) when done, reporting failures once. */
export async function initBackend(report: (text: string) => void): Promise<void> {
  try {
    await loadTl().backend.init();
  } catch (error) {
    report(`tf backend failed to start: ${(error as Error)?.message ?? String(error)}\n`);
  }
}

/**
 * Asks a running tl.fit to stop at its next batch boundary, where it restores the best weights
 * (checkpoint "best") instead of being cut off mid-update. tl.fit clears the flag when it starts,
 * so an interrupt of some other cell does not stop a later fit.
 */
export function requestTlStop(): void {
  // Only a tl that a cell already loaded can be fitting; loading tl (and tfjs) here would make
  // every interrupt pay for it, synchronously.
  if (tlLoaded()) tlSeams().requestStop();
}

/** Whether tl.fit is running (training or ending), on this thread or awaiting; false while tl is not loaded. */
export function tlFitActive(): boolean {
  return tlLoaded() && tlSeams().fitActivity().activity !== "idle";
}

/**
 * Before a cell: repairs what a termination that landed inside tl.fit's training step left behind
 * (tf's open scopes, half-updated weights, the best weights not restored); returns tl's sentence
 * saying so, or undefined.
 */
export function recoverInterruptedTlFit(): string | undefined {
  return tlLoaded() ? tlSeams().recoverInterruptedFit() : undefined;
}
