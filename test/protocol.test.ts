/**
 * The kernel's Jupyter protocol over real ZeroMQ, driven by our own client (kernel/client.ts)
 * against the kernel process started with a small JavaScript interpreter
 * (test/helpers/run-js-kernel.js, which loads dist/: build with `npx tsc` first).
 */
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import * as path from "node:path";
import { KernelClient } from "../kernel/client";
import { createMessage, encodeMessage, JupyterMessage, MessageSigner } from "../kernel/wire";
import { delimiterAt, intruderExecuteFrames } from "./helpers/intruder-frames";
import { waitUntil } from "./helpers/wait-until";

const repoRoot = path.resolve(__dirname, "..");
const jsKernel = [process.execPath, path.join(repoRoot, "test", "helpers", "run-js-kernel.js"), "--connection-file", "{connection_file}"];

function launchJsKernel(transport: "tcp" | "ipc" = "tcp"): Promise<KernelClient> {
  return KernelClient.launch({ argv: jsKernel, stdio: "pipe", transport });
}

const types = (messages: JupyterMessage[]) => messages.map((m) => m.header.msg_type);
const states = (messages: JupyterMessage[]) => messages.filter((m) => m.header.msg_type === "status").map((m) => m.content.execution_state);

let client: KernelClient;
let kernelLog = "";

beforeAll(async () => {
  if (!existsSync(path.join(repoRoot, "dist", "kernel", "kernel.js"))) throw new Error("dist/ is missing: run `npx tsc -p tsconfig.json` first.");
  const started = performance.now();
  client = await launchJsKernel();
  client.process!.stderr!.on("data", (chunk) => (kernelLog += chunk));
  console.log(`launch to ready (kernel_info reply + iopub): ${Math.round(performance.now() - started)} ms`);
});

afterAll(async () => {
  await client?.close();
});

/**
 * Waits until the kernel's stderr holds every text: the kernel writes its log before it handles
 * the next message, but this process reads the pipe in its own time, possibly after the ZeroMQ
 * reply that follows.
 */
async function kernelLogged(texts: string[]): Promise<void> {
  await waitUntil(() => texts.every((text) => kernelLog.includes(text)), `the kernel to log ${JSON.stringify(texts)}`).catch(() => {});
}

/**
 * Runs a cell that prints `marker` once it is waiting, and resolves when that line reaches iopub:
 * from then on the cell is running and an interrupt has something to stop. `finished` is the
 * cell's execute result.
 */
async function startWaitingCell(code: string, marker: string): Promise<{ finished: ReturnType<KernelClient["execute"]> }> {
  let printed = "";
  const previous = client.onIopub;
  client.onIopub = (message) => {
    previous(message);
    if (message.header.msg_type === "stream") printed += message.content.text;
  };
  const running = client.execute(`console.log(${JSON.stringify(marker)}); ${code}`);
  try {
    await waitUntil(() => printed.includes(marker), `the cell to print "${marker}"`);
  } finally {
    client.onIopub = previous;
  }
  return { finished: running };
}

/**
 * Resolves once the kernel's main thread stops answering shell requests within 200 ms: a cell's
 * synchronous loop has begun (the main thread runs it; control and heartbeat have a thread of their own).
 */
async function mainThreadStuck(): Promise<void> {
  const unanswered = () =>
    client.request("shell", "kernel_info_request", {}, 200).then(
      () => false,
      () => true,
    );
  await waitUntil(unanswered, "the main thread to be busy with the cell");
}

describe("kernel_info", () => {
  test.each(["shell", "control"] as const)("answers on %s with protocol 5.3, tsfine and the interpreter's language", async (channel) => {
    const { reply, iopub } = await client.requestWithIopub(channel, "kernel_info_request");
    expect(reply.header.msg_type).toBe("kernel_info_reply");
    expect(reply.content).toMatchObject({
      status: "ok",
      protocol_version: "5.3",
      implementation: "tsfine",
      implementation_version: "0.0.0-test",
      banner: "JavaScript test interpreter",
      language_info: { name: "javascript", file_extension: ".js", mimetype: "text/javascript" },
    });
    expect(reply.content.help_links.length).toBeGreaterThan(0);
    expect(states(iopub)).toEqual(["busy", "idle"]);
  });
});

