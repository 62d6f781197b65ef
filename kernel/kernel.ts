/**
 * A running kernel: binds the five channels where the connection file says, verifies and
 * decodes every incoming message, and hands it to the protocol. The interpreter is a
 * parameter so tests (and other languages) can plug in their own.
 */
import { randomUUID } from "node:crypto";
import type { Router } from "zeromq";
import { CommRegistry } from "./comms";
import { ConnectionInfo, endpoint } from "./connection";
import { ControlHandlers, ControlThread, startControlThread } from "./control-thread";
import { History } from "./history";
import type { Interpreter } from "./interpreter";
import { welcomeIdentities, welcomeSubscribers } from "./iopub-welcome";
import { Outbox } from "./outbox";
import { KernelProtocol, ProtocolChannels, RequestChannel } from "./protocol";
import { BindingSockets, bindSockets } from "./sockets";
import { createMessage, decodeMessageAsync, encodeMessageFrames, JupyterMessage, MessageSigner, ReplayGuard } from "./wire";

export interface KernelOptions {
  /** JSON file for history across sessions; in memory only when absent. */
  historyFile?: string;
  comms?: CommRegistry;
  log?: (text: string) => void;
  /** Sockets already binding (bindSockets), so a launcher can start binding before loading the rest. */
  sockets?: BindingSockets;
}

export interface RunningKernel {
  readonly protocol: KernelProtocol;
  readonly comms: CommRegistry;
  readonly session: string;
  /** Resolves after a shutdown_request (or close()) once sockets are closed. */
  readonly stopped: Promise<{ restart: boolean }>;
  close(): Promise<void>;
}

/** The longest the control thread (control and heartbeat) waits for the first kernel_info reply before it starts anyway. */
const THREADS_DELAY_MS = 100;

/** The longest the "starting" status waits for a first subscriber to welcome. */
const STARTING_DELAY_MS = 1000;

function defaultLog(text: string): void {
  process.stderr.write(`[tsfine] ${text}\n`);
}

