import type { KernelMessage } from "@jupyterlab/services";

/** The comms the kernel knows of (its widgets', and the front end's widget control comm), for comm_info. */
export class CommTable {
  private readonly targets = new Map<string, string>();
  /** Front-end messages whose callbacks run in the worker, by the delivery number the worker's echoes carry. */
  private readonly deliveries = new Map<number, KernelMessage.IHeader<KernelMessage.MessageType>>();
  private nextDelivery = 1;

  opened(commId: string, targetName: string): void {
    this.targets.set(commId, targetName);
  }

  closed(commId: string): boolean {
    return this.targets.delete(commId);
  }

  targetOf(commId: string): string | undefined {
    return this.targets.get(commId);
  }

  /** comm_info's answer: every open comm, or those of one target. */
  list(targetName?: string): Record<string, { target_name: string }> {
    const comms: Record<string, { target_name: string }> = {};
    for (const [id, target] of this.targets) if (!targetName || target === targetName) comms[id] = { target_name: target };
    return comms;
  }

  /** Comms the worker's widgets opened (closed when the worker is replaced: their widgets are gone). */
  widgetComms(): string[] {
    return [...this.targets].filter(([, target]) => target === "jupyter.widget").map(([id]) => id);
  }

  startDelivery(header: KernelMessage.IHeader<KernelMessage.MessageType>): number {
    const delivery = this.nextDelivery++;
    this.deliveries.set(delivery, header);
    return delivery;
  }

  delivered(delivery: number): void {
    this.deliveries.delete(delivery);
  }

  deliveryHeader(delivery: number | undefined): KernelMessage.IHeader<KernelMessage.MessageType> | undefined {
    return delivery === undefined ? undefined : this.deliveries.get(delivery);
  }
}

/** Buffers as the worker takes them (front ends send ArrayBuffers or views). */
export function toBytes(buffers: ReadonlyArray<ArrayBuffer | ArrayBufferView> | undefined): Uint8Array[] {
  return (buffers ?? []).map((buffer) =>
    ArrayBuffer.isView(buffer)
      ? new Uint8Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength))
      : new Uint8Array(buffer.slice(0)),
  );
}

/** A message of the kernel's own to the front end (BaseKernel makes those it sends itself privately). */
export function kernelMessage<T extends KernelMessage.MessageType>(
  msgType: T,
  channel: "shell" | "iopub",
  parent: KernelMessage.IMessage,
  content: Record<string, unknown>,
): KernelMessage.IMessage {
  return {
    header: {
      msg_id: crypto.randomUUID(),
      msg_type: msgType,
      session: parent.header.session,
      username: parent.header.username,
      date: new Date().toISOString(),
      version: "5.3",
    },
    parent_header: parent.header,
    metadata: {},
    content,
    channel,
    buffers: [],
  } as unknown as KernelMessage.IMessage;
}
