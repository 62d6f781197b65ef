/**
 * Comms: long-lived two-way channels between kernel-side code and front-end widgets.
 * Other parts register targets by name; the protocol layer feeds comm_open/comm_msg/
 * comm_close in and publishes what comms send on iopub.
 */
import { randomUUID } from "node:crypto";
import type { ErrorInfo, OutputSink } from "./interpreter";

export type CommPayload = Record<string, unknown>;

/**
 * Publishes comm_open/comm_msg/comm_close on iopub, parented to `parent` (a front-end message this
 * one answers) or else to the request being served.
 */
export type CommPublish = (
  msgType: "comm_open" | "comm_msg" | "comm_close",
  content: CommPayload,
  buffers?: Buffer[],
  parent?: unknown,
  /** The message's own metadata (not its content's): where comm_open says which protocol version it speaks. */
  metadata?: Record<string, unknown>,
) => void;

/** Where the output of handling one front-end comm message goes (parented to that message). */
export interface CommOutput extends OutputSink {
  error(info: ErrorInfo): void;
}

export interface CommMessage {
  data: CommPayload;
  metadata: Record<string, unknown>;
  buffers: Buffer[];
  /** The front-end message itself (opaque here): a reply to it is parented to it. */
  parent?: unknown;
  output?: CommOutput;
}

export class Comm {
  private messageHandlers: ((message: CommMessage) => void | Promise<void>)[] = [];
  private closeHandlers: ((message: CommMessage) => void)[] = [];
  closed = false;

  constructor(
    readonly id: string,
    readonly targetName: string,
    private readonly publish: CommPublish,
    private readonly forget: (id: string) => void,
  ) {}

  /** inReplyTo: the front-end message this answers (the reply is parented to it). */
  send(data: CommPayload = {}, buffers: Buffer[] = [], inReplyTo?: CommMessage): void {
    if (this.closed) throw new Error(`Comm ${this.id} is closed.`);
    this.publish("comm_msg", { comm_id: this.id, data }, buffers, inReplyTo?.parent);
  }

  /** Closes from the kernel side and tells the front end. */
  close(data: CommPayload = {}): void {
    if (this.closed) return;
    this.publish("comm_close", { comm_id: this.id, data });
    this.markClosed({ data, metadata: {}, buffers: [] });
  }

  /** A handler may be async: the kernel stays busy for the message until it settles. */
  onMessage(handler: (message: CommMessage) => void | Promise<void>): void {
    this.messageHandlers.push(handler);
  }

  onClose(handler: (message: CommMessage) => void): void {
    this.closeHandlers.push(handler);
  }

  /** @internal called by the registry for front-end messages. */
  async deliver(message: CommMessage): Promise<void> {
    for (const handler of this.messageHandlers) await handler(message);
  }

  /** @internal */
  markClosed(message: CommMessage): void {
    if (this.closed) return;
    this.closed = true;
    this.forget(this.id);
    for (const handler of this.closeHandlers) handler(message);
  }
}

/** Called when the front end opens a comm to this target; throw to refuse it (the comm is then closed). */
export type CommTargetHandler = (comm: Comm, open: CommMessage) => void;

export class CommRegistry {
  private readonly targets = new Map<string, CommTargetHandler>();
  private readonly comms = new Map<string, Comm>();
  private publish: CommPublish = () => {};

  /** The protocol layer points this at iopub. */
  setPublisher(publish: CommPublish): void {
    this.publish = publish;
  }

  registerTarget(name: string, handler: CommTargetHandler): void {
    this.targets.set(name, handler);
  }

  unregisterTarget(name: string): void {
    this.targets.delete(name);
  }

  /** Opens a comm from the kernel side (e.g. a widget created by a cell); id: one the opener chose (a widget's model id). */
  open(targetName: string, data: CommPayload = {}, metadata: Record<string, unknown> = {}, options: { id?: string; buffers?: Buffer[] } = {}): Comm {
    const comm = this.add(options.id ?? randomUUID(), targetName);
    this.publish("comm_open", { comm_id: comm.id, target_name: targetName, data }, options.buffers, undefined, metadata);
    return comm;
  }

  get(id: string): Comm | undefined {
    return this.comms.get(id);
  }

  /** comm_info: open comms, optionally only those of one target. */
  list(targetName?: string): Record<string, { target_name: string }> {
    const result: Record<string, { target_name: string }> = {};
    for (const comm of this.comms.values()) {
      if (targetName === undefined || comm.targetName === targetName) result[comm.id] = { target_name: comm.targetName };
    }
    return result;
  }

  /** A front-end comm_open. Returns an error text when refused (the caller logs it); the front end gets comm_close. */
  handleOpen(commId: string, targetName: string, message: CommMessage): string | undefined {
    // a front end reconnecting to a kernel reopens the comms it learnt of from comm_info: they are open already
    if (this.comms.get(commId)?.targetName === targetName) return undefined;
    const handler = this.targets.get(targetName);
    if (!handler) {
      this.publish("comm_close", { comm_id: commId, data: {} });
      return `no comm target named "${targetName}"`;
    }
    const comm = this.add(commId, targetName);
    try {
      handler(comm, message);
    } catch (error) {
      comm.close();
      return `comm target "${targetName}" refused the comm: ${error}`;
    }
    return undefined;
  }

  /** Resolves once the comm's handlers have settled (the kernel is busy until then). */
  async handleMessage(commId: string, message: CommMessage): Promise<string | undefined> {
    const comm = this.comms.get(commId);
    if (!comm) return `comm_msg for unknown comm ${commId}`;
    try {
      await comm.deliver(message);
    } catch (error) {
      return `comm ${commId}'s handler failed: ${error instanceof Error ? error.stack : error}`;
    }
    return undefined;
  }

  handleClose(commId: string, message: CommMessage): string | undefined {
    const comm = this.comms.get(commId);
    if (!comm) return `comm_close for unknown comm ${commId}`;
    comm.markClosed(message);
    return undefined;
  }

  private add(id: string, targetName: string): Comm {
    const comm = new Comm(
      id,
      targetName,
      (type, content, buffers, parent, metadata) => this.publish(type, content, buffers, parent, metadata),
      (gone) => this.comms.delete(gone),
    );
    this.comms.set(id, comm);
    return comm;
  }
}
