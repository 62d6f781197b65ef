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
import { CellLanguageService } from "./cell-language-service";
import { CellSourceMaps } from "./cell-source-maps";
import { transpileCell } from "./cell-transpiler";
import { completeAt } from "./completion";
import { describeDiagnostic, INTERRUPTED, runtimeErrorOutcome, typeErrorOutcome } from "./error-outcomes";
import { inspectAt } from "./inspection";
import { isCodeComplete } from "./is-complete";
import type { MagicHost } from "./magic-host";
import { completeMagic, expandMagics, inspectMagic } from "./magics-bridge";
import { ReplBindings } from "./repl-bindings";
import { RuntimeClient, type RuntimeEvent } from "./runtime-client";
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

const WARM_UP_DELAY_MS = 50;
const MENTIONS_BACKEND = /\b(tf|tl)\b/;

/** The TypeScript language side of the kernel: magics → type check → transpile → run in the runtime worker. */
export class TypeScriptInterpreter implements Interpreter {
  private typecheck: TypecheckMode;
  private runtime: RuntimeClient | undefined;
  private service: CellLanguageService | undefined;
  private readonly maps = new CellSourceMaps();
  private readonly bindings = new ReplBindings();
  private readonly history: Array<{ executionCount: number; code: string }> = [];
  private readonly userMagics = new Map<string, string | undefined>();
  private currentSink: OutputSink | undefined;
  private lastSink: OutputSink | undefined;
  private allowStdin = false;
  /** Set by interrupt() while a cell is still being expanded or checked, so it never starts. */
  private interruptRequested = false;
  private runNumber = 0;

  constructor(private readonly options: InterpreterOptions) {
    this.typecheck = options.typecheck ?? "on";
  }

  async start(): Promise<void> {
    this.runtime = new RuntimeClient({
      cwd: this.options.cwd,
      preloadBackend: this.options.preloadBackend ?? true,
      onEvent: (event) => this.onRuntimeEvent(event),
      onRestart: (reason) => {
        this.service?.prelude.clear();
        this.bindings.clear();
        this.userMagics.clear();
        (this.currentSink ?? this.lastSink)?.stream("stderr", `${reason}\n`);
      },
    });
    // Warm the language service soon after start-up (parsing lib and tf .d.ts files takes seconds and
    // blocks this thread), the protocol calls start() once kernel_info has been answered. A cell that comes
    // earlier simply starts the same work itself.
    setTimeout(() => void this.languageService().then((service) => this.warmUp(service)), WARM_UP_DELAY_MS).unref();
  }

  async execute(request: ExecuteRequest, sink: OutputSink): Promise<ExecuteOutcome> {
    this.currentSink = this.lastSink = sink;
    this.allowStdin = request.allowStdin;
    this.interruptRequested = false;
    try {
      const outcome = await this.executeCell(request, sink);
      if (outcome.status === "ok" && Object.keys(request.userExpressions).length > 0) {
        outcome.userExpressions = await this.evaluateUserExpressions(request.userExpressions);
      }
      return outcome;
    } finally {
      this.currentSink = undefined;
    }
  }

  async complete(code: string, cursorPos: number): Promise<CompleteReply> {
    const magic = completeMagic(code, cursorPos, [...this.userMagics.keys()]);
    if (magic) return { ...magic, metadata: {} };
    return completeAt(await this.languageService(), code, cursorPos);
  }

  async inspect(code: string, cursorPos: number, detailLevel: 0 | 1): Promise<InspectReply> {
    const help = inspectMagic(code, cursorPos);
    if (help) return { found: true, data: { "text/plain": help, "text/markdown": "```\n" + help + "\n```" }, metadata: {} };
    return inspectAt(await this.languageService(), code, cursorPos, detailLevel);
  }

  async isComplete(code: string): Promise<IsCompleteReply> {
    return isCodeComplete(await loadTypeScript(), code);
  }

  interrupt(): void {
    if (this.currentSink) this.interruptRequested = true;
    this.runtime?.interrupt();
  }

