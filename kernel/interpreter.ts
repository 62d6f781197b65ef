/**
 * The narrow interface between the Jupyter protocol layer (kernel/protocol.ts and friends,
 * which know nothing of TypeScript) and the language side (kernel/evaluator/, which never
 * touches sockets). Shaped after ipykernel's do_execute/do_complete/... split and xeus'
 * publish callbacks: the evaluator reports everything through an OutputSink, and the
 * protocol layer turns those calls into iopub/stdin messages for the current request.
 */

import type { DisplayEvent, MimeBundle } from "../display/types";
import type { CommRegistry } from "./comms";

// One definition of a bundle and a display event, owned by display/ (kernel → display).
export type { DisplayEvent, MimeBundle };

/** Everything a running cell can cause on the client side. Implemented by the protocol layer. */
export interface OutputSink {
  /**
   * relayed, when given, must be called once the text was sent on or dropped: the runtime's writes wait
   * while too much of its output is in the kernel and not yet relayed.
   */
  stream(name: "stdout" | "stderr", text: string, relayed?: () => void): void;
  display(event: DisplayEvent): void;
  clearOutput(wait: boolean): void;
  /** Ask the user for one line of text on the stdin channel. Rejects if the client does not allow stdin. */
  input(prompt: string, password: boolean): Promise<string>;
}

export interface ExecuteRequest {
  code: string;
  silent: boolean;
  storeHistory: boolean;
  allowStdin: boolean;
  /** The count this execution will be reported under (already incremented when storeHistory). */
  executionCount: number;
  userExpressions: Record<string, string>;
}

export interface ErrorInfo {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** trailing: displays published after the cell's value or error (the output area its widget callbacks print into). */
export type ExecuteOutcome =
  | {
      status: "ok";
      /** Bundle of the cell's final expression, if it had a value worth showing. */
      result?: MimeBundle;
      userExpressions?: Record<string, unknown>;
      /** Jupyter payloads (e.g. set_next_input from %load). */
      payload?: Record<string, unknown>[];
      trailing?: DisplayEvent[];
    }
  | ({ status: "error"; trailing?: DisplayEvent[] } & ErrorInfo);

export interface CompleteReply {
  matches: string[];
  cursorStart: number;
  cursorEnd: number;
  metadata: Record<string, unknown>;
}

export interface InspectReply {
  found: boolean;
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

export type IsCompleteReply = { status: "complete" | "invalid" | "unknown" } | { status: "incomplete"; indent: string };

export interface LanguageInfo {
  name: string;
  version: string;
  mimetype: string;
  file_extension: string;
  codemirror_mode: string | Record<string, unknown>;
  pygments_lexer?: string;
}

export interface Interpreter {
  /** Called once before the first request; may start workers. Must not block start-up for long. */
  start(): Promise<void>;
  execute(request: ExecuteRequest, sink: OutputSink): Promise<ExecuteOutcome>;
  complete(code: string, cursorPos: number): Promise<CompleteReply>;
  inspect(code: string, cursorPos: number, detailLevel: 0 | 1): Promise<InspectReply>;
  isComplete(code: string): Promise<IsCompleteReply>;
  /** Stop the running cell (if any) as soon as possible; the running execute() then resolves with an error outcome. */
  interrupt(): void;
  /** The protocol's comm registry, given once: an interpreter whose code opens comms (widgets) uses it. */
  attachComms?(comms: CommRegistry): void;
  /** restart=true: throw away user state and be ready for new cells. */
  shutdown(restart: boolean): Promise<void>;
  /**
   * The Jupyter debugger, when the interpreter has one: answers a debug_request's content (a DAP request) with
   * debug_reply's content. kernel_info announces the debugger when this is present.
   */
  debugRequest?(content: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Where the debugger's DAP events go (published as debug_event on iopub). */
  setDebugEventSink?(sink: (event: Record<string, unknown>) => void): void;
  languageInfo(): LanguageInfo;
  implementationVersion(): string;
  banner(): string;
}