describe("execute", () => {
  test("busy, execute_input, outputs in the order they happened, result, then idle", async () => {
    const result = await client.execute('console.log("first"); display({"text/html": "<b>x</b>"}); console.error("second"); 6 * 7');
    expect(types(result.iopub)).toEqual(["status", "execute_input", "stream", "display_data", "stream", "execute_result", "status"]);
    expect(states(result.iopub)).toEqual(["busy", "idle"]);
    const [, input, out, display, err, value] = result.iopub;
    expect(input.content.code).toContain("6 * 7");
    expect(out.content).toEqual({ name: "stdout", text: "first\n" });
    expect(display.content.data).toEqual({ "text/html": "<b>x</b>" });
    expect(err.content).toEqual({ name: "stderr", text: "second\n" });
    expect(value.content.data["text/plain"]).toBe("42");
    expect(result.reply.content.status).toBe("ok");
    expect(value.content.execution_count).toBe(result.reply.content.execution_count);
    expect(input.content.execution_count).toBe(result.reply.content.execution_count);
  });

  test("each stored execution bumps execution_count by one", async () => {
    const a = await client.execute("1");
    const b = await client.execute("2");
    expect(b.reply.content.execution_count).toBe(a.reply.content.execution_count + 1);
  });

  test("silent runs the code but publishes nothing but busy/idle and keeps the count", async () => {
    const before = await client.execute("0");
    const silent = await client.execute('console.log("hidden"); var silentRan = true; 5', { silent: true });
    expect(types(silent.iopub)).toEqual(["status", "status"]);
    expect(silent.reply.content.execution_count).toBe(before.reply.content.execution_count);
    const after = await client.execute("silentRan");
    expect(after.reply.content.execution_count).toBe(before.reply.content.execution_count + 1);
    expect(after.outputs[0].content.data["text/plain"]).toBe("true");
  });

  test("store_history=false shows outputs but does not bump the count", async () => {
    const before = await client.execute("0");
    const unstored = await client.execute('console.log("seen")', { storeHistory: false });
    expect(unstored.outputs.map((m) => m.content.text)).toEqual(["seen\n"]);
    const after = await client.execute("0");
    expect(after.reply.content.execution_count).toBe(before.reply.content.execution_count + 1);
  });

  test("a failing cell publishes error and replies with ename/evalue/traceback", async () => {
    const result = await client.execute('throw new TypeError("bad input")');
    expect(types(result.outputs)).toEqual(["error"]);
    expect(result.reply.content).toMatchObject({ status: "error", ename: "TypeError", evalue: "bad input" });
    expect(Array.isArray(result.reply.content.traceback)).toBe(true);
  });

  test("stop_on_error: cells queued behind a failed cell are aborted, later cells run", async () => {
    const failing = client.execute('sleep(300).then(() => { throw new Error("boom") })');
    const queued1 = client.execute("var ranAfterFailure = 1");
    const queued2 = client.execute("2 + 2");
    const [failed, aborted1, aborted2] = await Promise.all([failing, queued1, queued2]);
    expect(failed.reply.content.status).toBe("error");
    expect(aborted1.reply.content.status).toBe("aborted");
    expect(aborted2.reply.content.status).toBe("aborted");
    expect(states(aborted1.iopub)).toEqual(["busy", "idle"]);
    const next = await client.execute("typeof ranAfterFailure");
    expect(next.outputs[0].content.data["text/plain"]).toBe("'undefined'");
  });

  test("stop_on_error=false lets queued cells run after a failure", async () => {
    const failing = client.execute('sleep(200).then(() => { throw new Error("boom") })', { stopOnError: false });
    const queued = client.execute("3 + 3");
    const [failed, ran] = await Promise.all([failing, queued]);
    expect(failed.reply.content.status).toBe("error");
    expect(ran.reply.content.status).toBe("ok");
    expect(ran.outputs[0].content.data["text/plain"]).toBe("6");
  });

  test("user_expressions are evaluated after the cell and returned in the reply", async () => {
    const result = await client.execute("var answer = 41", { userExpressions: { next: "answer + 1", broken: "nope()" } });
    expect(result.reply.content.user_expressions.next).toEqual({ status: "ok", data: { "text/plain": "42" }, metadata: {} });
    expect(result.reply.content.user_expressions.broken.status).toBe("error");
  });

  test("a cell that prints a lot arrives as a few stream messages, complete and in order", async () => {
    const result = await client.execute('for (let i = 0; i < 20000; i++) console.log("line " + i)');
    const streams = result.outputs.filter((m) => m.header.msg_type === "stream");
    expect(streams.length).toBeLessThan(20);
    const text = streams.map((m) => m.content.text).join("");
    const lines = text.trimEnd().split("\n");
    expect(lines.length).toBe(20000);
    expect(lines[0]).toBe("line 0");
    expect(lines[19999]).toBe("line 19999");
  });

  test("display updates carry transient.display_id; clear_output passes through", async () => {
    const result = await client.execute('display("v1", {id: "d1"}); display("v2", {id: "d1", update: true}); clear(true)');
    expect(types(result.outputs)).toEqual(["display_data", "update_display_data", "clear_output"]);
    expect(result.outputs[0].content.transient).toEqual({ display_id: "d1" });
    expect(result.outputs[1].content.transient).toEqual({ display_id: "d1" });
    expect(result.outputs[2].content).toEqual({ wait: true });
  });
});

