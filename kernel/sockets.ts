/**
 * The kernel's main-thread ZeroMQ sockets (shell, stdin, iopub), bound where the connection file
 * says; control and heartbeat have sockets of their own, served from the control thread
 * (control-thread.ts, heartbeat.ts). Kept apart from kernel.ts so `tsfine kernel` can start binding before
 * it loads anything else: a client that connects before the kernel listens retries only every
 * 100–200 ms (ZeroMQ's reconnect interval), so every millisecond before the bind can cost a
 * whole retry.
 */
import { Router, XPublisher } from "zeromq";
import { ConnectionInfo, endpoint } from "./connection";

export interface KernelSockets {
  shell: Router;
  stdin: Router;
  /** An XPUB, so the kernel sees each subscription and can welcome it (iopub-welcome.ts). */
  iopub: XPublisher;
}

export interface BindingSockets {
  sockets: KernelSockets;
  /** Resolves once all three are bound; rejects (after closing them) if one cannot bind. */
  bound: Promise<void>;
}

/**
 * Options of every kernel socket (the control thread's too). linger lets replies queued just
 * before close still leave. ROUTER and PUB sockets drop messages beyond their high-water mark;
 * ZeroMQ's default (1000) is reached by a few hundred queued cells when the client reads slowly,
 * and a lost reply or idle leaves that client waiting forever.
 */
export const SOCKET_QUEUE_LIMITS = { linger: 1000, sendHighWaterMark: 1_000_000 };

/**
 * Options of the ROUTER sockets a client talks to by its session (shell, stdin, control). A client
 * that reconnects with its session (the same routing id, so replies to its earlier requests reach
 * it) takes the id over. ZeroMQ otherwise refuses a peer whose id is still attached, and the old
 * connection stays attached until the kernel's side has processed its close, which under load takes
 * a while: a client reconnecting right away was then never answered, without an error.
 */
export const ROUTER_OPTIONS = { ...SOCKET_QUEUE_LIMITS, handover: true };

/** Creates the sockets and starts binding them; the binds finish on ZeroMQ's own thread. */
export function bindSockets(info: ConnectionInfo): BindingSockets {
  const sockets: KernelSockets = {
    shell: new Router(ROUTER_OPTIONS),
    stdin: new Router(ROUTER_OPTIONS),
    // "allSubs": every subscription reaches the kernel, not only the first to a topic, so a
    // second client subscribing to "" is welcomed too.
    iopub: new XPublisher({ ...SOCKET_QUEUE_LIMITS, verbosity: "allSubs" }),
  };
  const bound = Promise.all(
    (["shell", "stdin", "iopub"] as const).map((channel) =>
      sockets[channel].bind(endpoint(info, channel)).catch((error: unknown) => {
        throw new Error(`Cannot bind the ${channel} channel to ${endpoint(info, channel)}: ${error instanceof Error ? error.message : error}`);
      }),
    ),
  ).then(
    () => undefined,
    (error: unknown) => {
      for (const socket of Object.values(sockets)) socket.close();
      throw error;
    },
  );
  return { sockets, bound };
}
