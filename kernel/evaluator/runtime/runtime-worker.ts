/**
 * The runtime worker: runs cells' JavaScript in V8's REPL mode through a same-thread inspector
 * session (let/const/class redeclaration across cells and top-level await come with it), keeps
 * the user's state, and posts outputs to the main thread (runtime-client.ts).
 */
import { Session } from "node:inspector";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";
import { parentPort, workerData } from "node:worker_threads";
import type { DisplayEvent } from "../../interpreter";
import type { FromWorker, RunResult, ToWorker, WorkerData } from "./messages";
import { installInterruptGuard } from "./interrupt-guard";
import { installDebugHelpers } from "./debug-helpers";
import { createModuleImporter } from "./module-importer";
import { OutputCapture } from "./output-capture";
import { loadedMagicsRuntime, magicsRuntime } from "./magics-runtime";
import {
  defineLazyGlobal,
  definePreloadedGlobals,
  initBackend,
  recoverInterruptedTlFit,
  requestTlStop,
  setTlStopSignal,
  tlFitActive,
} from "./preloaded-globals";
import { answerOnceFitEnds, FIT_END_WAIT_MS } from "./fit-interrupt";
import { describeThrown } from "./thrown-error";
import { displaySink, loadedPlotlyBundle, loadedProgress, valueFormatter, widgetModels } from "./display-parts";
import { reportBackgroundErrors } from "./background-errors";
import { claimGlobalNames } from "./global-names";
import { cellValueBundle } from "./value-bundle";
import { createTsfineObject } from "./tsfine-object";
import { withoutScriptName } from "../script-name";
import { IdleCollector } from "../garbage-collector";
import {
  deliverWidgetMessage,
  endWidgetCell,
  forgetTerminatedCapture,
  installWidgetLink,
  interruptWidgetCallbacks,
  startWidgetCell,
  widgetCallbackPending,
} from "./widget-link";

type RemoteObject = { type: string; value?: unknown; unserializableValue?: string; objectId?: string; description?: string };

const port = parentPort!;
const data = workerData as WorkerData;
const post = (message: FromWorker) => port.postMessage(message);
const output = new OutputCapture(post, new Int32Array(data.outputInFlight));
const session = new Session();
session.connect();

const CAPTURE_KEY = Symbol.for("tsfine.capture");
let captured: unknown;
Object.defineProperty(globalThis, CAPTURE_KEY, { value: (value: unknown) => (captured = value), enumerable: false });

const importer = createModuleImporter(data.cwd);
for (const [name, value] of Object.entries({
  __tsfine_import: importer.importModule,
  __tsfine_default: importer.defaultOf,
  __tsfine_namespace: importer.namespaceOf,
  __tsfine_dynamic_import: async (specifier: string) => importer.namespaceOf(await importer.importModule(specifier)),
  // Cells are not CommonJS modules, so Node gives them no require of their own.
  require: Object.assign(importer.requireModule, {
    resolve: (specifier: string) => createRequire(path.join(data.cwd, "__tsfine_notebook__.js")).resolve(specifier),
  }),
})) {
  Object.defineProperty(globalThis, name, { value, enumerable: false, configurable: true, writable: true });
}

setTlStopSignal(data.stopSignal);
const tsfine = createTsfineObject({ post, session });
definePreloadedGlobals(tsfine.api);
defineLazyGlobal("__magics", () => magicsRuntime());

let backendReady: Promise<void> | undefined;
const startBackend = () => (backendReady ??= initBackend((text) => output.write("stderr", text)));

/**
 * The preloaded backend loads once the runtime has been idle a moment: loading tfjs and tl holds this thread
 * for a second or more, and a notebook run at once must not wait behind it for cells that do not use tf (a
 * cell that does loads it itself).
 */
const PRELOAD_AFTER_IDLE_MS = 300;
let preloadTimer: NodeJS.Timeout | undefined;
function preloadBackendWhenIdle(): void {
  if (!data.preloadBackend || backendReady) return;
  clearTimeout(preloadTimer);
  preloadTimer = setTimeout(() => {
    if (!running) void startBackend();
  }, PRELOAD_AFTER_IDLE_MS);
}

/** Between cells, the young generation a cell grew and its garbage go back. */
const idleCollector = new IdleCollector(1000);

let running: { id: number; settle(result: RunResult): void } | undefined;
/** Whether the inspector holds objects of the group "cell" (a value or exception that is not a primitive). */
let cellObjects = false;
/** Runs are numbered in the order they are sent and run one at a time, so every run up to this one has ended. */
let lastEndedRun = 0;
let lastEnded: { id: number; result: RunResult } | undefined;
let lastReportedRun = 0;

installInterruptGuard({
  state: new Int32Array(data.terminationState),
  // Negative ids name a front-end message's callbacks (runtime-client.ts), positive ones a cell's run.
  runPending: (id) => (id < 0 ? widgetCallbackPending(-id) : id > lastEndedRun),
  requestTermination: () => post({ type: "terminateMe" }),
});

installDebugHelpers();

