/**
 * The main thread's side of widget comms: the runtime worker opens, sends on and closes comms
 * (widgets made by cells); this registers them with the protocol's CommRegistry, so comm_info
 * lists them and front-end messages reach them, and forwards those messages to the worker. The
 * kernel stays busy while the worker runs their callbacks; their failures become error outputs.
 */
import type { CommMessage, CommRegistry } from "../comms";
import type { ErrorInfo, OutputSink } from "../interpreter";
import type { RuntimeClient, RuntimeEvent } from "./runtime-client";
import type { ThrownError } from "./runtime/messages";

type CommEvent = Extract<RuntimeEvent, { type: "comm" }>;

export interface RuntimeCommsHost {
  runtime(): RuntimeClient | undefined;
  /** Where output goes while a front-end message's callbacks run and no cell does; undefined when they are done. */
  setCallbackSink(sink: OutputSink | undefined): void;
  /** A callback's error as the traceback a cell's error would have. */
  describeError(error: ThrownError): ErrorInfo;
  /** Whether a cell is running (its output then shows the callbacks' errors too). */
  cellSink(): OutputSink | undefined;
}

export class RuntimeComms {
  private registry: CommRegistry | undefined;
  /** Front-end messages being handled, by the delivery number the worker's replies carry. */
  private readonly deliveries = new Map<number, CommMessage>();
  private nextDelivery = 1;
  /** Comms the runtime opened: closed when it restarts (their widgets are gone). */
  private readonly opened = new Set<string>();

  constructor(private readonly host: RuntimeCommsHost) {}

  attach(registry: CommRegistry): void {
    this.registry = registry;
    // A front end that (re)connects asks for every widget's state at once here (ipywidgets 8's control comm).
    registry.registerTarget("jupyter.widget.control", (comm) => {
      comm.onMessage(async (message) => {
        if (message.data.method !== "request_states") return;
        const runtime = this.host.runtime();
        const all = (runtime ? await runtime.request({ type: "widgetStates" }) : { states: {}, buffer_paths: [], buffers: [] }) as {
          states: Record<string, unknown>;
          buffer_paths: unknown[];
          buffers: Uint8Array[];
        };
        const buffers = all.buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
        comm.send({ method: "update_states", states: all.states, buffer_paths: all.buffer_paths }, buffers, message);
      });
    });
  }

  fromRuntime(event: CommEvent): void {
    const registry = this.registry;
    if (!registry) return;
    const buffers = (event.buffers ?? []).map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    if (event.action === "open") {
      const comm = registry.open("jupyter.widget", event.data ?? {}, event.metadata ?? {}, { id: event.commId, buffers });
      this.opened.add(comm.id);
      comm.onMessage((message) => this.deliver(comm.id, message));
      comm.onClose(() => {
        if (this.opened.delete(comm.id)) this.host.runtime()?.commClosed(comm.id);
      });
      return;
    }
    const comm = registry.get(event.commId);
    if (!comm || comm.closed) return;
    if (event.action === "msg") comm.send(event.data ?? {}, buffers, event.replyTo === undefined ? undefined : this.deliveries.get(event.replyTo));
    else {
      this.opened.delete(comm.id);
      comm.close();
    }
  }

  /** The runtime was replaced: its widgets are gone, so their comms close (the front end removes their views). */
  closeAll(): void {
    for (const id of [...this.opened]) {
      this.opened.delete(id);
      this.registry?.get(id)?.close();
    }
  }

  private async deliver(commId: string, message: CommMessage): Promise<void> {
    const runtime = this.host.runtime();
    if (!runtime) return;
    const delivery = this.nextDelivery++;
    this.deliveries.set(delivery, message);
    this.host.setCallbackSink(message.output);
    try {
      const failures = (await runtime.request({ type: "commMessage", commId, data: message.data, buffers: message.buffers, delivery })) as ThrownError[];
      for (const failure of failures) this.report(failure, message);
    } catch (error) {
      message.output?.stream("stderr", `The widget's message was not handled: ${(error as Error)?.message ?? error}\n`);
    } finally {
      this.deliveries.delete(delivery);
      this.host.setCallbackSink(undefined);
    }
  }

  /** A callback's error: an error output of the front-end message, and stderr of the running cell, which is where a person looks. */
  private report(failure: ThrownError, message: CommMessage): void {
    const info = this.host.describeError(failure);
    message.output?.error(info);
    this.host.cellSink()?.stream("stderr", `A widget callback failed; the kernel keeps running:\n${info.traceback.join("\n")}\n`);
  }
}
