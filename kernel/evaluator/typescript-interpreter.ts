import type {
  CompleteReply,
  ErrorInfo,
  ExecuteOutcome,
  ExecuteRequest,
  InspectReply,
  Interpreter,
  IsCompleteReply,
  LanguageInfo,
  OutputSink,
} from "../interpreter";
import { pagePayload, parsePagerQuery, type PagerQuery } from "./pager-query";
import { CellSourceMaps } from "./cell-source-maps";
import { describeDiagnostic, INTERRUPTED, runtimeErrorOutcome, typeErrorOutcome } from "./error-outcomes";
import { isCodeComplete } from "./is-complete";
import { LanguageClient } from "./language-client";
import type { MagicHost } from "../../magics";
import { completeMagic, expandMagics, inspectMagic } from "./magics-bridge";
import { RuntimeClient, type RuntimeEvent } from "./runtime-client";
import { CellDebugger } from "./debugger/cell-debugger";
import { asDapRequest } from "./debugger/dap";
import { RuntimeComms } from "./runtime-comms";
import type { CommRegistry } from "../comms";
import type { RunResult } from "./runtime/messages";
import type { TypecheckMode } from "./runtime/tsfine-object";
import { loadTypeScript, typescriptVersion } from "./typescript-loader";
import { tsfineRoot } from "./tsfine-root";
import * as fs from "node:fs";
import * as path from "node:path";

export interface InterpreterOptions {
  /** The notebook's folder: imports and relative paths resolve from here. */
  cwd: string;
  /** "on" (default): type errors stop a cell; "warn": printed on stderr, the cell runs; "off": not checked. */
  typecheck?: TypecheckMode;
  /** Start tf's backend in the background at start-up (default true). */
  preloadBackend?: boolean;
}

const MENTIONS_BACKEND = /\b(tf|tl)\b/;
/** How long an idle runtime takes at most to run a no-op; longer means it is busy. */
const PROBE_WAIT_MS = 150;

/** The TypeScript language side of the kernel: magics → type check → transpile → run in the runtime worker. */
export class TypeScriptInterpreter implements Interpreter {
  private typecheck: TypecheckMode;
  private runtime: RuntimeClient | undefined;
  private readonly language: LanguageClient;
  private readonly maps = new CellSourceMaps();
  private readonly history: Array<{ executionCount: number; code: string }> = [];
  private readonly userMagics = new Map<string, string | undefined>();
  private currentSink: OutputSink | undefined;
  private lastSink: OutputSink | undefined;
  private allowStdin = false;
  /** Set by interrupt() while a cell is still being expanded or checked, so it never starts. */
  private interruptRequested = false;
  /** Resolves when interrupt() is called during the current execute: a cell waiting for its type check stops waiting. */
  private interrupted: { promise: Promise<"interrupted">; resolve(): void } | undefined;
  private runNumber = 0;
  private debugger: CellDebugger | undefined;
  private debugEventSink: ((event: Record<string, unknown>) => void) | undefined;
  /** Where widget callbacks' output goes while a front-end message is handled and no cell runs. */
  private callbackSink: OutputSink | undefined;
  private readonly comms = new RuntimeComms({
    runtime: () => this.runtime,
    setCallbackSink: (sink) => (this.callbackSink = sink),
    describeError: (error) => runtimeErrorOutcome(error, this.maps),
    cellSink: () => this.currentSink,
  });

  constructor(private readonly options: InterpreterOptions) {
    this.typecheck = options.typecheck ?? "on";
    this.language = new LanguageClient(options.cwd);
  }

  attachComms(registry: CommRegistry): void {
    this.comms.attach(registry);
  }

  private starting: Promise<void> | undefined;

  /** Starts the runtime and language workers; later calls return the first one's promise. */
  start(): Promise<void> {
    this.starting ??= this.startWorkers();
    return this.starting;
  }