  async shutdown(restart: boolean): Promise<void> {
    if (!this.runtime) return;
    if (restart) {
      await this.runtime.restart();
      this.service?.prelude.clear();
      this.bindings.clear();
      this.userMagics.clear();
    } else {
      await this.runtime.stop();
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
    const ts = await loadTypeScript();
    const service = await this.languageService();
    const label = `cell[${request.executionCount}]`;
    const expanded = await expandMagics(request.code, this.magicHost());
    if (!expanded.ok) return { status: "error", ename: "MagicError", evalue: expanded.message, traceback: [expanded.message] };
    const code = expanded.code;
    if (request.storeHistory) this.history.push({ executionCount: request.executionCount, code: request.code });
    const payload = expanded.payload?.length ? { payload: expanded.payload } : {};
    if (code.trim() === "") return { status: "ok", ...payload };

    service.setCell(code);
    if (this.typecheck !== "off") {
      const diagnostics = service.diagnostics().filter((diagnostic) => diagnostic.isError);
      if (diagnostics.length > 0 && this.typecheck === "on") return { status: "error", ...typeErrorOutcome(label, code, diagnostics) };
      if (diagnostics.length > 0) sink.stream("stderr", diagnostics.map((diagnostic) => describeDiagnostic(label, code, diagnostic)).join("\n") + "\n");
    }
    const carried = service.declarations();

    const scriptName = `tsfine-cell-${++this.runNumber}`;
    const transpiled = transpileCell(ts, code, scriptName);
    if (transpiled.syntaxErrors.length > 0) return { status: "error", ...syntaxErrorOutcome(label, code, transpiled.syntaxErrors) };
    this.maps.add(scriptName, label, code, transpiled.map);

    if (this.interruptRequested) return { status: "error", ...INTERRUPTED };
    const adapted = this.bindings.adapt(ts, transpiled.js);
    const result = await this.runtime!.run(adapted.js, MENTIONS_BACKEND.test(code));
    // Whatever ran keeps its bindings in the REPL scope even if the cell failed later on (a binding
    // that never got its value throws a ReferenceError, as it should), so later cells see its type.
    // Only a cell V8 refused to compile declared nothing.
    if (!(result.kind === "error" && result.error.name === "SyntaxError")) {
      service.prelude.carry(carried);
      adapted.commit();
    }
    const outcome = this.outcomeOf(result);
    return outcome.status === "ok" ? { ...outcome, ...payload } : outcome;
  }

  private outcomeOf(result: RunResult): ExecuteOutcome {
    if (result.kind === "ok") return result.bundle ? { status: "ok", result: result.bundle } : { status: "ok" };
    if (result.kind === "interrupted" || result.terminated) return { status: "error", ...INTERRUPTED };
    return { status: "error", ...runtimeErrorOutcome(result.error, this.maps) };
  }

  private async evaluateUserExpressions(expressions: Record<string, string>): Promise<Record<string, unknown>> {
    const ts = await loadTypeScript();
    const results: Record<string, unknown> = {};
    for (const [name, expression] of Object.entries(expressions)) {
      const scriptName = `tsfine-cell-${++this.runNumber}`;
      const transpiled = transpileCell(ts, `(${expression})`, scriptName);
      const result = transpiled.syntaxErrors.length > 0 ? undefined : await this.runtime!.run(transpiled.js, false);
      if (result?.kind === "ok") results[name] = { status: "ok", data: result.bundle ?? { "text/plain": "undefined" }, metadata: {} };
      else {
        const error: ErrorInfo = result?.kind === "error" ? runtimeErrorOutcome(result.error, this.maps) : { ename: "SyntaxError", evalue: transpiled.syntaxErrors[0]?.message ?? "interrupted", traceback: [] };
        results[name] = { status: "error", ...error };
      }
    }
    return results;
  }

  private onRuntimeEvent(event: RuntimeEvent): void {
    const sink = this.currentSink ?? this.lastSink;
    switch (event.type) {
      case "stream":
        sink?.stream(event.name, event.text);
        break;
      case "display":
        sink?.display(event.event);
        break;
      case "clearOutput":
        sink?.clearOutput(event.wait);
        break;
      case "backgroundError": {
        const traceback = runtimeErrorOutcome(event.error, this.maps).traceback.join("\n");
        sink?.stream("stderr", `${event.origin} (the kernel keeps running):\n${traceback}\n`);
        break;
      }
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

  private languageServicePromise: Promise<CellLanguageService> | undefined;
  private languageService(): Promise<CellLanguageService> {
    this.languageServicePromise ??= loadTypeScript().then((ts) => {
      this.service = new CellLanguageService(ts, this.options.cwd);
      return this.service;
    });
    return this.languageServicePromise;
  }

  private warmUp(service: CellLanguageService): void {
    if (this.runNumber > 0) return;
    service.setCell("tf; tsfine; process;");
    service.diagnostics();
  }
}

function syntaxErrorOutcome(label: string, code: string, errors: Array<{ start: number; message: string }>): ErrorInfo {
  return {
    ename: "SyntaxError",
    evalue: errors[0].message,
    traceback: errors.map((error) => describeDiagnostic(label, code, { start: error.start, length: 1, code: 0, message: error.message, isError: true })),
  };
}

function packageVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(tsfineRoot(), "package.json"), "utf8")).version;
  } catch {
    return "0.0.0";
  }
}
