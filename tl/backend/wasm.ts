/**
 * The wasm backend: what runs where the native packages cannot be installed. Stock wasm cannot
 * train conv layers (three gradient kernels are missing); tl/kernels registers them here.
 *
 * In Node, tfjs always loads its single-threaded SIMD binary (its thread check answers "no" for
 * Node, and its worker loader needs blob URLs). Where more than one thread is wanted, tsfine
 * starts the package's own threaded-SIMD binary itself: the pthread worker script written to a
 * file, and XNNPACK's thread cap (half the logical cores emscripten reports) lifted. If that fails
 * in any way, the stock single-threaded binary runs instead and describe() says why.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { registerWasmTrainingKernels } from "../kernels";
import type { Preparation } from "./candidates";
import { firstLine, optionalRequire, tf } from "./tf";

interface WasmPackage {
  setWasmPaths(prefix: string): void;
  setThreadsCount(count: number): void;
  getThreadsCount(): number;
  BackendWasm: new (module: EmscriptenModule) => tf.KernelBackend;
}

interface PthreadWorker {
  unref(): void;
  terminate(): void;
}

/** The parts of the emscripten module object tsfine touches. */
interface EmscriptenModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  PThread: { unusedWorkers: PthreadWorker[]; runningWorkers: PthreadWorker[]; terminateAllThreads(): void };
  tfjs?: Record<string, unknown>;
}

// tsconfig has no DOM lib; the one WebAssembly call made here, typed loosely.
declare const WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: unknown; module: unknown }> };

interface EmscriptenConfig {
  locateFile(file: string): string;
  instantiateWasm(imports: { env: Record<string, unknown> }, receive: (instance: unknown, module: unknown) => void): object;
  PThread?: EmscriptenModule["PThread"];
}

export interface WasmThreading {
  /** Which binary runs: "threaded-SIMD" (tsfine's loader) or "SIMD" (tfjs's own, one thread). */
  binary: "threaded-SIMD" | "SIMD";
  /** Threads XNNPACK uses, the calling thread included. */
  threads: number;
  /** Why the threaded binary is not in use, when more than one thread was wanted. */
  fallback?: string;
}

const THREADED_START_TIMEOUT_MS = 60_000;

let wasmPathsSet = false;
let factoryInstalled = false;
let requestedThreads: number | undefined;
let threading: WasmThreading | undefined;

/**
 * Threads for the wasm backend; takes effect when it first starts (call before `tl.backend.init()`).
 * 1 runs tfjs's single-threaded SIMD binary. Default: TSFINE_WASM_THREADS, else 1.
 *
 * One thread by default because an interrupt can cut JavaScript off in the middle of a threaded
 * wasm kernel: a lock XNNPACK's pool holds then stays taken and the next tf call hangs for good
 * (seen in 2 of ~6 tries, test/tl-interrupt.test.ts). The single-threaded binary has no such locks.
 */
export function setWasmThreads(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > 8) {
    throw new Error(`Wasm threads must be a whole number from 1 to 8; got ${count}.`);
  }
  if (tf.engine().registry.wasm !== undefined) {
    throw new Error("The wasm backend has already started; set its threads before `tl.backend.init()` (or restart the kernel).");
  }
  requestedThreads = count;
}

function wantedThreads(): number {
  if (requestedThreads !== undefined) return requestedThreads;
  const fromEnv = Number(process.env.TSFINE_WASM_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return Math.min(fromEnv, 8);
  return 1;
}

export async function prepareWasm(): Promise<Preparation> {
  const loaded = optionalRequire("@tensorflow/tfjs-backend-wasm");
  if (!loaded.module) return { ok: false, why: loaded.why ?? "@tensorflow/tfjs-backend-wasm did not load" };
  const pkg = loaded.module as WasmPackage;
  let distFolder: string;
  try {
    distFolder = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
  } catch (error) {
    return { ok: false, why: `cannot locate the .wasm binaries: ${firstLine((error as Error).message)}` };
  }
  if (!wasmPathsSet) {
    // Point at the package's own dist/ so the .wasm binaries are found from any working
    // directory or bundle layout; must happen before the backend first initialises.
    pkg.setWasmPaths(distFolder + path.sep);
    wasmPathsSet = true;
  }
  if (!factoryInstalled && tf.engine().registry.wasm === undefined) installThreadedFactory(pkg, distFolder);
  const registered = registerWasmTrainingKernels();
  return { ok: true, why: `WebAssembly with SIMD; ${registered.join(", ")} registered by tsfine` };
}

/** Replaces the package's backend factory by one that tries the threaded binary first. */
function installThreadedFactory(pkg: WasmPackage, distFolder: string): void {
  const stock = tf.findBackendFactory("wasm");
  if (!stock) return;
  factoryInstalled = true;
  tf.removeBackend("wasm");
  tf.registerBackend(
    "wasm",
    async () => {
      const threads = wantedThreads();
      // The threaded binary is also a SIMD binary; without SIMD tfjs picks its plain one.
      const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
      if (threads <= 1 || !simd) {
        threading = { binary: "SIMD", threads: 1 };
        return stock();
      }
      let module: EmscriptenModule | undefined;
      try {
        module = await startThreadedModule(distFolder, threads);
        pkg.setThreadsCount(threads);
        const backend = new pkg.BackendWasm(module);
        keepWorkersFromHoldingProcess(module);
        threading = { binary: "threaded-SIMD", threads: pkg.getThreadsCount() };
        return backend;
      } catch (error) {
        module?.PThread.terminateAllThreads();
        pkg.setThreadsCount(-1);
        threading = { binary: "SIMD", threads: 1, fallback: `the threaded binary did not start (${firstLine((error as Error).message)})` };
        return stock();
      }
    },
    2,
  );
}

/** The emscripten pthread worker ships as a JS string export; Node's Worker needs a file. */
function workerScript(wasmOut: string): string {
  const { wasmWorkerContents } = require(path.join(wasmOut, "tfjs-backend-wasm-threaded-simd.worker.js")) as { wasmWorkerContents: string };
  // The string came through a template literal, so its "\n" escapes became real newlines
  // inside string literals; put the escapes back (tfjs does the same for its blob URL).
  const source = wasmWorkerContents.replace(/\n/g, "\\n");
  const hash = crypto.createHash("sha256").update(source).digest("hex").slice(0, 16);
  const file = path.join(os.tmpdir(), `tsfine-tfjs-wasm-worker-${hash}.js`);
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== source) {
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, source);
    fs.renameSync(temporary, file);
  }
  return file;
}

