/**
 * JEP 65: the kernel answers every iopub subscription with an `iopub_welcome` message.
 *
 * iopub is PUB/SUB, and a PUB socket drops what it publishes before a subscription has reached
 * it. A client that asks for kernel_info right after connecting therefore often misses the
 * busy/idle of its request and cannot tell whether iopub works yet (jupyter_client then starts
 * its readiness check over, a round later). The kernel's XPUB socket hands it each subscription;
 * the welcome sent back is routed by the subscription's own topic, so it reaches that
 * subscriber and proves its subscription is in place.
 */
import type { Readable } from "zeromq";

const SUBSCRIBE = 1;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The topic of a subscribe frame (first byte 1, then the topic); undefined for an unsubscribe
 * (first byte 0), an empty frame, or a topic that is not valid UTF-8 (it could not be put in
 * the welcome's JSON content).
 */
export function subscribedTopic(frame: Buffer): string | undefined {
  if (frame.length === 0 || frame[0] !== SUBSCRIBE) return undefined;
  try {
    return strictUtf8.decode(frame.subarray(1));
  } catch {
    return undefined;
  }
}

/** The routing frames of a welcome: the topic itself, none for the catch-all "" (as ipykernel sends it). */
export function welcomeIdentities(topic: string): Buffer[] {
  return topic === "" ? [] : [Buffer.from(topic, "utf8")];
}

/**
 * Reads subscription messages from an XPUB socket and calls welcome(topic) for each subscribe,
 * until the socket closes (the loop then ends without error).
 */
export async function welcomeSubscribers(iopub: Readable, welcome: (topic: string) => void): Promise<void> {
  for await (const frames of iopub) {
    for (const frame of frames) {
      const topic = subscribedTopic(frame);
      if (topic !== undefined) welcome(topic);
    }
  }
}