  private async startWorkers(): Promise<void> {
    this.runtime = new RuntimeClient({
      cwd: this.options.cwd,
      preloadBackend: this.options.preloadBackend ?? true,
      onEvent: (event, relayed) => this.onRuntimeEvent(event, relayed),
      onRestart: (reason) => {
        this.debugger?.runtimeReplaced();
        this.comms.closeAll();
        this.language.clear();
        this.userMagics.clear();
        (this.currentSink ?? this.lastSink)?.stream("stderr", `${reason}\n`);
      },
    });
    this.debugger = new CellDebugger(this.runtime, (event) => this.debugEventSink?.(event));
    // The language worker loads TypeScript and parses lib and tf .d.ts files (seconds) on its own thread.
    this.language.start();
  }

  async execute(request: ExecuteRequest, sink: OutputSink): Promise<ExecuteOutcome> {
    this.currentSink = this.lastSink = sink;
    this.allowStdin = request.allowStdin;
    this.interruptRequested = false;
    let resolveInterrupted!: () => void;
    const promise = new Promise<"interrupted">((resolve) => (resolveInterrupted = () => resolve("interrupted")));
    this.interrupted = { promise, resolve: resolveInterrupted };
    try {
      const outcome = await this.executeCell(request, sink);
      if (outcome.status === "ok" && Object.keys(request.userExpressions).length > 0) {
        outcome.userExpressions = await this.evaluateUserExpressions(request.userExpressions);
      }
      return outcome;
    } finally {
      this.currentSink = undefined;
      this.interrupted = undefined;
    }
  }

  async complete(code: string, cursorPos: number): Promise<CompleteReply> {
    const magic = completeMagic(code, cursorPos, [...this.userMagics.keys()]);
    if (magic?.expression !== undefined) return this.completeMagicArgument(magic.matches, magic.expression, cursorPos);
    if (magic) return { matches: magic.matches, cursorStart: magic.cursorStart, cursorEnd: magic.cursorEnd, metadata: {} };
    return this.language.request({ type: "complete", code, cursorPos });
  }

  /** `%fit ba|`: the argument is a value in the notebook, so its names come from TypeScript completion of `expression`, after the magic's own matches. */
  private async completeMagicArgument(magicMatches: string[], expression: string, cursorPos: number): Promise<CompleteReply> {
    const names = await this.language.request({ type: "complete", code: expression, cursorPos: expression.length });
    const shift = cursorPos - expression.length;
    return {
      matches: [...new Set([...magicMatches, ...names.matches])],
      cursorStart: names.cursorStart + shift,
      cursorEnd: names.cursorEnd + shift,
      metadata: {},
    };
  }

  async inspect(code: string, cursorPos: number, detailLevel: 0 | 1): Promise<InspectReply> {
    const help = inspectMagic(code, cursorPos);
    if (help) return { found: true, data: { "text/plain": help, "text/markdown": "```\n" + help + "\n```" }, metadata: {} };
    return this.language.request({ type: "inspect", code, cursorPos, detailLevel });
  }

  async isComplete(code: string): Promise<IsCompleteReply> {
    return isCodeComplete(await loadTypeScript(), code);
  }

  interrupt(): void {
    if (this.currentSink) this.interruptRequested = true;
    this.debugger?.interruptPaused();
    this.interrupted?.resolve();
    this.runtime?.interrupt();
  }

  async debugRequest(content: Record<string, unknown>): Promise<Record<string, unknown>> {
    await this.start();
    const request = asDapRequest(content);
    if (!request)
      return {
        type: "response",
        success: false,
        command: String(content.command),
        message: "A debug_request carries a DAP request: a command and its arguments.",
      };
    return this.debugger!.handle(request);
  }

  setDebugEventSink(sink: (event: Record<string, unknown>) => void): void {
    this.debugEventSink = sink;
  }

  async shutdown(restart: boolean): Promise<void> {
    if (!this.runtime) return;
    this.debugger?.interruptPaused();
    this.comms.closeAll();
    if (restart) {
      this.debugger?.runtimeReplaced();
      await this.runtime.restart();
      this.language.clear();
      this.userMagics.clear();
    } else {
      await Promise.all([this.runtime.stop(), this.language.stop()]);
      this.runtime = undefined;
    }
  }

  languageInfo(): LanguageInfo {
    return {
      name: "typescript",
      version: typescriptVersion(),
      mimetype: "text/typescript",
      file_extension: ".ts",
      codemirror_mode: { name: "javascript", typescript: true },
      pygments_lexer: "typescript",
    };
  }

