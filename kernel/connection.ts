/**
 * Connection files: what Jupyter writes to tell a kernel where to bind and how to sign,
 * and what our own client (tsfine run) writes when it launches a kernel.
 */
import { promises as fs, readFileSync } from "node:fs";

export type Channel = "shell" | "control" | "stdin" | "iopub" | "hb";
export const CHANNELS: Channel[] = ["shell", "control", "stdin", "iopub", "hb"];

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  key: string;
  signature_scheme: string;
  shell_port: number;
  control_port: number;
  stdin_port: number;
  iopub_port: number;
  hb_port: number;
  kernel_name?: string;
}

function requirePort(raw: Record<string, unknown>, channel: Channel): number {
  const value = raw[`${channel}_port`];
  const port = typeof value === "string" ? Number(value) : value;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Connection file: ${channel}_port must be a port number, got ${JSON.stringify(value)}.`);
  }
  return port;
}

/** Validates a parsed connection file; defaults follow jupyter_client (tcp, 127.0.0.1, hmac-sha256). */
export function parseConnectionInfo(raw: unknown): ConnectionInfo {
  if (typeof raw !== "object" || raw === null) throw new Error("Connection file is not a JSON object.");
  const obj = raw as Record<string, unknown>;
  const transport = obj.transport ?? "tcp";
  if (transport !== "tcp" && transport !== "ipc") throw new Error(`Connection file: unsupported transport ${JSON.stringify(transport)} (tcp or ipc).`);
  const key = obj.key ?? "";
  if (typeof key !== "string") throw new Error("Connection file: key must be a string.");
  return {
    transport,
    ip: typeof obj.ip === "string" && obj.ip !== "" ? obj.ip : "127.0.0.1",
    key,
    signature_scheme: typeof obj.signature_scheme === "string" && obj.signature_scheme !== "" ? obj.signature_scheme : "hmac-sha256",
    shell_port: requirePort(obj, "shell"),
    control_port: requirePort(obj, "control"),
    stdin_port: requirePort(obj, "stdin"),
    iopub_port: requirePort(obj, "iopub"),
    hb_port: requirePort(obj, "hb"),
    kernel_name: typeof obj.kernel_name === "string" ? obj.kernel_name : undefined,
  };
}

export async function readConnectionFile(path: string): Promise<ConnectionInfo> {
  // Read synchronously: at a kernel's start nothing else waits, and each step of an asynchronous read
  // is a round trip through libuv's thread pool (~10 ms on a loaded machine) before the sockets can bind.
  const text = readFileSync(path, "utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`Connection file ${path} is not valid JSON.`);
  }
  return parseConnectionInfo(raw);
}

/** The ZeroMQ address of a channel, exactly as the file says (ipc follows jupyter_client: `ipc://<ip>-<port>`). */
export function endpoint(info: ConnectionInfo, channel: Channel): string {
  const port = info[`${channel}_port`];
  if (info.transport === "ipc") return `ipc://${info.ip}-${port}`;
  const host = info.ip.includes(":") && !info.ip.startsWith("[") ? `[${info.ip}]` : info.ip;
  return `tcp://${host}:${port}`;
}

async function freeLoopbackPort(ip: string): Promise<number> {
  // node:net and node:crypto load here, not at start-up: the kernel itself only reads connection files.
  const { createServer } = require("node:net") as typeof import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, ip, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Fresh connection info for a kernel we launch ourselves: random key, free loopback ports
 * (tcp), or for ipc, socket files named <ip>-1 … <ip>-5 where ip is a path prefix.
 */
export async function createConnectionInfo(ip = "127.0.0.1", transport: "tcp" | "ipc" = "tcp"): Promise<ConnectionInfo> {
  const { randomBytes } = require("node:crypto") as typeof import("node:crypto");
  const key = randomBytes(32).toString("hex");
  if (transport === "ipc") {
    return { transport, ip, key, signature_scheme: "hmac-sha256", shell_port: 1, control_port: 2, stdin_port: 3, iopub_port: 4, hb_port: 5 };
  }
  const ports = new Set<number>();
  while (ports.size < CHANNELS.length) ports.add(await freeLoopbackPort(ip));
  const [shell_port, control_port, stdin_port, iopub_port, hb_port] = [...ports];
  return {
    transport: "tcp",
    ip,
    key,
    signature_scheme: "hmac-sha256",
    shell_port,
    control_port,
    stdin_port,
    iopub_port,
    hb_port,
  };
}

/** Writes the file readable by the user only: it holds the signing key. */
export async function writeConnectionFile(path: string, info: ConnectionInfo): Promise<void> {
  await fs.writeFile(path, JSON.stringify(info, null, 2), { mode: 0o600 });
  await fs.chmod(path, 0o600);
}
