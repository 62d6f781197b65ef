/**
 * Heartbeat: echoes every ping back. It runs on the control thread (control-thread.ts), beside the
 * control socket, with a socket of its own, so clients see the kernel alive even while the main
 * thread runs a long turn; sharing that thread spares the process a Node environment and a ZeroMQ
 * context of its own (~9 MB and ~50–100 ms of CPU at start-up). A ROUTER echo (like ipykernel's
 * zmq.device) serves both REQ and DEALER clients.
 */
import type { Router } from "zeromq";

/** Sends every message received on `socket` back to its sender, until the socket closes. */
export async function echoHeartbeats(socket: Router): Promise<void> {
  try {
    for await (const frames of socket) await socket.send(frames);
  } catch {
    // closed
  }
}