function inspectorCall<T>(method: string, params: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))));
}

async function valueOf(remote: RemoteObject | undefined): Promise<unknown> {
  if (!remote) return undefined;
  if (remote.objectId) {
    cellObjects = true;
    captured = undefined;
    await inspectorCall("Runtime.callFunctionOn", {
      objectId: remote.objectId,
      functionDeclaration: `function () { "use strict"; globalThis[Symbol.for("tsfine.capture")](this); }`,
    });
    return captured;
  }
  if (remote.unserializableValue !== undefined) return parseUnserializable(remote.unserializableValue);
  return remote.value;
}

function parseUnserializable(text: string): unknown {
  if (text.endsWith("n")) return BigInt(text.slice(0, -1));
  if (text === "-0") return -0;
  return Number(text);
}

async function run(id: number, js: string, needsBackend: boolean, plainScript: boolean): Promise<RunResult> {
  if (needsBackend) await startBackend();
  return new Promise<RunResult>((resolve) => {
    let settled = false;
    const settle = (result: RunResult) => {
      if (settled) return;
      settled = true;
      lastEndedRun = Math.max(lastEndedRun, id);
      lastEnded = { id, result };
      if (running?.id === id) running = undefined;
      preloadBackendWhenIdle();
      resolve(result);
    };
    running = { id, settle };
    const script = plainScript ? compiledScript(js) : undefined;
    if (script) {
      settleAsScript(script, settle);
      return;
    }
    session.post("Runtime.evaluate", { expression: js, replMode: true, awaitPromise: true, objectGroup: "cell" }, (error, response) => {
      if (error) {
        settle({ kind: "error", terminated: /terminated/i.test(error.message), error: { name: "Error", message: error.message } });
        return;
      }
      const details = (response as { exceptionDetails?: { exception?: RemoteObject; text?: string } }).exceptionDetails;
      if (details) {
        valueOf(details.exception).then(
          (thrown) => settle({ kind: "error", error: details.exception ? describeThrown(thrown) : { name: "Error", message: details.text ?? "error" } }),
          (failure) => settle({ kind: "error", error: describeThrown(failure) }),
        );
        return;
      }
      valueOf((response as { result?: RemoteObject }).result).then(
        (value) => settleValue(value, settle),
        (failure) => settle({ kind: "error", error: describeThrown(failure) }),
      );
    });
  });
}

/**
 * A cell that binds no global and does not await (plain-script.ts) runs as an ordinary script: same
 * global scope and completion value as in REPL mode, ~10 µs instead of ~130 µs for the inspector's
 * Runtime.evaluate, and its value is at hand without a Runtime.callFunctionOn. Undefined when V8
 * refuses the script: the REPL evaluation then reports the SyntaxError as it does for every cell.
 */
