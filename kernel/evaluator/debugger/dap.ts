/**
 * The few shapes of the Debug Adapter Protocol the kernel speaks (debug_request carries a DAP request,
 * debug_reply its response, debug_event a DAP event), and the helpers that build responses.
 */
export interface DapRequest {
  seq: number;
  type: "request";
  command: string;
  arguments?: Record<string, unknown>;
}

export type DapMessage = Record<string, unknown>;

/** A request the debugger cannot answer: the response says `message` (one sentence) with success false. */
export class DapError extends Error {}

export class DapMessages {
  private seq = 0;

  response(request: DapRequest, body: Record<string, unknown> = {}): DapMessage {
    return { seq: ++this.seq, type: "response", request_seq: request.seq, success: true, command: request.command, body };
  }

  failure(request: DapRequest, message: string): DapMessage {
    return {
      seq: ++this.seq,
      type: "response",
      request_seq: request.seq,
      success: false,
      command: request.command,
      message,
      body: { error: { id: 1, format: message, showUser: true } },
    };
  }

  event(event: string, body: Record<string, unknown> = {}): DapMessage {
    return { seq: ++this.seq, type: "event", event, body };
  }
}

/** Reads a DAP request out of debug_request's content; undefined when it is not one. */
export function asDapRequest(content: Record<string, unknown>): DapRequest | undefined {
  if (typeof content.command !== "string") return undefined;
  const args = content.arguments;
  return {
    seq: typeof content.seq === "number" ? content.seq : 0,
    type: "request",
    command: content.command,
    arguments: typeof args === "object" && args !== null && !Array.isArray(args) ? (args as Record<string, unknown>) : {},
  };
}