describe("stdin", () => {
  test("a cell asks for a line of text with input_request and gets the input_reply", async () => {
    const prompts: string[] = [];
    client.onInputRequest = (prompt) => {
      prompts.push(prompt);
      return "Ada";
    };
    const result = await client.execute('input("Your name? ").then((name) => "hello " + name)');
    expect(prompts).toEqual(["Your name? "]);
    expect(result.outputs[0].content.data["text/plain"]).toBe("'hello Ada'");
  });

  test("with allow_stdin=false the cell's input() fails with a clear error", async () => {
    const result = await client.execute('input("x")', { allowStdin: false });
    expect(result.reply.content.status).toBe("error");
    expect(result.reply.content.evalue).toMatch(/allow_stdin is false/);
  });

  test("interrupt while a cell waits for input ends the cell", async () => {
    let asked = false;
    client.onInputRequest = () => ((asked = true), new Promise(() => {}));
    const running = client.execute('input("never answered")');
    await waitUntil(() => asked, "the cell's input_request");
    const reply = await client.interrupt();
    expect(reply.content.status).toBe("ok");
    const result = await running;
    expect(result.reply.content.status).toBe("error");
    client.onInputRequest = () => "";
  });
});

describe("language requests", () => {
  test("complete, inspect and is_complete come from the interpreter", async () => {
    await client.execute("var completeMe = 1");
    const complete = await client.request("shell", "complete_request", { code: "x + complet", cursor_pos: 11 });
    expect(complete.content).toMatchObject({ status: "ok", cursor_start: 4, cursor_end: 11 });
    expect(complete.content.matches).toContain("completeMe");
    const inspect = await client.request("shell", "inspect_request", { code: "completeMe", cursor_pos: 10, detail_level: 0 });
    expect(inspect.content).toMatchObject({ status: "ok", found: true });
    const incomplete = await client.request("shell", "is_complete_request", { code: "function f() {" });
    expect(incomplete.content).toEqual({ status: "incomplete", indent: "  " });
    const invalid = await client.request("shell", "is_complete_request", { code: "let = = 2" });
    expect(invalid.content.status).toBe("invalid");
  });

  test("an unknown request type is logged and answered with an error reply", async () => {
    const { reply, iopub } = await client.requestWithIopub("shell", "frobnicate_request", {});
    expect(reply.header.msg_type).toBe("frobnicate_reply");
    expect(reply.content.status).toBe("error");
    expect(states(iopub)).toEqual(["busy", "idle"]);
    await kernelLogged(['unknown message type "frobnicate_request"']);
    expect(kernelLog).toMatch(/unknown message type "frobnicate_request"/);
  });
});

