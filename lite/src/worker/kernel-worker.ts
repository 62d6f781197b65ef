/**
 * The browser kernel's worker: the Node kernel's language side (cell-language-service, carried
 * declarations, transpiler, source maps, error outcomes) and display/, bundled from the repository's
 * sources, with a runtime of its own (global-scope.ts) since no page has V8's REPL mode.
 */
import * as tf from "@tensorflow/tfjs";
import * as ts from "typescript";
import { CellLanguageService } from "../../../kernel/evaluator/cell-language-service";
import { CellSourceMaps } from "../../../kernel/evaluator/cell-source-maps";
import { completeAt } from "../../../kernel/evaluator/completion";
import { inspectAt } from "../../../kernel/evaluator/inspection";
import { isCodeComplete } from "../../../kernel/evaluator/is-complete";
import { transpileCell } from "../../../kernel/evaluator/cell-transpiler";
import { describeDiagnostic, INTERRUPTED, runtimeErrorOutcome, typeErrorOutcome } from "../../../kernel/evaluator/error-outcomes";
import { display, flushPendingDisplays, plot, setDisplaySink, widgets } from "../../../display";
import { completeMagic, expandMagics, inspectMagic } from "../../../kernel/evaluator/magics-bridge";
import { pagePayload, parsePagerQuery } from "../../../kernel/evaluator/pager-query";
import { magicsRuntime } from "../../../magics/runtime";
import { tl } from "../../../tl";
import { fitActivity, requestStop, useStopSignal } from "../../../tl/kernel-seams";
import type { CompleteReply, ErrorReply, ExecuteReply, FromWorker, InspectReply, ToWorker } from "../messages";
import { setProcessWriter } from "../shims/process";
import { inspect } from "../shims/util";
import { captureConsole } from "./console-capture";
import { declareGlobals, runInGlobalScope } from "./global-scope";
import { browserBackend, selectBackend } from "./backend";
import { addSiteFiles, addVirtualFiles, virtualSystem, VIRTUAL_ROOT } from "./virtual-files";
import { importModule } from "./imports";
import { browserMagicsRuntime } from "./unavailable-magics";
import { LIMITS } from "../limits";
import { explainBrowserBackboneFiles } from "./backbone-files";
import { allWidgetStates, deliverCommMessage, deliverWidgetClose, linkWidgets } from "./widget-comms";
import type { ErrorInfo } from "../../../kernel/interpreter";

const post = (message: FromWorker) => (self as unknown as Worker).postMessage(message);

let service: CellLanguageService;
/** Made once the declarations are in (it finds tsfine's folder, which is cached from the first look, through /tsfine/package.json). */
let maps: CellSourceMaps;
let typecheck: "on" | "warn" | "off" = "on";
/** The request whose cell is running: output from callbacks that fire later goes to the last cell. */
let current = 0;
/** Ends the running cell's pending await, if it has one. */
let interruptRun: (() => void) | undefined;
const interruption = Symbol("interrupted");

async function start(assetsUrl: string, sharedStopFlag: boolean): Promise<string> {
  const response = await fetch(new URL("tsfine-declarations.json", assetsUrl));
  if (!response.ok)
    throw new Error(`The kernel's type declarations did not load (${response.status} ${response.statusText}); rebuild the site with tsfine lite build.`);
  addVirtualFiles((await response.json()) as Record<string, string>);
  const shipped = await fetch(new URL("tsfine-files.json", assetsUrl));
  if (shipped.ok) addSiteFiles((await shipped.json()) as string[], new URL("files/", assetsUrl).href);
  // TypeScript's own hook for hosts without Node (its web server uses it); public, if not in its typings.
  (ts as unknown as { setSys(system: ts.System): void }).setSys(virtualSystem());
  service = new CellLanguageService(ts, VIRTUAL_ROOT);
  maps = new CellSourceMaps();
  const stream = (name: "stdout" | "stderr", text: string) => post({ type: "stream", id: current, name, text });
  captureConsole(stream);
  setProcessWriter(stream);
  setDisplaySink({
    display: (event) =>
      post({ type: "display", id: current, data: event.data, metadata: event.metadata ?? {}, displayId: event.displayId, update: event.update ?? false }),
    clearOutput: (wait) => post({ type: "clear", id: current, wait }),
  });
  linkWidgets(post);
  explainBrowserBackboneFiles();
  const backend = await selectBackend(assetsUrl);
  Object.assign(globalThis, {
    tf,
    // tl's own backend module chooses among Node's packages; the page's choice is the browser's (backend.ts).
    tl: { ...tl, backend: browserBackend },
    display,
    plot,
    widgets,
    __magics: browserMagicsRuntime(magicsRuntime),
    tsfine: {
      version: TSFINE_VERSION,
      setTypecheck: (mode: typeof typecheck) => {
        if (!["on", "warn", "off"].includes(mode)) throw new Error(`tsfine.setTypecheck takes "on", "warn" or "off"; received ${JSON.stringify(mode)}.`);
        typecheck = mode;
      },
      globalNames: () =>
        service.prelude
          .declarations()
          .flatMap((declaration) => declaration.names)
          .sort(),
    },
    __tsfine_declare: declareGlobals,
    __tsfine_import: importModule,
    __tsfine_dynamic_import: importModule,
    __tsfine_default: (module: { default?: unknown }) => module?.default ?? module,
    __tsfine_namespace: (module: unknown) => module,
  });
  // The checker parses the declarations on the first cell otherwise: do it while the page settles.
  service.setCell("tf; display;");
  service.diagnostics();
  const interrupts = sharedStopFlag
    ? "the page is cross-origin isolated: an interrupt reaches tl.fit through a SharedArrayBuffer, even mid-step"
    : "the page is not cross-origin isolated: an interrupt reaches tl.fit between its steps";
  return `tsfine ${TSFINE_VERSION} in the browser: TypeScript ${ts.version}, TensorFlow.js ${tf.version.tfjs} on ${backend}; ${interrupts}`;
}

