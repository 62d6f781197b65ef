/** Messages between the page's kernel (extension/kernel.ts) and its worker (worker/kernel-worker.ts). */
import type { CompleteReply, InspectReply, IsCompleteReply } from "../../kernel/interpreter";

export type { CompleteReply, InspectReply, IsCompleteReply };

export interface ErrorReply {
  status: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}

/** What a widget's callback threw (the page shows it as an error output). */
export interface ThrownFailure {
  name: string;
  message: string;
  stack?: string;
}

export interface WidgetStates {
  states: Record<string, unknown>;
  buffer_paths: unknown[];
  buffers: Uint8Array[];
}

/** payload: Jupyter payloads (the pager's page for `name?`, set_next_input from %load). */
export type ExecuteReply = { status: "ok"; data?: Record<string, unknown>; payload?: Array<Record<string, unknown>> } | ErrorReply;

export type ToWorker =
  /** stopSignal: tl.fit's shared stop flag and state, when the page is cross-origin isolated. */
  | { type: "start"; assetsUrl: string; stopSignal?: SharedArrayBuffer }
  | { type: "execute"; id: number; code: string; executionCount: number }
  | { type: "complete"; id: number; code: string; cursorPos: number }
  | { type: "inspect"; id: number; code: string; cursorPos: number; detailLevel: 0 | 1 }
  | { type: "isComplete"; id: number; code: string }
  /** A front-end comm_msg for a widget; the reply lists what its callbacks threw. `delivery` numbers it for the widget's echo. */
  | { type: "commMessage"; id: number; commId: string; data: Record<string, unknown>; buffers: Uint8Array[]; delivery: number }
  /** Every widget's state, for a front end's request_states (ipywidgets' control comm). */
  | { type: "widgetStates"; id: number }
  | { type: "commClose"; commId: string }
  /** Ends the running cell's pending await (the worker reads messages only while the cell awaits). */
  | { type: "interrupt" };

/** A request without its id (the page numbers them). */
export type WorkerRequest = ToWorker extends infer T ? (T extends { id: number } ? Omit<T, "id"> : never) : never;

export type FromWorker =
  | { type: "started"; banner: string }
  | { type: "failed"; message: string }
  | { type: "stream"; id: number; name: "stdout" | "stderr"; text: string }
  | { type: "display"; id: number; data: Record<string, unknown>; metadata: Record<string, unknown>; displayId?: string; update: boolean }
  | { type: "clear"; id: number; wait: boolean }
  /** The worker read the interrupt while tl.fit trains: it ends at its next batch boundary, within about waitMs. */
  | { type: "interrupting"; waitMs: number }
  /** A widget opens, updates or closes its comm; replyTo: the delivery of the front-end message it answers. */
  | {
      type: "comm";
      action: "open" | "msg" | "close";
      commId: string;
      data: Record<string, unknown>;
      metadata?: Record<string, unknown>;
      buffers: Uint8Array[];
      replyTo?: number;
    }
  | { type: "reply"; id: number; value: ExecuteReply | CompleteReply | InspectReply | IsCompleteReply | ThrownFailure[] | WidgetStates };