  implementationVersion(): string {
    return packageVersion();
  }

  banner(): string {
    return `tsfine ${this.implementationVersion()}: TypeScript ${typescriptVersion()} on Node ${process.versions.node}, with tf, tl and display preloaded`;
  }

  private async executeCell(request: ExecuteRequest, sink: OutputSink): Promise<ExecuteOutcome> {
    const label = `cell[${request.executionCount}]`;
    const query = parsePagerQuery(request.code);
    if (query) return this.page(query, request);
    const expanded = await expandMagics(request.code, this.magicHost());
    if (!expanded.ok) return { status: "error", ename: "MagicError", evalue: expanded.message, traceback: [expanded.message] };
    const code = expanded.code;
    if (request.storeHistory) this.history.push({ executionCount: request.executionCount, code: request.code });
    const payload = expanded.payload?.length ? { payload: expanded.payload } : {};
    if (code.trim() === "") return { status: "ok", ...payload };

    const scriptName = `tsfine-cell-${++this.runNumber}`;
    const compiling = this.language.compile(code, scriptName, this.typecheck);
    const compiled = await Promise.race([compiling, this.interrupted!.promise]);
    for (const notice of this.language.takeNotices()) sink.stream("stderr", `${notice}\n`);
    if (compiled === "interrupted" || this.interruptRequested) {
      await this.interruptRuntime();
      return { status: "error", ...INTERRUPTED };
    }
    if (compiled.kind === "typeErrors") return { status: "error", ...typeErrorOutcome(label, code, compiled.diagnostics) };
    if (compiled.warnings.length > 0)
      sink.stream("stderr", compiled.warnings.map((diagnostic) => describeDiagnostic(label, code, diagnostic)).join("\n") + "\n");
    if (compiled.syntaxErrors.length > 0) return { status: "error", ...syntaxErrorOutcome(label, code, compiled.syntaxErrors) };
    // A cell run again unchanged keeps its earlier script name (language-client.ts): that name's traces now say this run's label.
    this.maps.add(compiled.scriptName, label, code, compiled.map);
    await this.debugger?.beforeRun({ scriptName: compiled.scriptName, cellText: request.code, code, map: compiled.map });

    const varNames = compiled.binds.bindings.filter(([, kind]) => kind === "var").map(([name]) => name);
    const result = await this.runtime!.run(compiled.js, { needsBackend: MENTIONS_BACKEND.test(code), plainScript: compiled.plainScript, varNames });
    // Whatever ran keeps its bindings in the REPL scope even if the cell failed later on (a binding
    // that never got its value throws a ReferenceError, as it should), so later cells see its type.
    // Only a cell V8 refused to compile declared nothing.
    if (!(result.kind === "error" && result.error.name === "SyntaxError")) this.language.commit(compiled.binds);
    const outcome = this.outcomeOf(result);
    return outcome.status === "ok" ? { ...outcome, ...payload } : outcome;
  }

  private async page(query: PagerQuery, request: ExecuteRequest): Promise<ExecuteOutcome> {
    if (request.storeHistory) this.history.push({ executionCount: request.executionCount, code: request.code });
    const found = await this.inspect(query.expression, query.expression.length, query.detailLevel);
    if (!found.found) {
      const message = `Nothing is known about ${query.expression}: it is not a name declared in this notebook, a global or a member the type checker can see.`;
      return { status: "error", ename: "NameError", evalue: message, traceback: [message] };
    }
    return { status: "ok", payload: [pagePayload(found.data)] };
  }

