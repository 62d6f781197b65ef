/**
 * The Jupyter debugger (DAP over debug_request/debug_reply/debug_event) for TypeScript cells, on the main
 * thread. It drives V8's Debugger domain in the runtime worker through the main thread's inspector session
 * (NodeWorker.sendMessageToWorker, runtime-client.ts): a paused worker cannot answer for itself, and this
 * thread stays free while it is paused. Cells are identified as the front end identifies them, by a file
 * named after the murmur2 hash of their text; breakpoints on a cell's TypeScript lines go to its script's
 * JavaScript through the cell's source map, and paused frames come back as cell files and TypeScript lines.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { RawSourceMap } from "source-map-js";
import { transpileCell } from "../cell-transpiler";
import type { InspectorEvent } from "../runtime-client";
import { tsfineRoot } from "../tsfine-root";
import { loadTypeScript } from "../typescript-loader";
import { CellScripts, insideTryBlock, originalPosition, rejectionHandledAt, resolveBreakpoint, type CellScript } from "./cell-scripts";
import { DapError, DapMessages, type DapMessage, type DapRequest } from "./dap";
import { murmur2 } from "./murmur2";
import { compileUserFile, findFileWithText, isTypeScriptFile } from "./user-files";
import { conditionToJavaScript, consoleInputToJavaScript } from "./typescript-expressions";
import { HELPERS, RuntimeValues, type DapVariable, type RemoteObject } from "./runtime-values";

/** What the debugger needs of the runtime client. */
export interface RuntimeInspector {
  inspectorCall<T>(method: string, params?: object): Promise<T>;
  onInspectorEvent(listener: ((event: InspectorEvent) => void) | undefined): void;
  readonly workerGeneration: number;
}

interface CallFrame {
  callFrameId: string;
  functionName: string;
  location: { scriptId: string; lineNumber: number; columnNumber?: number };
  scopeChain: Array<{ type: string; object: RemoteObject; name?: string }>;
}

