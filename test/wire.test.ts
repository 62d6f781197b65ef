/**
 * The wire format: only correctly signed, well-formed messages get through; identities of
 * any length survive a round trip.
 */
import { createHmac } from "node:crypto";
import { createMessage, decodeMessage, DELIMITER, encodeMessage, JupyterMessage, MessageSigner, ReplayGuard } from "../kernel/wire";

const KEY = "a0436f6c-1916-498b-8eb9-e81ab9368e84";

function sample(identities: Buffer[] = [Buffer.from("client-1")]): JupyterMessage {
  return createMessage("execute_request", { code: "1+1", silent: false }, { session: "s1", identities, buffers: [Buffer.from([1, 2, 3])] });
}

function frameIndex(frames: Buffer[]): number {
  return frames.findIndex((f) => f.toString() === DELIMITER);
}

describe("signing", () => {
  const signer = new MessageSigner(KEY, "hmac-sha256");

  test("a signed message decodes to the same header, content, identities and buffers", () => {
    const message = sample();
    const decoded = decodeMessage(encodeMessage(message, signer), signer);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.message.header).toEqual(message.header);
    expect(decoded.message.content).toEqual({ code: "1+1", silent: false });
    expect(decoded.message.identities.map(String)).toEqual(["client-1"]);
    expect(decoded.message.buffers).toEqual([Buffer.from([1, 2, 3])]);
  });

  test("the signature is HMAC-SHA256 over header, parent_header, metadata and content", () => {
    const frames = encodeMessage(sample(), signer);
    const i = frameIndex(frames);
    const expected = createHmac("sha256", KEY);
    for (const frame of frames.slice(i + 2, i + 6)) expected.update(frame);
    expect(frames[i + 1].toString()).toBe(expected.digest("hex"));
  });

  test("a message signed with another key is rejected", () => {
    const frames = encodeMessage(sample(), new MessageSigner("not-the-key"));
    expect(decodeMessage(frames, signer)).toEqual({ ok: false, reason: "invalid signature" });
  });

  test("a missing signature is rejected", () => {
    const frames = encodeMessage(sample(), signer);
    frames[frameIndex(frames) + 1] = Buffer.alloc(0);
    expect(decodeMessage(frames, signer)).toEqual({ ok: false, reason: "missing signature" });
  });

  test("a truncated signature is rejected", () => {
    const frames = encodeMessage(sample(), signer);
    const i = frameIndex(frames) + 1;
    frames[i] = frames[i].subarray(0, 32);
    expect(decodeMessage(frames, signer)).toEqual({ ok: false, reason: "invalid signature" });
  });

  test("a changed body under the original signature is rejected", () => {
    const frames = encodeMessage(sample(), signer);
    frames[frameIndex(frames) + 5] = Buffer.from(JSON.stringify({ code: "process.exit(1)" }));
    expect(decodeMessage(frames, signer)).toEqual({ ok: false, reason: "invalid signature" });
  });

  test("a message signed with another scheme (hmac-sha1) does not verify under sha256", () => {
    const frames = encodeMessage(sample(), new MessageSigner(KEY, "hmac-sha1"));
    expect(decodeMessage(frames, signer).ok).toBe(false);
  });

  test("a connection file naming an unsupported scheme is refused", () => {
    expect(() => new MessageSigner(KEY, "hmac-nonsense")).toThrow(/Unsupported signature scheme/);
    expect(() => new MessageSigner(KEY, "rsa-sha256")).toThrow(/Unsupported signature scheme/);
  });

  test("other hmac schemes named by the connection file work both ways", () => {
    const sha512 = new MessageSigner(KEY, "hmac-sha512");
    expect(decodeMessage(encodeMessage(sample(), sha512), sha512).ok).toBe(true);
  });

  test("an exact replay of a message is rejected the second time", () => {
    const replays = new ReplayGuard();
    const frames = encodeMessage(sample(), signer);
    expect(decodeMessage(frames, signer, replays).ok).toBe(true);
    expect(decodeMessage(frames, signer, replays)).toEqual({ ok: false, reason: "replayed signature" });
  });

  test("an empty key means no signing and no checking", () => {
    const open = new MessageSigner("");
    const frames = encodeMessage(sample(), open);
    expect(frames[frameIndex(frames) + 1].length).toBe(0);
    expect(decodeMessage(frames, open).ok).toBe(true);
  });
});