describe("interrupt", () => {
  test("interrupt_request on control stops a pending await; the next cell runs", async () => {
    const { finished: running } = await startWaitingCell("new Promise(() => {})", "waiting");
    await client.interrupt();
    const result = await running;
    expect(result.reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    const next = await client.execute("1 + 1");
    expect(next.outputs[0].content.data["text/plain"]).toBe("2");
  });
});

describe("SIGINT", () => {
  test("a SIGINT to the kernel process interrupts the cell instead of killing the kernel", async () => {
    const { finished: running } = await startWaitingCell("new Promise(() => {})", "waiting");
    client.process!.kill("SIGINT");
    const result = await running;
    expect(result.reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    const next = await client.execute("2 + 2");
    expect(next.outputs[0].content.data["text/plain"]).toBe("4");
  });
});

describe("comms", () => {
  test("comm_open to an unknown target is answered with comm_close", async () => {
    const open = client.send("shell", "comm_open", { comm_id: "c-unknown", target_name: "no-such-target", data: {} });
    const iopub = await client.iopubUntilIdle(open.header.msg_id, 10000);
    const close = iopub.find((m) => m.header.msg_type === "comm_close");
    expect(close?.content.comm_id).toBe("c-unknown");
  });

  test("a registered target accepts the comm; comm_info lists it, messages flow, close removes it", async () => {
    const open = client.send("shell", "comm_open", { comm_id: "c-echo", target_name: "echo", data: {} });
    await client.iopubUntilIdle(open.header.msg_id, 10000);
    const info = await client.request("shell", "comm_info_request", {});
    expect(info.content.comms["c-echo"]).toEqual({ target_name: "echo" });
    const filtered = await client.request("shell", "comm_info_request", { target_name: "other" });
    expect(filtered.content.comms).toEqual({});
    const msg = client.send("shell", "comm_msg", { comm_id: "c-echo", data: { hello: 1 } });
    const echoed = (await client.iopubUntilIdle(msg.header.msg_id, 10000)).find((m) => m.header.msg_type === "comm_msg");
    expect(echoed?.content).toEqual({ comm_id: "c-echo", data: { echo: { hello: 1 } } });
    const close = client.send("shell", "comm_close", { comm_id: "c-echo", data: {} });
    await client.iopubUntilIdle(close.header.msg_id, 10000);
    const after = await client.request("shell", "comm_info_request", {});
    expect(after.content.comms["c-echo"]).toBeUndefined();
  });
});

describe("history", () => {
  test("tail, range and search (glob, unique) with and without output", async () => {
    const marker = `h${Date.now()}`;
    const first = await client.execute(`"${marker}-a"`);
    await client.execute(`"${marker}-b"`);
    await client.execute(`"${marker}-a"`);
    const start = first.reply.content.execution_count;

    const tail = await client.request("shell", "history_request", { hist_access_type: "tail", n: 3, output: false, raw: true });
    expect(tail.content.history.map((h: any[]) => h[2])).toEqual([`"${marker}-a"`, `"${marker}-b"`, `"${marker}-a"`]);

    const range = await client.request("shell", "history_request", { hist_access_type: "range", session: 0, start, stop: start + 2, output: true, raw: true });
    expect(range.content.history).toEqual([
      [expect.any(Number), start, [`"${marker}-a"`, `'${marker}-a'`]],
      [expect.any(Number), start + 1, [`"${marker}-b"`, `'${marker}-b'`]],
    ]);

    const search = await client.request("shell", "history_request", { hist_access_type: "search", pattern: `*${marker}-?*`, output: false, raw: true });
    expect(search.content.history.length).toBe(3);
    const unique = await client.request("shell", "history_request", {
      hist_access_type: "search",
      pattern: `*${marker}*`,
      unique: true,
      output: false,
      raw: true,
    });
    expect(unique.content.history.map((h: any[]) => h[1])).toEqual([start + 1, start + 2]);
  });
});

describe("heartbeat", () => {
  test("answers within 500 ms while the main thread is stuck in a 3 s synchronous loop", async () => {
    let finished = false;
    const running = client.execute("var until = Date.now() + 3000; while (Date.now() < until) {} 'done'").finally(() => (finished = true));
    // pings from before the loop starts until after it ends: whenever it starts, some fall inside it
    const latencies: (number | undefined)[] = [];
    while (!finished) latencies.push(await client.ping(1000));
    const result = await running;
    expect(latencies.length).toBeGreaterThanOrEqual(5);
    expect(result.outputs[0].content.data["text/plain"]).toBe("'done'");
    for (const latency of latencies) expect(latency).toBeLessThan(500);
  });
});

describe("control thread", () => {
  test("kernel_info and interrupt on control are answered within 500 ms while the main thread is stuck in a 3 s synchronous loop", async () => {
    const running = client.execute("var until = Date.now() + 3000; while (Date.now() < until) {} 'done'");
    await mainThreadStuck();
    const answered: string[] = [];
    const timed = async (msgType: string) => {
      const started = performance.now();
      const reply = await client.request("control", msgType, {}, 1000);
      answered.push(msgType);
      return { latency: performance.now() - started, reply };
    };
    const info = await timed("kernel_info_request");
    const interrupt = await timed("interrupt_request");
    const result = await running.then((r) => (answered.push("cell"), r));
    expect(answered).toEqual(["kernel_info_request", "interrupt_request", "cell"]);
    expect(info.reply.content).toMatchObject({ status: "ok", implementation: "tsfine", protocol_version: "5.3", banner: "JavaScript test interpreter" });
    expect(interrupt.reply.content).toEqual({ status: "ok" });
    expect(info.latency).toBeLessThan(500);
    expect(interrupt.latency).toBeLessThan(500);
    // a synchronous loop cannot be interrupted; it ends on its own and the kernel goes on
    expect(result.outputs[0].content.data["text/plain"]).toBe("'done'");
    expect((await client.execute("1 + 1")).outputs[0].content.data["text/plain"]).toBe("2");
  });
});

describe("untrusted messages", () => {
  test("wrong key, missing, truncated or replayed-and-altered signatures never execute; the kernel keeps serving", async () => {
    const before = await client.execute("0");
    const wrongKey = intruderExecuteFrames(new MessageSigner("wrong-key"), "var pwned = 'wrong key'");
    const missing = intruderExecuteFrames(client.messageSigner, "var pwned = 'missing'");
    missing[delimiterAt(missing) + 1] = Buffer.alloc(0);
    const truncated = intruderExecuteFrames(client.messageSigner, "var pwned = 'truncated'");
    truncated[delimiterAt(truncated) + 1] = truncated[delimiterAt(truncated) + 1].subarray(0, 10);
    const altered = intruderExecuteFrames(client.messageSigner, "0");
    altered[delimiterAt(altered) + 5] = Buffer.from(JSON.stringify({ code: "var pwned = 'altered'", silent: false }));
    const otherScheme = intruderExecuteFrames(new MessageSigner(client.info.key, "hmac-sha1"), "var pwned = 'sha1'");
    const replay = intruderExecuteFrames(client.messageSigner, "var replays = (typeof replays === 'number' ? replays : 0) + 1");
    for (const frames of [wrongKey, missing, truncated, altered, otherScheme, replay, replay]) await client.sendFrames("shell", frames);

    // malformed frames too
    await client.sendFrames("shell", [Buffer.from("no delimiter"), Buffer.from("{}")]);
    const invalidJson = intruderExecuteFrames(client.messageSigner, "0");
    const at = delimiterAt(invalidJson);
    invalidJson[at + 2] = Buffer.from("{nope");
    invalidJson[at + 1] = Buffer.from(client.messageSigner.sign(invalidJson.slice(at + 2, at + 6)));
    await client.sendFrames("shell", invalidJson);

    const after = await client.execute("typeof pwned + ' ' + replays");
    expect(after.outputs[0].content.data["text/plain"]).toBe("'undefined 1'");
    // only the one genuine (replayed) message ran before ours
    expect(after.reply.content.execution_count).toBe(before.reply.content.execution_count + 2);
    const reasons = ["invalid signature", "missing signature", "replayed signature", "no <IDS|MSG> delimiter", "header is not valid JSON"];
    await kernelLogged(reasons);
    for (const reason of reasons) expect(kernelLog).toContain(reason);
  });

  test("a message replayed on the other channel (shell then control, control then shell) never runs twice", async () => {
    const shellFirst = intruderExecuteFrames(client.messageSigner, "var crossed = (typeof crossed === 'number' ? crossed : 0) + 1");
    await client.sendFrames("shell", shellFirst);
    await client.sendFrames("control", shellFirst);
    const controlFirst = intruderExecuteFrames(client.messageSigner, "crossed += 10");
    await client.sendFrames("control", controlFirst);
    await client.sendFrames("shell", controlFirst);
    const after = await client.execute("crossed");
    expect(after.outputs[0].content.data["text/plain"]).toBe("11");
  });
});

describe("concurrency and load", () => {
  test("complete (shell) and kernel_info (control) are answered while a cell runs", async () => {
    const { finished: running } = await startWaitingCell("sleep(1500).then(() => 'slow done')", "sleeping");
    const answered: string[] = [];
    const complete = client.request("shell", "complete_request", { code: "sle", cursor_pos: 3 }).then(() => answered.push("complete"));
    const info = client.request("control", "kernel_info_request").then(() => answered.push("kernel_info"));
    await Promise.all([complete, info]);
    answered.push("before the cell");
    await running.then(() => answered.push("cell"));
    // either may come first: kernel_info is answered on the control thread, complete on the main one
    expect(answered.slice(0, 2).sort()).toEqual(["complete", "kernel_info"]);
    expect(answered.slice(2)).toEqual(["before the cell", "cell"]);
  });

  test("500 execute requests sent at once are all answered, in order, with consecutive counts", async () => {
    const first = (await client.execute("0")).reply.content.execution_count;
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => client.execute(`${i} * 2`)));
    expect(results.map((r) => r.reply.content.execution_count)).toEqual(Array.from({ length: 500 }, (_, i) => first + 1 + i));
    expect(results.map((r) => r.outputs[0].content.data["text/plain"])).toEqual(Array.from({ length: 500 }, (_, i) => String(i * 2)));
  });
});

