/**
 * Heartbeat: echoes every ping back, from its own worker thread with its own ZeroMQ
 * socket, so clients see the kernel alive even while the main thread runs a long cell.
 * A ROUTER echo (like ipykernel's zmq.device) serves both REQ and DEALER clients.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

interface HeartbeatData {
  role: "tsfine-heartbeat";
  endpoint: string;
}

export interface Heartbeat {
  stop(): Promise<void>;
}

/** Starts the worker and resolves once its socket is bound (rejects if binding fails). */
export function startHeartbeat(endpoint: string): Promise<Heartbeat> {
  const data: HeartbeatData = { role: "tsfine-heartbeat", endpoint };
  const worker = new Worker(__filename, { workerData: data });
  worker.unref();
  return new Promise((resolve, reject) => {
    worker.once("error", reject);
    worker.once("message", (message: { bound?: boolean; error?: string }) => {
      if (message.error) {
        reject(new Error(`Heartbeat could not bind ${endpoint}: ${message.error}`));
        return;
      }
      worker.on("error", (error) => process.stderr.write(`[tsfine] heartbeat worker failed: ${error}\n`));
      const exited = new Promise<void>((done) => worker.once("exit", () => done()));
      resolve({
        // Closing the socket inside the worker first: terminating a worker that holds a
        // ZeroMQ socket aborts the whole process.
        stop: async () => {
          worker.postMessage("stop");
          const timer = setTimeout(() => void worker.terminate(), 2000);
          await exited;
          clearTimeout(timer);
        },
      });
    });
  });
}

async function echoLoop(endpoint: string): Promise<void> {
  const { Router } = await import("zeromq");
  const socket = new Router({ linger: 0 });
  try {
    await socket.bind(endpoint);
  } catch (error) {
    parentPort!.postMessage({ error: String(error) });
    return;
  }
  parentPort!.on("message", (message) => {
    if (message === "stop") socket.close();
  });
  parentPort!.postMessage({ bound: true });
  try {
    for await (const frames of socket) await socket.send(frames);
  } catch {
    // closed
  }
  parentPort!.close();
}

if (!isMainThread && (workerData as HeartbeatData | undefined)?.role === "tsfine-heartbeat") {
  void echoLoop((workerData as HeartbeatData).endpoint);
}
