/**
 * JEP 65 over real ZeroMQ: every iopub subscription is answered with a signed iopub_welcome,
 * so a client knows when its iopub works. Raw zeromq sockets stand in for clients; the kernel
 * is the real one with the JavaScript test interpreter (test/helpers/run-js-kernel.js, which
 * loads dist/: build with `npx tsc` first).
 */
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Dealer, Subscriber } from "zeromq";
import { KernelClient } from "../kernel/client";
import { ConnectionInfo, createConnectionInfo, endpoint, writeConnectionFile } from "../kernel/connection";
import { createMessage, decodeMessage, encodeMessage, JupyterMessage, MessageSigner } from "../kernel/wire";

const repoRoot = path.resolve(__dirname, "..");
const jsKernelScript = path.join(repoRoot, "test", "helpers", "run-js-kernel.js");

interface Received {
  frames: Buffer[];
  message: JupyterMessage;
}

/** A raw iopub subscriber that decodes (and so verifies) everything it receives. */
class IopubSubscriber {
  readonly socket = new Subscriber({ linger: 0, reconnectInterval: 20 });
  readonly received: Received[] = [];
  readonly undecodable: string[] = [];
  private wakeUps: Array<() => void> = [];

  constructor(info: ConnectionInfo, ...topics: Array<string | Buffer>) {
    this.socket.connect(endpoint(info, "iopub"));
    for (const topic of topics) this.socket.subscribe(topic);
    void this.read(new MessageSigner(info.key, info.signature_scheme));
  }

  private async read(signer: MessageSigner): Promise<void> {
    for await (const frames of this.socket) {
      const decoded = decodeMessage(frames, signer);
      if (decoded.ok) this.received.push({ frames, message: decoded.message });
      else this.undecodable.push(decoded.reason);
      for (const wakeUp of this.wakeUps.splice(0)) wakeUp();
    }
  }

  /** The first message received (so far or later) that matches. */
  async first(matches: (message: JupyterMessage) => boolean): Promise<Received> {
    for (;;) {
      const found = this.received.find((received) => matches(received.message));
      if (found) return found;
      await new Promise<void>((resolve) => this.wakeUps.push(resolve));
    }
  }

  welcome(subscription: string): Promise<Received> {
    return this.first((message) => message.header.msg_type === "iopub_welcome" && message.content.subscription === subscription);
  }

  welcomedTopics(): string[] {
    return this.received.filter(({ message }) => message.header.msg_type === "iopub_welcome").map(({ message }) => message.content.subscription);
  }

  close(): void {
    this.socket.close();
  }
}

/** A kernel process started on a fresh connection file, with nothing connected to it yet. */
class LaunchedKernel {
  stderr = "";
  readonly exited: Promise<number | null>;

  private constructor(
    readonly info: ConnectionInfo,
    readonly process: ChildProcess,
    private readonly dir: string,
  ) {
    process.stderr!.on("data", (chunk) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => process.once("exit", (code) => resolve(code)));
  }

  static async start(): Promise<LaunchedKernel> {
    const dir = await fs.mkdtemp(path.join(tmpdir(), "tsfine-welcome-"));
    const info = await createConnectionInfo();
    const file = path.join(dir, "kernel.json");
    await writeConnectionFile(file, info);
    const child = spawn(process.execPath, [jsKernelScript, "--connection-file", file], { stdio: ["ignore", "ignore", "pipe"] });
    return new LaunchedKernel(info, child, dir);
  }

  /** SIGTERM: the kernel closes its sockets the way a shutdown_request does. */
  async stop(): Promise<number | null> {
    this.process.kill("SIGTERM");
    const code = await this.exited;
    await fs.rm(this.dir, { recursive: true, force: true });
    return code;
  }
}

/** A raw shell connection that sends requests and collects replies by parent msg_id. */
class RawShell {
  readonly socket = new Dealer({ linger: 0, reconnectInterval: 20 });
  private readonly signer: MessageSigner;
  private readonly replies = new Map<string, (reply: JupyterMessage) => void>();

  constructor(info: ConnectionInfo) {
    this.signer = new MessageSigner(info.key, info.signature_scheme);
    this.socket.connect(endpoint(info, "shell"));
    void this.read();
  }

  private async read(): Promise<void> {
    for await (const frames of this.socket) {
      const decoded = decodeMessage(frames, this.signer);
      if (!decoded.ok) continue;
      this.replies.get(decoded.message.parent_header.msg_id ?? "")?.(decoded.message);
    }
  }

  /** Sends a request; resolves with the request and a promise of its reply. */
  async send(msgType: string): Promise<{ request: JupyterMessage; reply: Promise<JupyterMessage> }> {
    const request = createMessage(msgType, {}, { session: "raw-client" });
    const reply = new Promise<JupyterMessage>((resolve) => this.replies.set(request.header.msg_id, resolve));
    await this.socket.send(encodeMessage(request, this.signer));
    return { request, reply };
  }

  close(): void {
    this.socket.close();
  }
}

const isChildOf = (request: JupyterMessage) => (message: JupyterMessage) => message.parent_header.msg_id === request.header.msg_id;
const executionState = (state: string) => (message: JupyterMessage) => message.header.msg_type === "status" && message.content.execution_state === state;

beforeAll(() => {
  if (!existsSync(path.join(repoRoot, "dist", "kernel", "iopub-welcome.js"))) throw new Error("dist/ is missing or old: run `npx tsc -p tsconfig.json` first.");
});

