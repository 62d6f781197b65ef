/**
 * What a running cell's outputs turn into, without sockets: stream text is batched but keeps
 * its place relative to displays, results and errors; silent requests publish nothing.
 */
import { createHmac } from "node:crypto";
import { RequestPublisher } from "../kernel/publisher";
import { waitUntil } from "./helpers/wait-until";

function recorder() {
  const sent: { type: string; content: Record<string, any> }[] = [];
  return { sent, publish: (type: string, content: Record<string, unknown>) => sent.push({ type, content }) };
}

test("many small writes become one stream message after a few ms", async () => {
  const { sent, publish } = recorder();
  const sink = new RequestPublisher(publish, undefined);
  for (let i = 0; i < 1000; i++) sink.stream("stdout", `${i}\n`);
  expect(sent).toEqual([]);
  await waitUntil(() => sent.length > 0, "the batched stream message", { timeoutMs: 1000 });
  expect(sent.length).toBe(1);
  expect(sent[0].content.text.split("\n").length).toBe(1001);
});

test("a display in the middle flushes earlier text first, so order is kept", () => {
  const { sent, publish } = recorder();
  const sink = new RequestPublisher(publish, undefined);
  sink.stream("stdout", "a");
  sink.stream("stderr", "b");
  sink.display({ data: { "text/plain": "picture" }, displayId: "p" });
  sink.stream("stdout", "c");
  sink.display({ data: { "text/plain": "picture v2" }, displayId: "p", update: true });
  sink.clearOutput(false);
  sink.result(3, { "text/plain": "3" });
  sink.finish();
  expect(sent.map((m) => m.type)).toEqual(["stream", "stream", "display_data", "stream", "update_display_data", "clear_output", "execute_result"]);
  expect(sent[2].content.transient).toEqual({ display_id: "p" });
  expect(sent[6].content).toEqual({ execution_count: 3, data: { "text/plain": "3" }, metadata: {} });
});

test("a huge print goes out in bounded chunks, one per event-loop turn, so other work runs in between; finish waits for all", async () => {
  const { sent, publish } = recorder();
  // as the kernel does: every message is serialised and signed, which takes time for a large one
  const signing = (type: string, content: Record<string, unknown>) => {
    createHmac("sha256", "key").update(JSON.stringify(content)).digest("hex");
    publish(type, content);
  };
  const sink = new RequestPublisher(signing, undefined);
  const line = "x".repeat(1023) + "\n";
  for (let i = 0; i < 10 * 1024; i++) sink.stream("stdout", line); // 10 MiB, synchronously
  sink.result(1, { "text/plain": "done" });
  expect(sent).toEqual([]); // nothing encoded inside the writer's turn
  const seenBetween: number[] = [];
  const ticker = setInterval(() => seenBetween.push(sent.length), 0);
  await sink.finish();
  clearInterval(ticker);
  const streams = sent.filter((m) => m.type === "stream");
  expect(streams.length).toBeGreaterThanOrEqual(10);
  expect(streams.length).toBeLessThanOrEqual(11);
  expect(streams.reduce((n, m) => n + m.content.text.length, 0)).toBe(10 * 1024 * 1024);
  expect(sent[sent.length - 1].type).toBe("execute_result"); // still after the text
  expect(seenBetween.some((n) => n > 0 && n < sent.length)).toBe(true); // timers ran while it drained
});

test("silent requests publish nothing", () => {
  const { sent, publish } = recorder();
  const sink = new RequestPublisher(publish, undefined, true);
  sink.stream("stdout", "x");
  sink.display({ data: { "text/plain": "y" } });
  sink.result(1, { "text/plain": "1" });
  sink.error({ ename: "E", evalue: "v", traceback: [] });
  sink.finish();
  expect(sent).toEqual([]);
});

test("input without stdin rejects with a sentence; with stdin, pending text goes out before the prompt", async () => {
  const { sent, publish } = recorder();
  await expect(new RequestPublisher(publish, undefined).input("name?", false)).rejects.toThrow(/allow_stdin is false/);
  const asked: string[] = [];
  const sink = new RequestPublisher(publish, async (prompt) => {
    asked.push(`${sent.length}:${prompt}`);
    return "Ada";
  });
  sink.stream("stdout", "before the question\n");
  await expect(sink.input("name?", false)).resolves.toBe("Ada");
  expect(asked).toEqual(["1:name?"]);
});

test("an interrupt drops the stream text still queued and says how much; displays and later text still go out in order", async () => {
  const { sent, publish } = recorder();
  const sink = new RequestPublisher(publish, undefined);
  const megabyte = "y".repeat(1024 * 1024 - 1) + "\n";
  for (let i = 0; i < 20; i++) sink.stream("stdout", megabyte); // queued behind one another, none sent yet
  sink.display({ data: { "text/plain": "chart" } });
  sink.stream("stdout", "printed just before the interrupt\n");
  sink.dropUnsentText();
  sink.result(1, { "text/plain": "1" });
  await sink.finish();
  const texts = sent.filter((m) => m.type === "stream").map((m) => `${m.content.name}: ${m.content.text.length > 100 ? "<1 MB>" : m.content.text.trim()}`);
  expect(texts).toEqual(["stderr: [tsfine] interrupted: 20.0 MB of output not yet sent were dropped.", "stdout: printed just before the interrupt"]);
  expect(sent.map((m) => m.type)).toEqual(["display_data", "stream", "stream", "execute_result"]);
});

test("an interrupt with nothing queued drops nothing and adds no note", async () => {
  const { sent, publish } = recorder();
  const sink = new RequestPublisher(publish, undefined);
  sink.stream("stdout", "epoch 3\n");
  sink.dropUnsentText();
  await sink.finish();
  expect(sent.map((m) => m.content.text)).toEqual(["epoch 3\n"]);
});
