/**
 * A running kernel: binds the five channels where the connection file says, verifies and
 * decodes every incoming message, and hands it to the protocol. The interpreter is a
 * parameter so tests (and other languages) can plug in their own.
 */
import { randomUUID } from "node:crypto";
import { Publisher, Router } from "zeromq";
import { CommRegistry } from "./comms";
import { ConnectionInfo, endpoint } from "./connection";
import { Heartbeat, startHeartbeat } from "./heartbeat";
import { History } from "./history";
import type { Interpreter } from "./interpreter";
import { Outbox } from "./outbox";
import { IncomingChannel, KernelProtocol, ProtocolChannels, RequestChannel } from "./protocol";
import { createMessage, decodeMessageAsync, encodeMessage, JupyterMessage, MessageSigner, ReplayGuard } from "./wire";

export interface KernelOptions {
  /** JSON file for history across sessions; in memory only when absent. */
  historyFile?: string;
  comms?: CommRegistry;
  log?: (text: string) => void;
}

export interface RunningKernel {
  readonly protocol: KernelProtocol;
  readonly comms: CommRegistry;
  readonly session: string;
  /** Resolves after a shutdown_request (or close()) once sockets are closed. */
  readonly stopped: Promise<{ restart: boolean }>;
  close(): Promise<void>;
}

function defaultLog(text: string): void {
  process.stderr.write(`[tsfine] ${text}\n`);
}

export async function startKernel(info: ConnectionInfo, interpreter: Interpreter, options: KernelOptions = {}): Promise<RunningKernel> {
  const log = options.log ?? defaultLog;
  const signer = new MessageSigner(info.key, info.signature_scheme);
  const replays = new ReplayGuard();
  const session = randomUUID();

  // linger lets replies queued just before close still leave. ROUTER and PUB sockets drop
  // messages beyond their high-water mark; ZeroMQ's default (1000) is reached by a few
  // hundred queued cells when the client reads slowly, and a lost reply or idle leaves that
  // client waiting forever.
  const queueLimit = { linger: 1000, sendHighWaterMark: 1_000_000 };
  const sockets = {
    shell: new Router(queueLimit),
    control: new Router(queueLimit),
    stdin: new Router(queueLimit),
    iopub: new Publisher(queueLimit),
  };
  // The heartbeat worker boots its own ZeroMQ (~100 ms); shell answers meanwhile.
  const heartbeatStarting = startHeartbeat(endpoint(info, "hb"));
  const heartbeat: Promise<Heartbeat | undefined> = heartbeatStarting.catch(() => undefined);
  try {
    await Promise.all(
      (["shell", "control", "stdin", "iopub"] as const).map((channel) =>
        sockets[channel].bind(endpoint(info, channel)).catch((error: unknown) => {
          throw new Error(`Cannot bind the ${channel} channel to ${endpoint(info, channel)}: ${error instanceof Error ? error.message : error}`);
        }),
      ),
    );
  } catch (error) {
    for (const socket of Object.values(sockets)) socket.close();
    await (await heartbeat)?.stop();
    throw error;
  }

  const reportSendError = (error: unknown) => log(`send failed: ${error}`);
  const outboxes = {
    shell: new Outbox(sockets.shell, reportSendError),
    control: new Outbox(sockets.control, reportSendError),
    stdin: new Outbox(sockets.stdin, reportSendError),
    iopub: new Outbox(sockets.iopub, reportSendError),
  };

  const channels: ProtocolChannels = {
    reply(channel: RequestChannel, request, msgType, content, metadata) {
      const message = createMessage(msgType, content, { session, parent: request, identities: request.identities, metadata });
      void outboxes[channel].send(encodeMessage(message, signer));
    },
    publish(msgType, content, parent, buffers) {
      const topic = Buffer.from(`kernel.${session}.${msgType}`);
      const message = createMessage(msgType, content, { session, parent, identities: [topic], buffers });
      void outboxes.iopub.send(encodeMessage(message, signer));
    },
    stdin(request, msgType, content) {
      const message = createMessage(msgType, content, { session, parent: request, identities: request.identities });
      void outboxes.stdin.send(encodeMessage(message, signer));
    },
    log,
    drained: () => Promise.all(Object.values(outboxes).map((outbox) => outbox.drain())).then(() => undefined),
  };

  let closed = false;
  let finish: (value: { restart: boolean }) => void = () => {};
  const stopped = new Promise<{ restart: boolean }>((resolve) => (finish = resolve));
  const history = new History(options.historyFile);

  const close = async (restart = false) => {
    if (closed) return;
    closed = true;
    await Promise.all(Object.values(outboxes).map((outbox) => outbox.drain()));
    for (const socket of Object.values(sockets)) socket.close();
    // A worker still booting must finish first: ending a process mid-way through a worker's
    // ZeroMQ setup aborts it.
    await (await heartbeat)?.stop();
    await history.save();
    finish({ restart });
  };

  const protocol = new KernelProtocol(interpreter, channels, {
    history,
    comms: options.comms,
    onShutdown: (restart) => void close(restart),
  });

  const receive = async (channel: IncomingChannel, socket: Router) => {
    try {
      for await (const frames of socket) {
        const decoded = await decodeMessageAsync(frames, signer, replays);
        if (!decoded.ok) {
          log(`dropped a message on ${channel}: ${decoded.reason}`);
          if (decoded.refused) protocol.refuse(channel, decoded.refused, `The kernel refused this ${decoded.refused.header.msg_type}: ${decoded.reason}.`);
          continue;
        }
        void protocol.handle(channel, decoded.message as JupyterMessage);
      }
    } catch (error) {
      if (!closed) log(`${channel} socket failed: ${error}`);
    }
  };
  void receive("shell", sockets.shell);
  void receive("control", sockets.control);
  void receive("stdin", sockets.stdin);

  heartbeatStarting.catch((error) => {
    log(`${error instanceof Error ? error.message : error}; stopping.`);
    void close();
  });

  channels.publish("status", { execution_state: "starting" });
  protocol.start();
  return { protocol, comms: protocol.comms, session, stopped, close: () => close(false) };
}

/**
 * Process-level wiring for a kernel that owns its process: SIGINT interrupts the cell,
 * SIGTERM stops, and errors from background callbacks become stderr of the current (or
 * last) cell instead of killing the kernel.
 */
export function attachToProcess(kernel: RunningKernel, log: (text: string) => void = defaultLog): void {
  process.on("SIGINT", () => kernel.protocol.interruptNow());
  process.on("SIGTERM", () => void kernel.close().then(() => process.exit(0)));
  const report = (what: string) => (error: unknown) => {
    const text = error instanceof Error ? error.stack ?? `${error.name}: ${error.message}` : String(error);
    log(`${what}: ${text}`);
    kernel.protocol.reportBackgroundOutput(`${what}: ${text}\n`);
  };
  process.on("uncaughtException", report("Uncaught exception"));
  process.on("unhandledRejection", report("Unhandled promise rejection"));
}
