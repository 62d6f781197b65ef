/** Messages between the main thread (runtime-client.ts) and the runtime worker (runtime-worker.ts). */
import type { DisplayEvent, MimeBundle } from "../../interpreter";

export interface ThrownError {
  name: string;
  message: string;
  /** Raw V8 stack; the main thread maps its cell frames back to TypeScript lines. */
  stack?: string;
}

/** trailing: outputs that go after the cell's value or error (its widget callbacks' output area). */
export type RunResult = ({ kind: "ok"; bundle?: MimeBundle } | { kind: "error"; error: ThrownError; terminated?: boolean } | { kind: "interrupted" }) & {
  trailing?: DisplayEvent[];
};

export interface WorkerData {
  cwd: string;
  /** Start the tf backend right away (the kernel does; tests that never touch tf do not). */
  preloadBackend: boolean;
  /** One Int32 shared with the main thread: the handshake of a termination (runtime/interrupt-guard.ts). */
  terminationState: SharedArrayBuffer;
  /** Two Int32 shared with the main thread: stream characters posted and not yet relayed, and whether the run was interrupted (runtime/output-capture.ts). */
  outputInFlight: SharedArrayBuffer;
  /** tl.fit's stop signal (tl/fit/stop-request.ts). */
  stopSignal: SharedArrayBuffer;
}

export type ToWorker =
  /** varNames: the names the cell binds with `var` (runtime/global-names.ts). */
  | { type: "run"; id: number; js: string; needsBackend: boolean; plainScript: boolean; varNames?: string[] }
  | { type: "interrupt"; id: number }
  /** An interrupt while a front-end message's callbacks run (no cell does): id is that commMessage's. */
  | { type: "interruptCallbacks"; id: number }
  | { type: "expandMagic"; id: number; name: string; args: string; body?: string }
  | { type: "globalNames"; id: number }
  | { type: "answer"; id: number; value?: string; error?: string }
  /** A front-end message on a widget's comm; delivery: what the worker's replies to it name (replyTo). Answered by a reply listing the callbacks' failures. */
  | { type: "commMessage"; id: number; commId: string; data: Record<string, unknown>; buffers: Uint8Array[]; delivery: number }
  | { type: "commClose"; commId: string }
  /** Every open widget's state (the control comm's request_states); answered by a reply. */
  | { type: "widgetStates"; id: number };

export type FromWorker =
  | { type: "ready" }
  | { type: "stream"; name: "stdout" | "stderr"; text: string }
  | { type: "display"; event: DisplayEvent }
  | { type: "clearOutput"; wait: boolean }
  | { type: "done"; id: number; result: RunResult }
  /** waitsForFitMs: the run is answered once tl.fit has ended, or within that many ms (runtime/fit-interrupt.ts). */
  | { type: "interruptAck"; id: number; waitsForFitMs?: number }
  | { type: "terminateMe" }
  /** origin: a sentence saying where the error came from (runtime/background-errors.ts). */
  | { type: "backgroundError"; error: ThrownError; origin: string }
  | { type: "registerMagic"; name: string; help?: string }
  | { type: "setTypecheck"; mode: string }
  | { type: "input"; id: number; prompt: string; password: boolean }
  | { type: "chdir"; id: number; directory: string }
  | { type: "reply"; id: number; value?: unknown; error?: string }
  /** A widget's comm, opened, sent on or closed by the cells' code; replyTo: the delivery it answers. */
  | {
      type: "comm";
      action: "open" | "msg" | "close";
      commId: string;
      data?: Record<string, unknown>;
      metadata?: Record<string, unknown>;
      buffers?: Uint8Array[];
      replyTo?: number;
    };