describe("a running kernel welcomes iopub subscribers", () => {
  let client: KernelClient;
  const subscribers: IopubSubscriber[] = [];
  const subscribe = (...topics: Array<string | Buffer>) => {
    const subscriber = new IopubSubscriber(client.info, ...topics);
    subscribers.push(subscriber);
    return subscriber;
  };

  beforeAll(async () => {
    client = await KernelClient.launch({ argv: [process.execPath, jsKernelScript, "--connection-file", "{connection_file}"], stdio: "pipe" });
  });

  afterAll(async () => {
    for (const subscriber of subscribers) subscriber.close();
    await client?.close();
  });

  test('a subscriber to every topic gets an iopub_welcome for "", signed with the connection key', async () => {
    const subscriber = subscribe("");
    const { frames, message } = await subscriber.welcome("");
    expect(subscriber.undecodable).toEqual([]);
    expect(message.header).toMatchObject({ msg_type: "iopub_welcome", version: "5.3" });
    expect(message.parent_header).toEqual({});
    expect(message.metadata).toEqual({});
    expect(message.content).toEqual({ subscription: "" });
    // decoded above with the right key; another key rejects it, so it really is signed
    expect(client.info.key).not.toBe("");
    expect(decodeMessage(frames, new MessageSigner("not-the-key", client.info.signature_scheme))).toMatchObject({ ok: false, reason: "invalid signature" });
  });

  test("a second subscriber to every topic, connecting later, is welcomed too", async () => {
    const early = subscribe("");
    await early.welcome("");
    const late = subscribe("");
    const { message } = await late.welcome("");
    expect(message.content).toEqual({ subscription: "" });
    expect(late.undecodable).toEqual([]);
  });

  test("a subscriber to a topic prefix is welcomed on that topic", async () => {
    const subscriber = subscribe("kernel.");
    const { frames, message } = await subscriber.welcome("kernel.");
    expect(message.content).toEqual({ subscription: "kernel." });
    expect(frames[0].toString()).toBe("kernel.");
    expect(message.identities.map(String)).toEqual(["kernel."]);
  });

  test("a subscription that is not UTF-8 and an unsubscribe get no welcome; later subscriptions still do", async () => {
    const observer = subscribe("");
    await observer.welcome("");
    // one connection delivers its subscriptions in order: the probe comes after the other two
    const odd = subscribe(Buffer.from([0xff, 0xfe, 0x41]));
    odd.socket.unsubscribe(Buffer.from([0xff, 0xfe, 0x41]));
    odd.socket.subscribe("probe");
    await observer.welcome("probe");
    expect(observer.welcomedTopics()).toEqual(["", "probe"]);
    await expect(client.kernelInfo()).resolves.toMatchObject({ content: { status: "ok" } });
  });

  test("a request's own iopub messages are still just busy and idle", async () => {
    const { iopub } = await client.requestWithIopub("shell", "kernel_info_request");
    expect(iopub.map((m) => m.content.execution_state)).toEqual(["busy", "idle"]);
  });
});

describe("right after launch", () => {
  let kernel: LaunchedKernel | undefined;
  const sockets: Array<{ close(): void }> = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    if (kernel && kernel.process.exitCode === null) await kernel.stop();
    kernel = undefined;
  });

  test("one kernel_info round finds iopub flowing: the welcome arrives without a second request (what jupyter_client's wait_for_ready needs)", async () => {
    kernel = await LaunchedKernel.start();
    // connected and asking before the kernel even listens, as a client that launched it does
    const iopub = new IopubSubscriber(kernel.info, "");
    const shell = new RawShell(kernel.info);
    sockets.push(iopub, shell);
    const { reply } = await shell.send("kernel_info_request");
    expect((await reply).content.status).toBe("ok");
    const { message } = await iopub.welcome("");
    expect(message.content).toEqual({ subscription: "" });
    expect(iopub.undecodable).toEqual([]);
  });

  test("the first message a subscriber connected at launch receives is its welcome, not the kernel's starting status (JEP 65; jupyter_kernel_test checks it)", async () => {
    for (let launch = 0; launch < 6; launch++) {
      kernel = await LaunchedKernel.start();
      const iopub = new IopubSubscriber(kernel.info, "");
      sockets.push(iopub);
      await iopub.welcome("");
      // anything published in the meantime would have arrived by now, ahead of the welcome or behind it
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(iopub.received.map(({ message }) => `${message.header.msg_type} ${JSON.stringify(message.content)}`)[0]).toBe(`iopub_welcome {"subscription":""}`);
      for (const socket of sockets.splice(0)) socket.close();
      await kernel.stop();
    }
  });

  test("a client that waits for its welcome before the first kernel_info sees that request's busy and idle", async () => {
    kernel = await LaunchedKernel.start();
    const iopub = new IopubSubscriber(kernel.info, "");
    const shell = new RawShell(kernel.info);
    sockets.push(iopub, shell);
    await iopub.welcome("");
    const { request, reply } = await shell.send("kernel_info_request");
    await reply;
    await iopub.first((m) => isChildOf(request)(m) && executionState("busy")(m));
    await iopub.first((m) => isChildOf(request)(m) && executionState("idle")(m));
  });

  test("a kernel that welcomed subscribers shuts down cleanly: exit code 0, nothing logged", async () => {
    kernel = await LaunchedKernel.start();
    const iopub = new IopubSubscriber(kernel.info, "", "kernel.");
    sockets.push(iopub);
    await iopub.welcome("");
    await iopub.welcome("kernel.");
    await expect(kernel.stop()).resolves.toBe(0);
    expect(kernel.stderr).toBe("");
  });
});
