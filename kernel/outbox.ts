/**
 * Serialises sends on one ZeroMQ socket: zeromq v6 allows a single send in flight per
 * socket, and replies, outputs and status messages are produced concurrently.
 */
import type { Writable } from "zeromq";

export class Outbox {
  private tail: Promise<void> = Promise.resolve();
  constructor(
    private readonly socket: Writable,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  send(frames: Array<Buffer | string>): Promise<void> {
    const sent = this.tail.then(() => this.socket.send(frames));
    this.tail = sent.catch((error) => this.onError(error));
    return this.tail;
  }

  /** Resolves once everything queued so far has been handed to ZeroMQ. */
  drain(): Promise<void> {
    return this.tail;
  }
}