/** Cells run so far (what %history and %load's host reads). */
const history: Array<{ executionCount: number; code: string }> = [];

const magicHost = {
  history: () => history,
  cwd: () => VIRTUAL_ROOT,
  expandUserMagic: async (name: string, argsText: string, body?: string) => magicsRuntime.expandUserMagic(name, argsText, body),
  userMagicNames: () => magicsRuntime.userMagicNames(),
};

/** As in the Node kernel (typescript-interpreter.ts): magics first, then TypeScript; `%fit mo|` completes the notebook's names. */
function complete(code: string, cursorPos: number): CompleteReply {
  const magic = completeMagic(code, cursorPos, magicsRuntime.userMagicNames());
  if (magic?.expression !== undefined) {
    const names = completeAt(service, magic.expression, magic.expression.length);
    const shift = cursorPos - magic.expression.length;
    return {
      matches: [...new Set([...magic.matches, ...names.matches])],
      cursorStart: names.cursorStart + shift,
      cursorEnd: names.cursorEnd + shift,
      metadata: {},
    };
  }
  if (magic) return { matches: magic.matches, cursorStart: magic.cursorStart, cursorEnd: magic.cursorEnd, metadata: {} };
  return completeAt(service, code, cursorPos);
}

function inspectCode(code: string, cursorPos: number, detailLevel: 0 | 1): InspectReply {
  const help = inspectMagic(code, cursorPos);
  if (help) return { found: true, data: { "text/plain": help, "text/markdown": "```\n" + help + "\n```" }, metadata: {} };
  return inspectAt(service, code, cursorPos, detailLevel);
}

/** `name?` and `name??`: what inspection shows, in the front end's pager, as in the Node kernel. */
function page(expression: string, detailLevel: 0 | 1): ExecuteReply {
  const found = inspectAt(service, expression, expression.length, detailLevel);
  if (!found.found) {
    const message = `Nothing is known about ${expression}: it is not a name declared in this notebook, a global or a member the type checker can see.`;
    return { status: "error", ename: "NameError", evalue: message, traceback: [message] };
  }
  return { status: "ok", payload: [pagePayload(found.data)] };
}