function compiledScript(js: string): vm.Script | undefined {
  try {
    return new vm.Script(js, { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  } catch {
    return undefined;
  }
}

function settleAsScript(script: vm.Script, settle: (result: RunResult) => void): void {
  let value: unknown;
  try {
    value = script.runInThisContext();
  } catch (thrown) {
    settle({ kind: "error", error: describeThrown(thrown) });
    return;
  }
  // A primitive is the value; an object may be a promise (any thenable) the cell ends with, which is
  // adopted as the REPL evaluation's awaitPromise does. Settling a primitive at once saves `1+1` a turn.
  if (value === null || (typeof value !== "object" && typeof value !== "function")) {
    settleValue(value, settle);
    return;
  }
  Promise.resolve(value).then(
    (adopted) => settleValue(adopted, settle),
    (thrown) => settle({ kind: "error", error: describeThrown(thrown) }),
  );
}

/** Settles a run that ended with `value`: its bundle, once an async Jupyter.display has given it. */
function settleValue(value: unknown, settle: (result: RunResult) => void): void {
  let bundle: ReturnType<typeof cellValueBundle>;
  try {
    bundle = cellValueBundle(value);
  } catch (thrown) {
    settle({ kind: "error", error: describeThrown(thrown) });
    return;
  }
  if (bundle instanceof Promise)
    bundle.then(
      (shown) => settle({ kind: "ok", bundle: shown }),
      (thrown) => settle({ kind: "error", error: describeThrown(thrown) }),
    );
  else settle({ kind: "ok", bundle });
}

async function answer(id: number, compute: () => unknown): Promise<void> {
  try {
    post({ type: "reply", id, value: await compute() });
  } catch (error) {
    post({ type: "reply", id, error: (error as Error)?.message ?? String(error) });
  }
}

/**
 * plotly.js is inlined once per session, in the first figure's output (the cartesian bundle, or
 * the full one; a later figure that needs the full bundle carries it too). When a cell that
 * carried a copy runs again, its old output (and the library with it) is replaced, so the next
 * figure must carry the library again or a saved notebook reopens without it. The kernel sees
 * no cell ids, so a cell is recognised by its code.
 */
const plotlyCarrierCodes = new Set<string>();

/** A termination that landed inside tl.fit's training step is repaired before the next cell, which is told so. */
function recoverCutFit(): void {
  try {
    const said = recoverInterruptedTlFit();
    if (said) output.write("stderr", said + "\n");
  } catch (error) {
    output.write("stderr", `tl.fit was cut off by an interrupt and could not be repaired: ${(error as Error)?.message ?? String(error)}\n`);
  }
}

/** How many outputs carried plotly.js so far. */
function plotlyInlinings(): number {
  return loadedPlotlyBundle()?.plotlyInlinings() ?? 0;
}

function beforeRun(js: string): number {
  if (plotlyCarrierCodes.has(withoutScriptName(js))) {
    loadedPlotlyBundle()?.resetPlotlyInlining();
    plotlyCarrierCodes.clear();
  }
  return plotlyInlinings();
}

function afterRun(js: string, inliningsBefore: number): void {
  if (plotlyInlinings() > inliningsBefore) plotlyCarrierCodes.add(withoutScriptName(js));
}

/**
 * Answers run `id`, if it is the one running, as interrupted: at once, or, while tl.fit is active,
 * once fit has returned its history and the cell assigned it (runtime/fit-interrupt.ts). Returns
 * whether the answer waits for fit.
 */
function answerInterrupted(id: number): boolean {
  const interrupted = running?.id === id ? running : undefined;
  if (!interrupted) return false;
  if (!tlFitActive()) {
    interrupted.settle({ kind: "interrupted" });
    return false;
  }
  answerOnceFitEnds(
    { answered: () => running !== interrupted, answerInterrupted: () => interrupted.settle({ kind: "interrupted" }) },
    tlFitActive,
    (sentence) => output.write("stderr", sentence + "\n"),
  );
  return true;
}

function report(id: number, result: RunResult): void {
  if (id <= lastReportedRun) return;
  output.flush();
  try {
    displaySink().flushPendingDisplays();
  } catch {
    // a failing live display must not lose the cell's result
  }
  // `1 + 1` leaves nothing to release: skip the inspector round trip
  if (cellObjects) session.post("Runtime.releaseObjectGroup", { objectGroup: "cell" });
  cellObjects = false;
  const trailing = endWidgetCell();
  output.flush();
  post({ type: "done", id, result: trailing ? { ...result, trailing } : result });
  lastReportedRun = id;
  idleCollector.idleFromNow();
}

port.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "run": {
      idleCollector.busy();
      recoverCutFit();
      if (message.varNames) claimGlobalNames(message.varNames);
      const inliningsBefore = beforeRun(message.js);
      startWidgetCell();
      run(message.id, message.js, message.needsBackend, message.plainScript).then((result) => {
        afterRun(message.js, inliningsBefore);
        report(message.id, result);
      });
      break;
    }
    case "interrupt": {
      forgetTerminatedCapture();
      requestTlStop();
      try {
        loadedProgress()?.failOpenProgressBars("interrupted");
      } catch {
        // a progress bar that cannot draw its end must not block the interrupt
      }
      const waitsForFit = answerInterrupted(message.id);
      // Reported here, not only at the end of run(): a termination that comes as the cell's code ends is not
      // taken by the cell but by the worker's own code around it (up to the end of that message's handling),
      // which can cut run() short or lose the microtasks that report it.
      if (lastEnded?.id === message.id) report(message.id, lastEnded.result);
      // Only magics start children; an interrupt does not load them to find none.
      loadedMagicsRuntime()?.killChildren();
      post({ type: "interruptAck", id: message.id, waitsForFitMs: waitsForFit ? FIT_END_WAIT_MS : undefined });
      break;
    }
    case "expandMagic":
      void answer(message.id, () => tsfine.expandMagic(message.name, message.args, message.body));
      break;
    case "globalNames":
      void answer(message.id, () => tsfine.api.globalNames());
      break;
    case "answer":
      tsfine.settleQuestion(message.id, message.value, message.error);
      break;
    case "interruptCallbacks":
      interruptWidgetCallbacks(message.id, post, output);
      break;
    case "commMessage":
      void deliverWidgetMessage(message, post, output);
      break;
    case "commClose":
      widgetModels().deliverWidgetClose(message.commId);
      break;
    case "widgetStates":
      void answer(message.id, () => widgetModels().allWidgetStates());
      break;
  }
});

function reportBackground(origin: string, thrown: unknown): void {
  output.flush();
  post({ type: "backgroundError", origin, error: describeThrown(thrown) });
}
reportBackgroundErrors(reportBackground);

output.install();
post({ type: "ready" });

setImmediate(() => {
  try {
    displaySink().setDisplaySink({
      display(event) {
        output.flush();
        post({ type: "display", event: event as DisplayEvent });
      },
      clearOutput(wait) {
        output.flush();
        post({ type: "clearOutput", wait });
      },
    });
    installWidgetLink(post, output);
    // What a first cell's value is shown with, loaded while no cell waits for it.
    valueFormatter();
  } catch (error) {
    output.write("stderr", `display is unavailable: ${(error as Error)?.message}\n`);
  }
  preloadBackendWhenIdle();
});