  /**
   * An interrupt that came while the cell was still being checked may be meant for the runtime: it can
   * be stuck in something an earlier cell left running (a loop in a timer), which only an interrupt of
   * a running cell stops. So a no-op runs, and is interrupted only if it does not finish at once.
   */
  private async interruptRuntime(): Promise<void> {
    const probe = this.runtime!.run("undefined", { plainScript: true });
    const answered = await Promise.race([probe.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), PROBE_WAIT_MS))]);
    if (answered) return;
    this.runtime!.interrupt();
    await probe;
  }

  private outcomeOf(result: RunResult): ExecuteOutcome {
    const trailing = result.trailing ? { trailing: result.trailing } : {};
    if (result.kind === "ok") return result.bundle ? { status: "ok", result: result.bundle, ...trailing } : { status: "ok", ...trailing };
    if (result.kind === "interrupted" || result.terminated) return { status: "error", ...INTERRUPTED, ...trailing };
    return { status: "error", ...runtimeErrorOutcome(result.error, this.maps), ...trailing };
  }

  private async evaluateUserExpressions(expressions: Record<string, string>): Promise<Record<string, unknown>> {
    const results: Record<string, unknown> = {};
    for (const [name, expression] of Object.entries(expressions)) {
      const scriptName = `tsfine-cell-${++this.runNumber}`;
      const transpiled = await this.language.request({ type: "transpile", code: `(${expression})`, scriptName });
      const result = transpiled.syntaxErrors.length > 0 ? undefined : await this.runtime!.run(transpiled.js, { plainScript: transpiled.plainScript });
      if (result?.kind === "ok") results[name] = { status: "ok", data: result.bundle ?? { "text/plain": "undefined" }, metadata: {} };
      else {
        const error: ErrorInfo =
          result?.kind === "error"
            ? runtimeErrorOutcome(result.error, this.maps)
            : { ename: "SyntaxError", evalue: transpiled.syntaxErrors[0]?.message ?? "interrupted", traceback: [] };
        results[name] = { status: "error", ...error };
      }
    }
    return results;
  }

  private onRuntimeEvent(event: RuntimeEvent, relayed: () => void): void {
    const sink = this.currentSink ?? this.callbackSink ?? this.lastSink;
    switch (event.type) {
      case "stream":
        if (sink) sink.stream(event.name, event.text, relayed);
        else relayed();
        break;
      case "display":
        sink?.display(event.event);
        break;
      case "clearOutput":
        sink?.clearOutput(event.wait);
        break;
      case "backgroundError": {
        const traceback = runtimeErrorOutcome(event.error, this.maps).traceback.join("\n");
        sink?.stream("stderr", `${event.origin}; the kernel keeps running, with every name it had:\n${traceback}\n`);
        break;
      }
      case "comm":
        this.comms.fromRuntime(event);
        break;
      case "registerMagic":
        this.userMagics.set(event.name, event.help);
        break;
      case "setTypecheck":
        this.typecheck = event.mode as TypecheckMode;
        break;
      case "input":
        this.answerInput(event.id, event.prompt, event.password);
        break;
      case "chdir":
        try {
          process.chdir(event.directory);
          this.runtime?.answer(event.id, "", undefined);
        } catch (error) {
          this.runtime?.answer(event.id, undefined, (error as Error).message);
        }
        break;
    }
  }

  private answerInput(id: number, prompt: string, password: boolean): void {
    const sink = this.currentSink;
    if (!sink || !this.allowStdin) {
      this.runtime?.answer(id, undefined, "this front end does not accept input (allow_stdin is false)");
      return;
    }
    sink.input(prompt, password).then(
      (value) => this.runtime?.answer(id, value, undefined),
      (error: Error) => this.runtime?.answer(id, undefined, error?.message ?? String(error)),
    );
  }

  private magicHost(): MagicHost {
    return {
      history: () => [...this.history],
      cwd: () => this.options.cwd,
      expandUserMagic: async (name, argsText, body) => String(await this.runtime!.request({ type: "expandMagic", name, args: argsText, body })),
      userMagicNames: () => [...this.userMagics.keys()],
    };
  }
}

function syntaxErrorOutcome(label: string, code: string, errors: Array<{ start: number; message: string }>): ErrorInfo {
  return {
    ename: "SyntaxError",
    evalue: errors[0].message,
    traceback: errors.map((error) => describeDiagnostic(label, code, { start: error.start, length: 1, code: 0, message: error.message, isError: true })),
  };
}

let tsfineVersion: string | undefined;

/** tsfine's own version, read once (every kernel_info_reply carries it). */
function packageVersion(): string {
  if (tsfineVersion === undefined) {
    try {
      tsfineVersion = String(JSON.parse(fs.readFileSync(path.join(tsfineRoot(), "package.json"), "utf8")).version);
    } catch {
      tsfineVersion = "0.0.0";
    }
  }
  return tsfineVersion;
}