describe("framing", () => {
  const signer = new MessageSigner(KEY);

  test("routing identities of any number and length survive", () => {
    const identities = [Buffer.alloc(0), Buffer.from("a"), Buffer.alloc(255, 7), Buffer.from([0, 1, 2, 3, 4])];
    const decoded = decodeMessage(encodeMessage(sample(identities), signer), signer);
    expect(decoded.ok && decoded.message.identities).toEqual(identities);
  });

  test("no identities at all is fine too", () => {
    const decoded = decodeMessage(encodeMessage(sample([]), signer), signer);
    expect(decoded.ok && decoded.message.identities).toEqual([]);
  });

  test("a missing delimiter is reported, not thrown", () => {
    const frames = encodeMessage(sample(), signer).filter((f) => f.toString() !== DELIMITER);
    expect(decodeMessage(frames, signer)).toEqual({ ok: false, reason: "no <IDS|MSG> delimiter" });
  });

  test("too few frames are reported", () => {
    const frames = encodeMessage(sample(), signer);
    expect(decodeMessage(frames.slice(0, frameIndex(frames) + 3), signer).ok).toBe(false);
  });

  test("invalid JSON and wrong types are reported", () => {
    const open = new MessageSigner("");
    const frames = encodeMessage(sample(), open);
    const i = frameIndex(frames);
    const withHeader = (header: string) => [...frames.slice(0, i + 2), Buffer.from(header), ...frames.slice(i + 3)];
    expect(decodeMessage(withHeader("{not json"), open)).toEqual({ ok: false, reason: "header is not valid JSON" });
    expect(decodeMessage(withHeader("[1,2]"), open)).toEqual({ ok: false, reason: "header is not a JSON object" });
    expect(decodeMessage(withHeader(JSON.stringify({ msg_id: "x", msg_type: 5 })), open)).toEqual({ ok: false, reason: "header.msg_type is not a string" });
    const badContent = [...frames.slice(0, i + 5), Buffer.from('"text"')];
    expect(decodeMessage(badContent, open)).toEqual({ ok: false, reason: "content is not a JSON object" });
  });

  test("a reply carries its parent's header", () => {
    const request = sample();
    const reply = createMessage("execute_reply", { status: "ok" }, { session: "k", parent: request, identities: request.identities });
    expect(reply.parent_header.msg_id).toBe(request.header.msg_id);
    expect(reply.header.version).toBe("5.3");
  });
});

describe("large messages", () => {
  const signer = new MessageSigner(KEY, "hmac-sha256");

  test("a signed message with more JSON than the limit is refused with its header kept, so it can be answered", () => {
    const message = createMessage("execute_request", { code: "x".repeat(2000) }, { session: "s1", identities: [Buffer.from("client-1")] });
    const decoded = decodeMessage(encodeMessage(message, signer), signer, undefined, { maxJsonPartBytes: 1000 });
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.reason).toMatch(/content is 0\.0 MB; the kernel accepts at most 0\.0 MB/);
    expect(decoded.refused?.header.msg_id).toBe(message.header.msg_id);
    expect(decoded.refused?.identities.map(String)).toEqual(["client-1"]);
    expect(decoded.refused?.content).toEqual({});
  });

  test("an unsigned oversized message is dropped without a header to answer", () => {
    const frames = encodeMessage(createMessage("execute_request", { code: "x".repeat(2000) }, { session: "s1" }), new MessageSigner("other key"));
    const decoded = decodeMessage(frames, signer, undefined, { maxJsonPartBytes: 1000 });
    expect(decoded).toEqual({ ok: false, reason: "invalid signature" });
  });

  test("decodeMessageAsync verifies a 20 MB message in slices and gives the same message; tampering is still caught", async () => {
    const { decodeMessageAsync } = await import("../kernel/wire");
    const message = createMessage("comm_msg", { data: { blob: "y".repeat(20 * 1024 * 1024) } }, { session: "s1" });
    const frames = encodeMessage(message, signer);
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    const decoded = await decodeMessageAsync(frames, signer);
    clearInterval(ticking);
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(decoded.message.content.data.blob.length).toBe(20 * 1024 * 1024);
    expect(turns).toBeGreaterThan(0); // other work ran while it was verified
    const at = frameIndex(frames);
    frames[at + 5] = Buffer.from(frames[at + 5].toString().replace("yyy", "yzy"));
    expect(await decodeMessageAsync(frames, signer)).toEqual({ ok: false, reason: "invalid signature" });
  });
});