describe("malformed requests", () => {
  test("wrong types in content get an error reply and the kernel keeps serving", async () => {
    const badCode = await client.request("shell", "execute_request", { code: 5, silent: false });
    expect(badCode.content).toMatchObject({ status: "error", ename: "BadRequest" });
    const badHistory = await client.request("shell", "history_request", { hist_access_type: "sideways" });
    expect(badHistory.content.status).toBe("error");
    const badComplete = await client.request("shell", "complete_request", { code: ["not", "text"], cursor_pos: "x" });
    expect(badComplete.content.status).toBe("ok");
    expect((await client.execute("1 + 1")).outputs[0].content.data["text/plain"]).toBe("2");
  });

  test("a 20 MB request with binary buffers is handled", async () => {
    const code = `var big = "${"x".repeat(20_000_000)}"; big.length`;
    const message = createMessage(
      "execute_request",
      { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false },
      { session: client.session, buffers: [Buffer.alloc(1024, 0xff), Buffer.from([0, 1, 2])] },
    );
    client.track(message.header.msg_id);
    const reply = client.waitForReply(message.header.msg_id, 30000);
    await client.sendFrames("shell", encodeMessage(message, client.messageSigner));
    expect((await reply).content.status).toBe("ok");
    const iopub = await client.iopubUntilIdle(message.header.msg_id, 30000);
    expect(iopub.find((m) => m.header.msg_type === "execute_result")?.content.data["text/plain"]).toBe("20000000");
  });
});