/** A frame of an async stack trace (Runtime.CallFrame): 0-based line and column, as V8 counts. */
interface AsyncCallFrame {
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/** The async functions awaiting the one that paused (description "await"), then who awaits those, and so on. */
interface AsyncStackTrace {
  description?: string;
  callFrames: AsyncCallFrame[];
  parent?: AsyncStackTrace;
}

interface PausedParams {
  callFrames: CallFrame[];
  reason: string;
  data?: RemoteObject & { uncaught?: boolean };
  hitBreakpoints?: string[];
  asyncStackTrace?: AsyncStackTrace;
}

type Evaluated = { result: RemoteObject; exceptionDetails?: { exception?: RemoteObject; text?: string } };

type StepCommand = "Debugger.stepOver" | "Debugger.stepInto" | "Debugger.stepOut";

/** The one thread the front end sees: the runtime worker that runs the cells. */
const THREAD_ID = 1;
/** The hash seed announced in debugInfo; any 32-bit number works as long as both sides use the same. */
const HASH_SEED = 0x75f1e5ed;
const EXCEPTION_FILTERS = [
  { filter: "raised", label: "Raised exceptions", default: false, description: "Stop where any exception is thrown in a cell" },
  { filter: "uncaught", label: "Uncaught exceptions", default: false, description: "Stop where an exception is thrown that no try in the cells catches" },
];
/** Where a breakpoint's condition that threw leaves what it threw, for the pause it causes to say so. */
const CONDITION_ERROR = "__tsfineBreakpointConditionThrew";

/**
 * A condition as V8 evaluates it: V8 reads a condition that throws as false, so a misspelt name would never stop
 * and never say so. This one stops instead, leaving what it threw where the pause finds it.
 */
function conditionThatSaysWhyItThrew(javascript: string): string {
  const key = JSON.stringify(CONDITION_ERROR);
  return `(() => { try { return ${javascript}; } catch (thrown) { globalThis[${key}] = String(thrown); return true; } })()`;
}

/** How many async hops back "uncaught" looks for a handler of a rejection (the awaiting callers, up to the cell). */
const ASYNC_STACK_DEPTH = 32;
/** Requests ipykernel answers whether or not a debugger was started; the others get an empty reply until `initialize`. */
const ALWAYS_ANSWERED = new Set(["debugInfo", "inspectVariables", "richInspectVariables", "copyToGlobals", "modules"]);
const OBJECT_GROUP = "tsfine-debugger";
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export class CellDebugger {
  readonly tmpFilePrefix = path.join(os.tmpdir(), `tsfine_${process.pid}`) + path.sep;
  readonly tmpFileSuffix = ".ts";
  private started = false;
  /** The worker whose Debugger domain is enabled (runtime-client.ts counts them); 0: none. */
  private enabledGeneration = 0;
  private readonly messages = new DapMessages();
  private readonly scripts = new CellScripts();
  private readonly sourcePaths = new WeakMap<CellScript, string>();
  /** Dumped cells by file path. */
  private readonly dumped = new Map<string, string>();
  /** Breakpoints by source path as the front end set them, and as answered (moved to a line with code). */
  private readonly requested = new Map<string, Array<{ line: number; condition?: string; asWritten?: string }>>();
  private readonly answered = new Map<string, Array<Record<string, unknown>>>();
  /** V8 breakpoint ids by script name. */
  private readonly v8Breakpoints = new Map<string, string[]>();
  /** The condition, as the front end wrote it, of each conditional V8 breakpoint (by V8 id). */
  private readonly conditionsOf = new Map<string, string>();
  private readonly scriptUrls = new Map<string, string>();
  /** The user's own .ts files the runtime loaded (typescript-require-hook.ts compiles them with an inline source map), by file path. */
  private readonly userFiles = new Map<string, CellScript>();
  /** Breakpoints being put on a user's file V8 just parsed; a cell waits for them before it runs. */
  private userFileBreakpoints: Promise<void> = Promise.resolve();
  private exceptionMode: "none" | "uncaught" | "all" = "none";
  private paused: { params: PausedParams; frames: CallFrame[] } | undefined;
  private readonly frames = new Map<number, CallFrame>();
  private nextFrameId = 1;
  private stepping: { command: StepCommand; line: number; depth: number } | undefined;
  private pauseAsked = false;
  private readonly values: RuntimeValues;
  private readonly internalCode = [
    "^node:",
    "^internal[/:]",
    "/node_modules/",
    escapeRegExp(path.join(tsfineRoot(), "dist") + path.sep),
    "^tsfine-interrupt-guard$",
  ];
  private nextBreakpointId = 1;

  constructor(
    private readonly runtime: RuntimeInspector,
    private readonly emit: (event: DapMessage) => void,
  ) {
    this.values = new RuntimeValues((method, params) => this.call(method, params));
    runtime.onInspectorEvent((event) => this.onInspectorEvent(event));
  }

  /** Answers one DAP request; never throws (a failure is a DAP error response). */
  async handle(request: DapRequest): Promise<DapMessage> {
    const command = request.command;
    if (!this.started && command !== "initialize" && !ALWAYS_ANSWERED.has(command)) return {};
    try {
      const handler = this.handlers[command];
      if (!handler) return this.messages.failure(request, `The tsfine debugger does not handle the request "${command}".`);
      return this.messages.response(request, await handler(request.arguments ?? {}));
    } catch (error) {
      return this.messages.failure(request, error instanceof Error ? error.message : String(error));
    }
  }

  /** Whether the worker is stopped in the debugger (the front end's stoppedThreads). */
  get isPaused(): boolean {
    return this.paused !== undefined;
  }

  /**
   * A cell is about to run as `scriptName`: remember it (a breakpoint set later in its dumped file must still
   * reach functions it defined), and put the breakpoints of its file on it before V8 compiles it.
   */
  async beforeRun(cell: { scriptName: string; cellText: string; code: string; map: RawSourceMap }): Promise<void> {
    this.scripts.add({ ...cell });
    // a step that ran off the end of the last cell ended with it
    this.stepping = undefined;
    if (!this.started) return;
    await this.ensureEnabled();
    await this.userFileBreakpoints;
    if (this.requested.size > 0) await this.applyBreakpoints(this.scripts.byName(cell.scriptName)!);
  }

  /**
   * An interrupt while paused: the paused cell is terminated, then resumed so the termination takes effect
   * (the response to terminateExecution only comes once the worker runs again, so it is not awaited).
   */
  interruptPaused(): boolean {
    if (!this.paused) return false;
    void this.call("Runtime.terminateExecution").catch(() => undefined);
    void this.call("Debugger.resume").catch(() => undefined);
    return true;
  }

  /** A new runtime worker (restart, or the old one died): what V8 knew of the old one is gone. */
  runtimeReplaced(): void {
    this.scripts.clear();
    this.scriptUrls.clear();
    this.userFiles.clear();
    this.v8Breakpoints.clear();
    this.conditionsOf.clear();
    this.endPause();
  }

  // ---- requests ----------------------------------------------------------------------

  private readonly handlers: Record<string, (args: Record<string, unknown>) => Promise<Record<string, unknown>>> = {
    initialize: async () => {
      this.started = true;
      return {
        supportsConfigurationDoneRequest: true,
        supportsConditionalBreakpoints: true,
        supportsEvaluateForHovers: true,
        supportsExceptionInfoRequest: true,
        supportsDelayedStackTraceLoading: true,
        exceptionBreakpointFilters: EXCEPTION_FILTERS,
      };
    },
    attach: async () => {
      await this.ensureEnabled();
      this.emit(this.messages.event("initialized"));
      this.emit(this.messages.event("thread", { reason: "started", threadId: THREAD_ID }));
      return {};
    },
    configurationDone: async () => ({}),
    disconnect: async () => {
      await this.detach();
      return {};
    },
    debugInfo: async () => ({
      isStarted: this.started,
      hashMethod: "Murmur2",
      hashSeed: HASH_SEED,
      tmpFilePrefix: this.tmpFilePrefix,
      tmpFileSuffix: this.tmpFileSuffix,
      breakpoints: [...this.answered].map(([source, breakpoints]) => ({ source, breakpoints })),
      stoppedThreads: this.paused ? [THREAD_ID] : [],
      richRendering: true,
      exceptionPaths: ["TypeScript exceptions"],
      copyToGlobals: true,
    }),
    dumpCell: async (args) => {
      const code = typeof args.code === "string" ? args.code : "";
      const sourcePath = this.sourcePathOf(code);
      await fs.promises.mkdir(this.tmpFilePrefix, { recursive: true });
      await fs.promises.writeFile(sourcePath, code);
      this.dumped.set(sourcePath, code);
      return { sourcePath };
    },
    setBreakpoints: (args) => this.setBreakpoints(args),
    setExceptionBreakpoints: async (args) => {
      const filters = Array.isArray(args.filters) ? (args.filters as unknown[]) : [];
      this.exceptionMode = filters.includes("raised") ? "all" : filters.includes("uncaught") ? "uncaught" : "none";
      await this.ensureEnabled();
      await this.applyExceptionMode();
      return {};
    },
    threads: async () => ({ threads: [{ id: THREAD_ID, name: "cells" }] }),
    stackTrace: async (args) => {
      const { frames } = this.requirePaused(args);
      const start = typeof args.startFrame === "number" ? args.startFrame : 0;
      const levels = typeof args.levels === "number" && args.levels > 0 ? args.levels : frames.length;
      return { stackFrames: frames.slice(start, start + levels).map((frame) => this.stackFrame(frame)), totalFrames: frames.length };
    },
    scopes: async (args) => ({ scopes: this.scopes(this.frameOf(args.frameId)) }),
    variables: async (args) => ({ variables: await this.values.variables(Number(args.variablesReference)) }),
    evaluate: (args) => this.evaluate(args),
    continue: async (args) => {
      this.requireThread(args);
      if (this.paused) await this.call("Debugger.resume");
      return { allThreadsContinued: true };
    },
    next: (args) => this.step(args, "Debugger.stepOver"),
    stepIn: (args) => this.step(args, "Debugger.stepInto"),
    stepOut: (args) => this.step(args, "Debugger.stepOut"),
    pause: async (args) => {
      this.requireThread(args);
      if (!this.paused) {
        this.pauseAsked = true;
        await this.call("Debugger.pause");
      }
      return {};
    },
    source: async (args) => {
      const source = (args.source ?? {}) as { path?: unknown };
      const content = typeof source.path === "string" ? this.sourceText(source.path) : undefined;
      if (content === undefined) throw new DapError(`There is no source ${JSON.stringify(source.path)}: dump the cell first (dumpCell).`);
      return { content };
    },
    exceptionInfo: async (args) => this.exceptionInfo(args),
    inspectVariables: async () => ({ variables: await this.inspectVariables() }),
    richInspectVariables: (args) => this.richInspectVariables(args),
    copyToGlobals: (args) => this.copyToGlobals(args),
    modules: async () => ({ modules: [], totalModules: 0 }),
  };

  private requireThread(args: Record<string, unknown>): void {
    if (args.threadId !== undefined && args.threadId !== THREAD_ID)
      throw new DapError(`There is no thread ${JSON.stringify(args.threadId)}: the only thread is ${THREAD_ID}.`);
  }

  private requirePaused(args: Record<string, unknown>): { params: PausedParams; frames: CallFrame[] } {
    this.requireThread(args);
    if (!this.paused) throw new DapError("The cells are not paused: set a breakpoint and run a cell, or ask to pause first.");
    return this.paused;
  }

  private frameOf(frameId: unknown): CallFrame {
    const frame = typeof frameId === "number" ? this.frames.get(frameId) : undefined;
    if (!frame) throw new DapError(`There is no frame ${JSON.stringify(frameId)} in the current pause: ask for the stack trace again.`);
    return frame;
  }

  private async step(args: Record<string, unknown>, command: StepCommand): Promise<Record<string, unknown>> {
    const { frames } = this.requirePaused(args);
    this.stepping = { command, line: this.tsLocation(frames[0]).line, depth: frames.length };
    await this.call(command);
    return {};
  }

  private async setBreakpoints(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const sourcePath = String((args.source as { path?: unknown } | undefined)?.path ?? "");
    const asked: Array<{ line: number; condition?: string }> = Array.isArray(args.breakpoints)
      ? (args.breakpoints as Array<{ line?: unknown; condition?: unknown }>).map((b) => ({
          line: Number(b.line),
          ...(typeof b.condition === "string" && b.condition ? { condition: b.condition } : {}),
        }))
      : Array.isArray(args.lines)
        ? (args.lines as unknown[]).map((line) => ({ line: Number(line) }))
        : [];
    const ts = await loadTypeScript();
    const cells = this.scriptsOf(sourcePath);
    const userFile = cells.length > 0 ? undefined : (this.userFileAt(sourcePath) ?? this.userFileToBeImported(sourcePath, ts));
    const ran = userFile ? [userFile] : cells;
    const reference = ran[ran.length - 1] ?? this.notYetRun(sourcePath, ts);
    // what goes to V8: the breakpoints whose condition (TypeScript, as the cells) compiled, with it as JavaScript
    const placed: Array<{ line: number; condition?: string; asWritten?: string }> = [];
    const breakpoints = asked.map(({ line, condition }) => {
      const resolved = reference ? resolveBreakpoint(ts, reference, line) : undefined;
      const compiled = condition === undefined ? undefined : conditionToJavaScript(ts, condition);
      const refused = compiled !== undefined && "error" in compiled ? compiled.error : undefined;
      const answer: Record<string, unknown> = {
        id: this.nextBreakpointId++,
        verified: resolved !== undefined && refused === undefined,
        line: resolved?.line ?? line,
        source: { path: sourcePath },
      };
      if (!reference)
        answer.message =
          "This file is not a cell the kernel knows nor a .ts file it loaded: dump the cell (dumpCell), or import the file, before setting breakpoints in it.";
      else if (!resolved) answer.message = `Line ${line} and the lines after it have no code to stop at.`;
      else if (refused) answer.message = refused;
      if (refused === undefined)
        placed.push({ line, ...(compiled && "javascript" in compiled ? { condition: compiled.javascript, asWritten: condition } : {}) });
      return answer;
    });
    if (asked.length === 0) {
      this.requested.delete(sourcePath);
      this.answered.delete(sourcePath);
    } else {
      this.requested.set(sourcePath, placed);
      this.answered.set(sourcePath, breakpoints);
    }
    await this.ensureEnabled();
    for (const script of ran) await this.applyBreakpoints(script);
    return { breakpoints };
  }

  /**
   * A user's .ts file the runtime has not loaded yet, named by its path or by the hash of its text (then looked for
   * under the notebook's folder): registered as the require hook will compile it, so its breakpoints go on its URL now.
   */
  private userFileToBeImported(sourcePath: string, ts: Awaited<ReturnType<typeof loadTypeScript>>): CellScript | undefined {
    const dumpedText = this.dumped.get(sourcePath);
    let filePath: string | undefined;
    let text = dumpedText;
    if (dumpedText !== undefined) filePath = findFileWithText(process.cwd(), dumpedText);
    else if (isTypeScriptFile(sourcePath) && fs.existsSync(sourcePath)) {
      filePath = fs.realpathSync(sourcePath);
      text = fs.readFileSync(filePath, "utf8");
    }
    if (filePath === undefined || text === undefined) return undefined;
    const file = compileUserFile(ts, filePath, text);
    if (file) this.userFiles.set(filePath, file);
    return file;
  }

  /** A dumped cell that has not run: its lines with code come from transpiling it here. */
  private notYetRun(sourcePath: string, ts: Awaited<ReturnType<typeof loadTypeScript>>): CellScript | undefined {
    const code = this.dumped.get(sourcePath);
    if (code === undefined) return undefined;
    const transpiled = transpileCell(ts, code, "tsfine-debugger-probe");
    return { cellText: code, code, map: transpiled.map };
  }

  /** Puts the breakpoints of a cell's file on its script (by URL: V8 applies them to the script compiled later too). */
  private async applyBreakpoints(script: CellScript): Promise<void> {
    const scriptName = script.scriptName!;
    for (const id of this.v8Breakpoints.get(scriptName) ?? []) {
      this.conditionsOf.delete(id);
      await this.call("Debugger.removeBreakpoint", { breakpointId: id }).catch(() => undefined);
    }
    this.v8Breakpoints.delete(scriptName);
    const asked = this.pathsOfScript(script).flatMap((sourcePath) => this.requested.get(sourcePath) ?? []);
    if (asked.length === 0) return;
    const ts = await loadTypeScript();
    const ids: string[] = [];
    const placed = new Set<string>();
    for (const { line, condition, asWritten } of asked) {
      const resolved = resolveBreakpoint(ts, script, line);
      // a file with breakpoints under both its names (its path, and the hash of its text) gets each once
      if (!resolved || placed.has(`${resolved.line}:${condition}`)) continue;
      placed.add(`${resolved.line}:${condition}`);
      const { breakpointId } = await this.call<{ breakpointId: string }>("Debugger.setBreakpointByUrl", {
        url: scriptName,
        lineNumber: resolved.jsLine,
        columnNumber: resolved.jsColumn,
        ...(condition ? { condition: conditionThatSaysWhyItThrew(condition) } : {}),
      });
      ids.push(breakpointId);
      if (condition) this.conditionsOf.set(breakpointId, asWritten ?? condition);
    }
    this.v8Breakpoints.set(scriptName, ids);
  }

  private async evaluate(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const expression = String(args.expression ?? "");
    // The console speaks TypeScript, as the cells do (`f<number>(x)` means something else in JavaScript).
    const compiled = consoleInputToJavaScript(await loadTypeScript(), expression);
    if ("error" in compiled) throw new DapError(compiled.error);
    const evaluated = await this.evaluateJavaScript(compiled.javascript, args);
    const details = evaluated.exceptionDetails;
    if (details) throw new DapError(details.exception?.description?.split("\n")[0] ?? details.text ?? "The expression threw.");
    const variable = await this.values.variable(expression, evaluated.result);
    return { result: variable.value, type: variable.type, variablesReference: variable.variablesReference };
  }

  private evaluateJavaScript(expression: string, args: Record<string, unknown>): Promise<Evaluated> {
    if (args.frameId !== undefined) {
      return this.call<Evaluated>("Debugger.evaluateOnCallFrame", {
        callFrameId: this.frameOf(args.frameId).callFrameId,
        expression,
        objectGroup: OBJECT_GROUP,
        throwOnSideEffect: args.context === "hover",
      });
    }
    return this.call<Evaluated>("Runtime.evaluate", { expression, objectGroup: OBJECT_GROUP, replMode: true, awaitPromise: !this.paused });
  }

  private async exceptionInfo(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { params } = this.requirePaused(args);
    if (params.reason !== "exception" && params.reason !== "promiseRejection") throw new DapError("The cells are paused, but not on an exception.");
    const thrown = params.data;
    const description = thrown?.description ?? String(thrown?.value);
    const message = description.split("\n")[0];
    return {
      exceptionId: thrown?.className ?? thrown?.type ?? "Error",
      description: message,
      breakMode: this.exceptionMode === "all" ? "always" : "unhandled",
      details: { message, typeName: thrown?.className, stackTrace: description },
    };
  }

  private async inspectVariables(): Promise<DapVariable[]> {
    if (!this.paused) {
      this.values.forget();
      await this.call("Runtime.releaseObjectGroup", { objectGroup: OBJECT_GROUP }).catch(() => undefined);
    }
    const { names: lexical } = await this.call<{ names: string[] }>("Runtime.globalLexicalScopeNames");
    const names = await this.values.notebookNames(lexical);
    const variables: DapVariable[] = [];
    for (const name of names) {
      const { result, exceptionDetails } = await this.call<{ result: RemoteObject; exceptionDetails?: unknown }>("Runtime.evaluate", {
        expression: name,
        objectGroup: OBJECT_GROUP,
        silent: true,
      });
      // a let whose cell failed before it got its value
      if (exceptionDetails) variables.push({ name, value: "(not initialized)", type: "", evaluateName: name, variablesReference: 0 });
      else variables.push(await this.values.variable(name, result, name));
    }
    return variables;
  }

  private async richInspectVariables(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const name = String(args.variableName ?? "");
    if (!IDENTIFIER.test(name)) return { data: {}, metadata: {} };
    const expression = `${HELPERS}.bundle(${name})`;
    const evaluated =
      this.paused && args.frameId !== undefined
        ? await this.call<{ result: RemoteObject; exceptionDetails?: unknown }>("Debugger.evaluateOnCallFrame", {
            callFrameId: this.frameOf(args.frameId).callFrameId,
            expression,
            returnByValue: true,
          })
        : await this.call<{ result: RemoteObject; exceptionDetails?: unknown }>("Runtime.evaluate", { expression, returnByValue: true, silent: true });
    if (evaluated.exceptionDetails) throw new DapError(`${name} is not defined here.`);
    return { data: evaluated.result.value ?? {}, metadata: {} };
  }

  private async copyToGlobals(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const source = String(args.srcVariableName ?? "");
    const destination = String(args.dstVariableName ?? "");
    if (!IDENTIFIER.test(source) || !IDENTIFIER.test(destination)) throw new DapError("srcVariableName and dstVariableName must be identifiers.");
    const { exceptionDetails } = await this.call<{ exceptionDetails?: unknown }>("Debugger.evaluateOnCallFrame", {
      callFrameId: this.frameOf(args.srcFrameId).callFrameId,
      expression: `globalThis[${JSON.stringify(destination)}] = ${source}, undefined`,
      silent: true,
    });
    if (exceptionDetails) throw new DapError(`${source} is not defined in that frame.`);
    return {};
  }

  private async detach(): Promise<void> {
    this.started = false;
    this.requested.clear();
    this.answered.clear();
    this.exceptionMode = "none";
    if (this.enabledGeneration === this.runtime.workerGeneration) {
      // disabling the domain removes the breakpoints and resumes a paused worker
      await this.call("Debugger.disable").catch(() => undefined);
    }
    this.v8Breakpoints.clear();
    this.conditionsOf.clear();
    this.scriptUrls.clear();
    this.enabledGeneration = 0;
    this.endPause();
  }

  // ---- V8's side -----------------------------------------------------------------------

  private call<T = Record<string, unknown>>(method: string, params: object = {}): Promise<T> {
    return this.runtime.inspectorCall<T>(method, params);
  }

  private async ensureEnabled(): Promise<void> {
    const generation = this.runtime.workerGeneration;
    if (this.enabledGeneration === generation) return;
    this.enabledGeneration = generation;
    this.scriptUrls.clear();
    this.v8Breakpoints.clear();
    await this.call("Debugger.enable");
    // The kernel's own code, Node's and packages' (tf, tl) are never stopped in nor stepped into.
    await this.call("Debugger.setBlackboxPatterns", { patterns: this.internalCode });
    await this.applyExceptionMode();
  }

  /**
   * V8 stops on every exception and the debugger decides (V8's own prediction counts the kernel's handlers: it awaits
   * each cell). For "uncaught", V8 keeps async stack traces, where the callers awaiting a rejected async function are.
   */
  private async applyExceptionMode(): Promise<void> {
    await this.call("Debugger.setPauseOnExceptions", { state: this.exceptionMode === "none" ? "none" : "all" });
    await this.call("Debugger.setAsyncCallStackDepth", { maxDepth: this.exceptionMode === "uncaught" ? ASYNC_STACK_DEPTH : 0 });
  }

  private onInspectorEvent(event: InspectorEvent): void {
    switch (event.method) {
      case "Debugger.scriptParsed":
        this.scriptParsed(String(event.params.scriptId), String(event.params.url ?? ""), String(event.params.sourceMapURL ?? ""));
        return;
      case "Debugger.paused":
        void this.onPaused(event.params as unknown as PausedParams).catch(() => this.call("Debugger.resume").catch(() => undefined));
        return;
      case "Debugger.resumed":
        if (this.paused) {
          this.endPause();
          this.emit(this.messages.event("continued", { threadId: THREAD_ID, allThreadsContinued: true }));
        }
        return;
    }
  }

  private scriptParsed(scriptId: string, url: string, sourceMapURL: string): void {
    this.scriptUrls.set(scriptId, url);
    if (!url.startsWith("file://") || !/\.[cm]?tsx?$/.test(url) || !sourceMapURL.startsWith("data:")) return;
    if (this.internalCode.some((pattern) => new RegExp(pattern).test(url))) return;
    try {
      const map = JSON.parse(Buffer.from(sourceMapURL.slice(sourceMapURL.indexOf(",") + 1), "base64").toString("utf8")) as RawSourceMap;
      const filePath = fileURLToPath(url);
      const code = map.sourcesContent?.[0] ?? fs.readFileSync(filePath, "utf8");
      const expected = this.userFiles.get(filePath);
      // registered before the import (userFileToBeImported): V8 placed its breakpoints as it parsed it
      if (expected?.scriptName === url && expected.code === code) return;
      const file: CellScript = { scriptName: url, cellText: code, code, map };
      this.userFiles.set(filePath, file);
      // breakpoints set in the file before it was imported (from JupyterLab's file editor, or by path)
      if (this.pathsOfScript(file).some((sourcePath) => this.requested.has(sourcePath)))
        this.userFileBreakpoints = this.userFileBreakpoints.then(() => this.applyBreakpoints(file)).catch(() => undefined);
    } catch {
      // a file whose map cannot be read shows at its JavaScript lines
    }
  }

  private endPause(): void {
    this.paused = undefined;
    this.frames.clear();
    this.values.forget();
  }

  private async onPaused(params: PausedParams): Promise<void> {
    const userFrames = params.callFrames.filter((frame) => this.isUserFrame(frame));
    const stepping = this.stepping;
    this.stepping = undefined;
    const onException = params.reason === "exception" || params.reason === "promiseRejection";
    if (userFrames.length === 0) {
      // The kernel's own code: nothing of the user's to show. A pause asked while no cell ran lands here; stepping
      // in (blackboxed code is stepped through) stops at the first line of a cell that runs next.
      await this.call(this.pauseAsked ? "Debugger.stepInto" : "Debugger.resume");
      return;
    }
    if (!onException && !this.isUserFrame(params.callFrames[0])) {
      await this.call(stepping ? "Debugger.stepOut" : "Debugger.resume");
      if (stepping) this.stepping = stepping;
      return;
    }
    if (onException && (this.exceptionMode === "none" || (this.exceptionMode === "uncaught" && (await this.caughtByUser(params, userFrames))))) {
      await this.call("Debugger.resume");
      return;
    }
    // V8 stops at every statement; a step over or into that stayed on the same TypeScript line goes on
    if (stepping && stepping.command !== "Debugger.stepOut" && !onException && !params.hitBreakpoints?.length) {
      if (userFrames.length === stepping.depth && this.tsLocation(userFrames[0]).line === stepping.line) {
        this.stepping = stepping;
        await this.call(stepping.command);
        return;
      }
    }
    this.paused = { params, frames: userFrames };
    this.frames.clear();
    this.values.forget();
    const reason = onException ? "exception" : stepping ? "step" : this.pauseAsked ? "pause" : "breakpoint";
    this.pauseAsked = false;
    const body: Record<string, unknown> = { reason, threadId: THREAD_ID, allThreadsStopped: true };
    if (onException) body.text = params.data?.description?.split("\n")[0];
    const conditionFailure = reason === "breakpoint" ? await this.conditionFailure(params) : undefined;
    if (conditionFailure) {
      body.text = conditionFailure;
      this.emit(this.messages.event("output", { category: "stderr", output: `${conditionFailure}\n` }));
    }
    this.emit(this.messages.event("stopped", body));
  }

  /** The sentence for a conditional breakpoint that stopped because its condition threw (conditionThatSaysWhyItThrew). */
  private async conditionFailure(params: PausedParams): Promise<string | undefined> {
    const conditional = (params.hitBreakpoints ?? []).filter((id) => this.conditionsOf.has(id));
    if (conditional.length === 0) return undefined;
    const { result } = await this.call<{ result: RemoteObject }>("Runtime.evaluate", {
      expression: `(() => { const thrown = globalThis[${JSON.stringify(CONDITION_ERROR)}]; delete globalThis[${JSON.stringify(CONDITION_ERROR)}]; return thrown; })()`,
      returnByValue: true,
      silent: true,
    });
    if (typeof result.value !== "string") return undefined;
    const condition = this.conditionsOf.get(conditional[0]);
    return `The breakpoint's condition ${JSON.stringify(condition)} threw ${result.value}: it stopped here so you can fix the condition.`;
  }

  /**
   * Whether the cells or the user's files catch the exception (what "uncaught" leaves out): a `try` around where a
   * frame on the stack is; or, for an async function's rejection, a `try` around an `await` of it up the chain of
   * awaiting callers, or a `.catch()` / `.then(_, onRejected)` on the call that made the promise. V8's prediction
   * decides alone only when it finds no handler at all, since the handlers it counts include the kernel's.
   */
  private async caughtByUser(params: PausedParams, frames: CallFrame[]): Promise<boolean> {
    if (params.data?.uncaught) return false;
    const ts = await loadTypeScript();
    const catchesAt = (script: CellScript | undefined, location: { line: number; column: number }, orHandles: boolean) =>
      script !== undefined &&
      (insideTryBlock(ts, script.code, location.line, location.column) || (orHandles && rejectionHandledAt(ts, script.code, location.line, location.column)));
    if (frames.some((frame) => catchesAt(this.scriptOf(frame), this.tsLocation(frame), false))) return true;
    for (let trace = params.asyncStackTrace; trace; trace = trace.parent) {
      if (trace.description !== "await") continue;
      for (const frame of trace.callFrames) {
        const script = this.scriptAtUrl(frame.url);
        if (script && catchesAt(script, originalPosition(script, frame.lineNumber, frame.columnNumber), true)) return true;
      }
    }
    return false;
  }

  private urlOf(frame: CallFrame): string {
    return this.scriptUrls.get(frame.location.scriptId) ?? "";
  }

  /** A frame of a cell, or of the user's own files (not node_modules, not the kernel, not Node's). */
  private isUserFrame(frame: CallFrame): boolean {
    const url = this.urlOf(frame);
    if (this.scripts.byName(url)) return true;
    if (!url.startsWith("file://") && !url.startsWith("/")) return false;
    return !this.internalCode.some((pattern) => new RegExp(pattern).test(url));
  }

  /** The cell or the user's .ts file a frame runs in. */
  private scriptOf(frame: CallFrame): CellScript | undefined {
    return this.scriptAtUrl(this.urlOf(frame));
  }

  private scriptAtUrl(url: string): CellScript | undefined {
    return this.scripts.byName(url) ?? (url.startsWith("file://") ? this.userFiles.get(fileURLToPath(url)) : undefined);
  }

  private tsLocation(frame: CallFrame): { line: number; column: number } {
    const script = this.scriptOf(frame);
    const { lineNumber, columnNumber = 0 } = frame.location;
    return script ? originalPosition(script, lineNumber, columnNumber) : { line: lineNumber + 1, column: columnNumber + 1 };
  }

  private stackFrame(frame: CallFrame): Record<string, unknown> {
    const id = this.nextFrameId++;
    this.frames.set(id, frame);
    const url = this.urlOf(frame);
    const script = this.scriptOf(frame);
    const { line, column } = this.tsLocation(frame);
    const sourcePath = script ? this.shownPathOf(script) : url.startsWith("file://") ? fileURLToPath(url) : url;
    const isCell = this.scripts.byName(url) !== undefined;
    return { id, name: frame.functionName || (isCell ? "<cell>" : "<anonymous>"), source: { name: path.basename(sourcePath), path: sourcePath }, line, column };
  }

  private scopes(frame: CallFrame): Array<Record<string, unknown>> {
    const names: Record<string, string> = {
      local: "Locals",
      closure: "Closure",
      block: "Block",
      catch: "Catch",
      script: "Notebook",
      global: "Globals",
      module: "Module",
    };
    return frame.scopeChain
      .filter((scope) => names[scope.type] && scope.object.objectId)
      .map((scope) => ({
        name: names[scope.type],
        variablesReference: this.values.handleFor(scope.object.objectId!, scope.type === "global"),
        expensive: false,
        ...(scope.type === "local" ? { presentationHint: "locals" } : {}),
      }));
  }

  // ---- cells and their files -------------------------------------------------------------

  private isUserFile(script: CellScript): boolean {
    return script.scriptName?.startsWith("file://") ?? false;
  }

  /**
   * The names the front end may give a script's breakpoints: a cell's file (the hash of its text); a user's file by
   * its path (as VS Code names it) and by the hash of its text (as JupyterLab's file editor names it: dumpCell of the
   * editor's text, then setBreakpoints on the path that returns).
   */
  private pathsOfScript(script: CellScript): string[] {
    return this.isUserFile(script) ? [fileURLToPath(script.scriptName!), this.hashedPathOf(script)] : [this.hashedPathOf(script)];
  }

  /**
   * The path a frame of the script shows: a user's file shows under the hash of its text once the front end dumped
   * that text (JupyterLab highlights the paused line in the file editor whose text hashes to the frame's path).
   */
  private shownPathOf(script: CellScript): string {
    const hashed = this.hashedPathOf(script);
    return this.isUserFile(script) && !this.dumped.has(hashed) ? fileURLToPath(script.scriptName!) : hashed;
  }

  sourcePathOf(cellText: string): string {
    return `${this.tmpFilePrefix}${murmur2(cellText, HASH_SEED)}${this.tmpFileSuffix}`;
  }

  private hashedPathOf(script: CellScript): string {
    let known = this.sourcePaths.get(script);
    if (known === undefined) {
      known = this.sourcePathOf(script.cellText);
      this.sourcePaths.set(script, known);
    }
    return known;
  }

  private scriptsOf(sourcePath: string): CellScript[] {
    return this.scripts.all().filter((script) => this.hashedPathOf(script) === sourcePath);
  }

  /** A user's .ts file the runtime loaded, by its path or by the hash of its text. */
  private userFileAt(sourcePath: string): CellScript | undefined {
    return this.userFiles.get(sourcePath) ?? [...this.userFiles.values()].find((file) => this.hashedPathOf(file) === sourcePath);
  }

  private sourceText(sourcePath: string): string | undefined {
    const userFile = this.userFileAt(sourcePath);
    if (userFile) return userFile.code;
    const dumped = this.dumped.get(sourcePath);
    if (dumped !== undefined) return dumped;
    const ran = this.scriptsOf(sourcePath);
    if (ran.length > 0) return ran[ran.length - 1].cellText;
    return undefined;
  }
}