export async function startKernel(info: ConnectionInfo, interpreter: Interpreter, options: KernelOptions = {}): Promise<RunningKernel> {
  const log = options.log ?? defaultLog;
  let signer: MessageSigner;
  try {
    signer = new MessageSigner(info.key, info.signature_scheme);
  } catch (error) {
    // sockets a launcher started binding must not keep the process alive
    if (options.sockets)
      await options.sockets.bound.then(
        () => Object.values(options.sockets!.sockets).forEach((socket) => socket.close()),
        () => undefined,
      );
    throw error;
  }
  const replays = new ReplayGuard();
  const session = randomUUID();

  const { sockets, bound } = options.sockets ?? bindSockets(info);
  await bound;
  // The control thread (which serves the heartbeat too) boots its own ZeroMQ (~50-100 ms of CPU). It
  // starts once the first kernel_info reply has gone out (clients ask for that first, on shell), or
  // 100 ms after the channels listen, whichever comes first, so on a busy machine it does not
  // compete with that reply. A control request (or ping) sent earlier waits in the client's queue until
  // ZeroMQ reconnects (every 100-200 ms).
  let threadsStarted = false;
  let control: Promise<ControlThread | undefined> = Promise.resolve(undefined);
  let controlThread: ControlThread | undefined;
  const stopOnFailure = (error: unknown) => {
    log(`${error instanceof Error ? error.message : error}; stopping.`);
    void close();
  };
  const startThreadsOnce = () => {
    if (threadsStarted || closed) return;
    threadsStarted = true;
    clearTimeout(threadsTimer);
    const endpoints = { control: endpoint(info, "control"), heartbeat: endpoint(info, "hb") };
    const controlStarting = startControlThread(endpoints, controlOptions(), controlHandlers).then((thread) => (controlThread = thread));
    control = controlStarting.catch(() => undefined);
    controlStarting.catch(stopOnFailure);
  };
  const threadsTimer = setTimeout(startThreadsOnce, THREADS_DELAY_MS);

  let startingPublished = false;
  let startingTimer: NodeJS.Timeout | undefined;
  const publishStartingOnce = () => {
    if (startingPublished || closed) return;
    startingPublished = true;
    clearTimeout(startingTimer);
    channels.publish("status", { execution_state: "starting" });
  };

  const reportSendError = (error: unknown) => log(`send failed: ${error}`);
  const outboxes = {
    shell: new Outbox(sockets.shell, reportSendError),
    stdin: new Outbox(sockets.stdin, reportSendError),
    iopub: new Outbox(sockets.iopub, reportSendError),
  };
  const sendOnIopub = (message: JupyterMessage) => void outboxes.iopub.send(encodeMessageFrames(message, signer));
  // Control requests come only from the control thread, so it is running when a reply is due.
  const sendReply = (channel: RequestChannel, frames: Array<Buffer | string>) =>
    channel === "control" ? void controlThread?.send(frames) : void outboxes[channel].send(frames);

  const channels: ProtocolChannels = {
    reply(channel: RequestChannel, request, msgType, content, metadata) {
      const message = createMessage(msgType, content, { session, parent: request, identities: request.identities, metadata });
      sendReply(channel, encodeMessageFrames(message, signer));
    },
    publish(msgType, content, parent, buffers, metadata) {
      publishStartingOnce();
      const topic = Buffer.from(`kernel.${session}.${msgType}`);
      sendOnIopub(createMessage(msgType, content, { session, parent, identities: [topic], buffers, metadata }));
    },
    stdin(request, msgType, content) {
      const message = createMessage(msgType, content, { session, parent: request, identities: request.identities });
      void outboxes.stdin.send(encodeMessageFrames(message, signer));
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
    clearTimeout(threadsTimer);
    clearTimeout(startingTimer);
    await Promise.all(Object.values(outboxes).map((outbox) => outbox.drain()));
    for (const socket of Object.values(sockets)) socket.close();
    // A worker still booting must finish first: ending a process mid-way through a worker's
    // ZeroMQ setup aborts it. The control thread sends the replies queued before it closes.
    await control.then((thread) => thread?.close());
    await history.save();
    finish({ restart });
  };

  const protocol = new KernelProtocol(interpreter, channels, {
    history,
    comms: options.comms,
    onShutdown: (restart) => void close(restart),
    afterFirstKernelInfo: startThreadsOnce,
  });
  const controlOptions = () => ({ key: info.key, scheme: info.signature_scheme, session, kernelInfo: protocol.kernelInfoContent() });
  const controlHandlers: ControlHandlers = {
    // The thread has its own replay guard; this one also catches a message replayed across channels.
    request(message, signature) {
      if (replays.accept(signature)) void protocol.handle("control", message);
      else log("dropped a message on control: replayed signature");
    },
    answered(message, signature) {
      replays.accept(signature);
      protocol.answeredElsewhere("control", message);
    },
    refused: (message, reason) => protocol.refuse("control", message, `The kernel refused this ${message.header.msg_type}: ${reason}.`),
    dropped: (reason) => log(`dropped a message on control: ${reason}`),
  };

  const receive = async (channel: "shell" | "stdin", socket: Router) => {
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
  void receive("stdin", sockets.stdin);

  // A subscription read after close() has drained the outbox gets no welcome: its socket is closing.
  const welcome = (subscription: string) => {
    if (closed) return;
    sendOnIopub(createMessage("iopub_welcome", { subscription }, { session, identities: welcomeIdentities(subscription) }));
    publishStartingOnce();
  };
  welcomeSubscribers(sockets.iopub, welcome).catch((error: unknown) => {
    if (!closed) log(`iopub socket failed: ${error}`);
  });

  // The "starting" status goes out after the first subscriber's welcome, or before the first other
  // iopub message, or after a second: published at once it often reached a subscription that libzmq
  // had applied but this loop had not read yet, ahead of the welcome that JEP 65 puts first.
  startingTimer = setTimeout(publishStartingOnce, STARTING_DELAY_MS);
  protocol.start();
  return { protocol, comms: protocol.comms, session, stopped, close: () => close(false) };
}

/** How long a kernel told to stop (SIGTERM, its launcher gone) may take to close before it ends anyway. */
export const CLOSE_DEADLINE_MS = 10_000;

/**
 * Closes the kernel (replies drained, history saved) and exits; if closing has not finished within
 * `deadlineMs` the process ends at once: a kernel nobody can reach any more (an orphan, a stopped
 * one) must never run on, whatever its close waits for.
 */
export function closeWithin(kernel: RunningKernel, deadlineMs: number): void {
  const force = setTimeout(() => process.kill(process.pid, "SIGKILL"), deadlineMs);
  void kernel.close().finally(() => {
    clearTimeout(force);
    process.exit(0);
  });
}

/**
 * Process-level wiring for a kernel that owns its process: SIGINT interrupts the cell,
 * SIGTERM stops, and errors from background callbacks become stderr of the current (or
 * last) cell instead of killing the kernel.
 */
export function attachToProcess(kernel: RunningKernel, log: (text: string) => void = defaultLog): void {
  // A launcher that died takes the read end of these pipes with it: a write then fails (EPIPE), and
  // that stream error, unhandled, would be reported as an uncaught exception... on stderr, failing
  // again, for ever (a kernel spinning at 2 GB half an hour later). There is nobody to tell.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
  process.on("SIGINT", () => kernel.protocol.interruptNow());
  process.on("SIGTERM", () => closeWithin(kernel, CLOSE_DEADLINE_MS));
  const report = (what: string) => (error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
    log(`${what}: ${text}`);
    kernel.protocol.reportBackgroundOutput(`${what}: ${text}\n`);
  };
  process.on("uncaughtException", report("Uncaught exception"));
  process.on("unhandledRejection", report("Unhandled promise rejection"));
}