describe("connection", () => {
  test("the connection file holding the key is readable by the user only", () => {
    expect(statSync(client.connectionFile!).mode & 0o777).toBe(0o600);
  });

  test("the kernel binds only on the loopback address the connection file names", async () => {
    expect(client.info.ip).toBe("127.0.0.1");
    expect(await client.ping(5000)).toBeDefined(); // the control thread has bound the heartbeat too
    const listening = execFileSync("ss", ["-Hltnp"], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.includes(`pid=${client.process!.pid},`));
    const addresses = listening.map((line) => line.trim().split(/\s+/)[3]);
    const ports = [client.info.shell_port, client.info.control_port, client.info.stdin_port, client.info.iopub_port, client.info.hb_port].map(
      (p) => `127.0.0.1:${p}`,
    );
    expect(addresses.sort()).toEqual(ports.sort());
  });

  test("a client that reconnects with its session right after closing is answered on shell and control", async () => {
    // what a front end does after a dropped connection: new sockets, the same session (= routing id),
    // here while the kernel's thread is busy (a synchronous cell), so it learns of the close and of
    // the new connection together, as on a loaded machine
    for (let round = 0; round < 10; round++) {
      const session = `reconnecting-${round}-${Date.now()}`;
      const first = await KernelClient.connect(client.info, { session });
      const busy = client.execute("const until = Date.now() + 300; while (Date.now() < until) {}");
      await first.close();
      const again = await KernelClient.connect(client.info, { session, readyTimeoutMs: 15_000 });
      await busy;
      try {
        expect((await again.execute(`${round} + 1`, { timeoutMs: 15_000 })).outputs[0].content.data["text/plain"]).toBe(String(round + 1));
        expect((await again.request("control", "kernel_info_request", {}, 15_000)).content.status).toBe("ok");
      } finally {
        await again.close();
      }
    }
  });

  test("ipc transport: the kernel binds the socket files the connection file names", async () => {
    const own = await launchJsKernel("ipc");
    try {
      expect(existsSync(`${own.info.ip}-1`)).toBe(true);
      expect((await own.execute("20 + 1")).outputs[0].content.data["text/plain"]).toBe("21");
      expect(await own.ping()).toBeDefined();
    } finally {
      await own.shutdown();
      await own.close();
    }
  });
});

describe("shutdown", () => {
  test("shutdown_request is answered, then the kernel process exits", async () => {
    const own = await launchJsKernel();
    try {
      const reply = await own.request("control", "shutdown_request", { restart: false });
      expect(reply.content).toEqual({ status: "ok", restart: false });
      await expect(own.exited).resolves.toBe(0);
    } finally {
      await own.close();
    }
  });

  test("shutdown with restart=true replies restart: true and exits so the manager can start afresh", async () => {
    const own = await launchJsKernel();
    try {
      const reply = await own.request("control", "shutdown_request", { restart: true });
      expect(reply.content).toEqual({ status: "ok", restart: true });
      await expect(own.exited).resolves.toBe(0);
    } finally {
      await own.close();
    }
  });
});