async function startThreadedModule(distFolder: string, threads: number): Promise<EmscriptenModule> {
  const wasmOut = path.join(distFolder, "..", "wasm-out");
  const factory = require(path.join(wasmOut, "tfjs-backend-wasm-threaded-simd.js")) as (config: EmscriptenConfig) => Promise<EmscriptenModule>;
  const workerFile = workerScript(wasmOut);
  const binary = fs.readFileSync(path.join(distFolder, "tfjs-backend-wasm-threaded-simd.wasm"));
  const listenersBefore = { uncaughtException: process.listeners("uncaughtException"), unhandledRejection: process.listeners("unhandledRejection") };
  const globals = globalThis as { Worker?: unknown };
  const workerGlobal = globals.Worker;
  let failInstantiate: (error: Error) => void = () => undefined;
  const instantiateFailed = new Promise<never>((_, reject) => (failInstantiate = reject));
  const config: EmscriptenConfig = {
    locateFile: (file) => (file.endsWith(".worker.js") ? workerFile : path.join(distFolder, file)),
    instantiateWasm(imports, receive) {
      // XNNPACK caps its pool at half of what this reports (assuming 2 hyperthreads per core).
      imports.env.emscripten_num_logical_cores = () => 2 * threads;
      WebAssembly.instantiate(binary, imports).then(({ instance, module }) => receive(instance, module), failInstantiate);
      return {};
    },
  };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`its ${threads} pthread workers did not load within ${THREADED_START_TIMEOUT_MS / 1000} s`)),
      THREADED_START_TIMEOUT_MS,
    );
  });
  try {
    const module = await Promise.race([factory(config), instantiateFailed, timedOut]);
    module.tfjs = {
      init: module.cwrap("init", null, []),
      initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
      getThreadsCount: module.cwrap("get_threads_count", "number", []),
      registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
      disposeData: module.cwrap("dispose_data", null, ["number"]),
      dispose: module.cwrap("dispose", null, []),
    };
    return module;
  } catch (error) {
    config.PThread?.terminateAllThreads();
    for (const worker of config.PThread?.unusedWorkers ?? []) worker.terminate();
    throw error;
  } finally {
    clearTimeout(timer);
    // The emscripten glue installs process handlers that rethrow (killing a kernel on any stray
    // rejection) and a global Worker; tfjs's own binary has them too, but nothing here needs them.
    for (const listener of process.listeners("uncaughtException")) {
      if (!listenersBefore.uncaughtException.includes(listener)) process.removeListener("uncaughtException", listener);
    }
    for (const listener of process.listeners("unhandledRejection")) {
      if (!listenersBefore.unhandledRejection.includes(listener)) process.removeListener("unhandledRejection", listener);
    }
    globals.Worker = workerGlobal;
  }
}

/**
 * XNNPACK's pool threads run for the life of the process and emscripten keeps their workers
 * referenced, so a script would never exit; the 8 pre-spawned workers it did not use are idle.
 */
function keepWorkersFromHoldingProcess(module: EmscriptenModule): void {
  for (const worker of module.PThread.runningWorkers) worker.unref();
  for (const worker of module.PThread.unusedWorkers.splice(0)) worker.terminate();
}

/** Which wasm binary runs and with how many threads; undefined before the backend starts. */
export function wasmThreading(): WasmThreading | undefined {
  return threading ? { ...threading } : undefined;
}

/** Details shown by describe() once wasm is the active backend. */
export function wasmFeatures(): string {
  const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT") ? "SIMD" : "no SIMD";
  if (!threading) return `${simd}, 1 thread`;
  if (threading.binary === "threaded-SIMD") return `${simd}, threaded-SIMD binary, ${threading.threads} thread${threading.threads === 1 ? "" : "s"}`;
  const fallback = threading.fallback ? `; single-threaded binary because ${threading.fallback}` : "";
  return `${simd}, 1 thread${fallback}`;
}