async function execute(id: number, source: string, executionCount: number): Promise<ExecuteReply> {
  const label = `cell[${executionCount}]`;
  history.push({ executionCount, code: source });
  const query = parsePagerQuery(source);
  if (query) return page(query.expression, query.detailLevel);
  const expanded = await expandMagics(source, magicHost);
  if (!expanded.ok) return { status: "error", ename: "MagicError", evalue: expanded.message, traceback: [expanded.message] };
  const code = expanded.code;
  const payload = expanded.payload?.length ? { payload: expanded.payload as Array<Record<string, unknown>> } : {};
  if (code.trim() === "") return { status: "ok", ...payload };
  service.setCell(code);
  const errors = typecheck === "off" ? [] : service.diagnostics().filter((diagnostic) => diagnostic.isError);
  if (errors.length > 0 && typecheck === "on") return { status: "error", ...withImportLimit(typeErrorOutcome(label, code, errors), errors) };
  if (errors.length > 0) post({ type: "stream", id, name: "stderr", text: errors.map((error) => describeDiagnostic(label, code, error)).join("\n") + "\n" });
  const declarations = service.declarations();
  const scriptName = `tsfine-cell-${executionCount}-${id}`;
  const transpiled = transpileCell(ts, code, scriptName);
  if (transpiled.syntaxErrors.length > 0) {
    const traceback = transpiled.syntaxErrors.map((error) =>
      describeDiagnostic(label, code, { start: error.start, length: 1, code: 0, message: error.message, isError: true }),
    );
    return { status: "error", ename: "SyntaxError", evalue: transpiled.syntaxErrors[0].message, traceback };
  }
  const runnable = runInGlobalScope(ts, transpiled.js, transpiled.map, scriptName);
  maps.add(scriptName, label, code, runnable.map);
  const interrupted = new Promise<typeof interruption>((resolve) => (interruptRun = () => resolve(interruption)));
  try {
    const value = await Promise.race([(0, eval)(runnable.js) as Promise<unknown>, interrupted]);
    if (value === interruption) return { status: "error", ...INTERRUPTED };
    return { status: "ok", data: value === undefined ? undefined : valueBundle(value), ...payload };
  } catch (error) {
    return runtimeError(error);
  } finally {
    interruptRun = undefined;
    service.prelude.carry(declarations);
    flushPendingDisplays();
  }
}

const CANNOT_FIND_MODULE = 2307;

/** A package the page does not have is a limit of the browser kernel, not a typo: the reply says so first. */
function withImportLimit(outcome: ErrorInfo, errors: Array<{ code: number }>): ErrorInfo {
  if (!errors.some((error) => error.code === CANNOT_FIND_MODULE)) return outcome;
  return { ...outcome, traceback: [LIMITS.imports, ...outcome.traceback] };
}

function valueBundle(value: unknown): Record<string, unknown> {
  try {
    const bundle = display.toBundle(value);
    if (bundle && Object.keys(bundle).length > 0) return bundle;
  } catch {
    // a formatter that fails must not hide the value: fall back to text
  }
  return { "text/plain": inspect(value, { depth: 4 }) };
}

function runtimeError(error: unknown): ErrorReply {
  const thrown =
    error instanceof Error
      ? { name: error.name, message: error.message, stack: cellFramesOnly(error.stack) }
      : { name: "Error", message: `Uncaught ${inspect(error)}`, stack: undefined };
  return { status: "error", ...runtimeErrorOutcome(thrown, maps) };
}

/** Frames in the kernel's own bundle (and tfjs inside it) are how the cell ran, not where the user's code is. */
function cellFramesOnly(stack: string | undefined): string | undefined {
  return stack
    ?.split("\n")
    .filter((line) => !/^\s+at /.test(line) || line.includes("tsfine-cell-"))
    .join("\n");
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === "start") {
    try {
      if (message.stopSignal) useStopSignal(message.stopSignal);
      post({ type: "started", banner: await start(message.assetsUrl, message.stopSignal !== undefined) });
    } catch (error) {
      post({ type: "failed", message: error instanceof Error ? error.message : String(error) });
    }
    return;
  }
  switch (message.type) {
    case "interrupt": {
      // A training tl.fit stops at its next batch boundary and the cell ends with its history, as in the
      // Node kernel; any other pending await ends now.
      requestStop();
      const fit = fitActivity();
      if (fit.activity === "idle") interruptRun?.();
      else post({ type: "interrupting", waitMs: Math.max(2000, 3 * fit.longestStepMs) });
      break;
    }
    case "execute":
      current = message.id;
      post({ type: "reply", id: message.id, value: await execute(message.id, message.code, message.executionCount) });
      break;
    case "complete":
      post({ type: "reply", id: message.id, value: complete(message.code, message.cursorPos) });
      break;
    case "inspect":
      post({ type: "reply", id: message.id, value: inspectCode(message.code, message.cursorPos, message.detailLevel) });
      break;
    case "commMessage":
      post({ type: "reply", id: message.id, value: await deliverCommMessage(message.commId, message.data, message.buffers, message.delivery) });
      break;
    case "widgetStates":
      post({ type: "reply", id: message.id, value: allWidgetStates() });
      break;
    case "commClose":
      deliverWidgetClose(message.commId);
      break;
    case "isComplete":
      post({ type: "reply", id: message.id, value: isCodeComplete(ts, message.code) });
      break;
  }
};
