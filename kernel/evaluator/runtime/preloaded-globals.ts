import * as path from "node:path";
import { requireBuilt, tsfineRoot } from "../tsfine-root";

/** dist/display as far as the runtime needs it; every member is optional so a half-built display/ still works. */
export interface DisplayModule {
  display?: unknown;
  plot?: unknown;
  setDisplaySink?(sink: { display(event: unknown): void; clearOutput(wait: boolean): void } | undefined): void;
  flushPendingDisplays?(): void;
  failOpenProgressBars?(reason?: unknown): void;
  plotlyInlinings?(): number;
  resetPlotlyInlining?(): void;
}

interface TlModule {
  backend?: { init?(): Promise<unknown> };
  requestStop?(): void;
  useStopSignal?(buffer: SharedArrayBuffer): void;
  recoverInterruptedFit?(): string | undefined;
}

let stopSignal: SharedArrayBuffer | undefined;
const signalled = new WeakSet<object>();

/** The buffer (shared with the main thread) that tl.fit publishes its state into, once tl is loaded. */
export function setTlStopSignal(buffer: SharedArrayBuffer | undefined): void {
  stopSignal = buffer;
}

function connectTl<T extends TlModule | undefined>(tl: T): T {
  if (tl && stopSignal && !signalled.has(tl)) {
    signalled.add(tl);
    tl.useStopSignal?.(stopSignal);
  }
  return tl;
}

/** tl if a cell (or the backend's start) already loaded it; never loads it (that would load tfjs). */
let tlIndexFile: string | undefined;

function loadedTl(): TlModule | undefined {
  tlIndexFile ??= path.join(tsfineRoot(), "dist", "tl", "index.js");
  const loaded = require.cache[tlIndexFile];
  return loaded ? connectTl(loaded.exports as TlModule) : undefined;
}

let displayModule: DisplayModule | undefined | null = null;

export function loadDisplayModule(): DisplayModule | undefined {
  if (displayModule === null) displayModule = requireBuilt<DisplayModule>("display/index");
  return displayModule;
}

export function loadTfjs(): unknown {
  return require(require.resolve("@tensorflow/tfjs", { paths: [tsfineRoot()] }));
}

export function loadTl(): TlModule {
  const tl = connectTl(requireBuilt<TlModule>(path.join("tl", "index")));
  if (!tl) throw new Error("tl is not available: tsfine's tl/ module is not built (run `npm run build` in the tsfine folder).");
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
  defineLazyGlobal("display", () => requireDisplay().display);
  defineLazyGlobal("plot", () => requireDisplay().plot);
  Object.defineProperty(globalThis, "tsfine", { value: tsfine, writable: true, configurable: true, enumerable: false });
}

function requireDisplay(): DisplayModule {
  const display = loadDisplayModule();
  if (!display) throw new Error("display is not available: tsfine's display/ module is not built (run `npm run build` in the tsfine folder).");
  return display;
}

/** Starts tf's best backend through tl.backend.init(); resolves (never rejects) when done, reporting failures once. */
export async function initBackend(report: (text: string) => void): Promise<void> {
  try {
    const tl = connectTl(requireBuilt<TlModule>(path.join("tl", "index")));
    if (tl?.backend?.init) await tl.backend.init();
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
  try {
    loadedTl()?.requestStop?.();
  } catch {
    // tl is not available: nothing can be fitting
  }
}

/**
 * Before a cell: repairs what a termination that landed inside tl.fit's training step left behind
 * (tf's open scopes, half-updated weights, the best weights not restored); returns tl's sentence
 * saying so, or undefined.
 */
export function recoverInterruptedTlFit(): string | undefined {
  return loadedTl()?.recoverInterruptedFit?.();
}
