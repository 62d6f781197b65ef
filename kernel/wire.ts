/**
 * Jupyter wire format (messaging spec 5.3): routing identities, the `<IDS|MSG>` delimiter,
 * an HMAC signature over header/parent_header/metadata/content, then raw buffers.
 * Knows nothing of sockets; turns frames into messages and back.
 */
import { createHmac, getHashes, randomUUID, timingSafeEqual } from "node:crypto";

export const DELIMITER = "<IDS|MSG>";
export const PROTOCOL_VERSION = "5.3";

export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  [extra: string]: unknown;
}

export interface JupyterMessage<Content = Record<string, any>> {
  /** ZeroMQ routing identities (ROUTER sockets) or the topic (PUB sockets). */
  identities: Buffer[];
  header: MessageHeader;
  /** Empty object when the message has no parent. */
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: Content;
  buffers: Buffer[];
}

/** Signs and verifies messages with the key and scheme of a connection file. */
export class MessageSigner {
  private readonly algorithm: string | undefined;

  /** Throws for a scheme other than hmac-<hash> with a hash this Node knows. */
  constructor(private readonly key: string, scheme = "hmac-sha256") {
    const match = /^hmac-([a-z0-9-]+)$/i.exec(scheme);
    const hash = match?.[1].toLowerCase();
    if (!hash || !getHashes().includes(hash)) {
      throw new Error(`Unsupported signature scheme "${scheme}": expected hmac-sha256 (or another hmac-<hash> Node supports).`);
    }
    this.algorithm = key === "" ? undefined : hash;
  }

  /** True when the key is empty: messages are neither signed nor checked. */
  get disabled(): boolean {
    return this.algorithm === undefined;
  }

  /** Hex digest over the four JSON frames; "" when signing is disabled. */
  sign(frames: Buffer[]): string {
    if (!this.algorithm) return "";
    const hmac = createHmac(this.algorithm, this.key);
    for (const frame of frames) hmac.update(frame);
    return hmac.digest("hex");
  }

  /** Constant-time check of a received signature against the frames it claims to sign. */
  verify(signature: Buffer, frames: Buffer[]): boolean {
    if (!this.algorithm) return true;
    const expected = Buffer.from(this.sign(frames), "ascii");
    // A length mismatch leaks nothing useful (the length of a hex digest is public).
    if (signature.length !== expected.length) return false;
    return timingSafeEqual(signature, expected);
  }
}

/**
 * Remembers recent signatures so a captured message cannot be replayed verbatim
 * (ipykernel does the same). Bounded: the oldest entries are forgotten first.
 */
export class ReplayGuard {
  private readonly seen = new Set<string>();
  constructor(private readonly capacity = 65536) {}

  /** False if this signature was seen before; otherwise remembers it. */
  accept(signature: string): boolean {
    if (signature === "") return true;
    if (this.seen.has(signature)) return false;
    this.seen.add(signature);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value as string;
      this.seen.delete(oldest);
    }
    return true;
  }
}

export type DecodeResult = { ok: true; message: JupyterMessage } | { ok: false; reason: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseJsonFrame(frame: Buffer, name: string): { value?: Record<string, unknown>; error?: string } {
  let value: unknown;
  try {
    value = JSON.parse(frame.toString("utf8"));
  } catch {
    return { error: `${name} is not valid JSON` };
  }
  if (!isPlainObject(value)) return { error: `${name} is not a JSON object` };
  return { value };
}

/** Frames → message. Never throws: anything malformed or unsigned comes back as a reason to drop it. */
export function decodeMessage(frames: Buffer[], signer: MessageSigner, replays?: ReplayGuard): DecodeResult {
  const split = frames.findIndex((frame) => frame.length === DELIMITER.length && frame.toString("latin1") === DELIMITER);
  if (split < 0) return { ok: false, reason: "no <IDS|MSG> delimiter" };
  const rest = frames.slice(split + 1);
  if (rest.length < 5) return { ok: false, reason: `expected at least 5 frames after the delimiter, got ${rest.length}` };
  const [signature, ...signed] = rest.slice(0, 5);
  if (!signer.disabled) {
    if (signature.length === 0) return { ok: false, reason: "missing signature" };
    if (!signer.verify(signature, signed)) return { ok: false, reason: "invalid signature" };
    if (replays && !replays.accept(signature.toString("latin1"))) return { ok: false, reason: "replayed signature" };
  }
  const parts = ["header", "parent_header", "metadata", "content"].map((name, i) => parseJsonFrame(signed[i], name));
  const failed = parts.find((part) => part.error);
  if (failed) return { ok: false, reason: failed.error! };
  const [header, parentHeader, metadata, content] = parts.map((part) => part.value!);
  if (typeof header.msg_type !== "string" || header.msg_type === "") return { ok: false, reason: "header.msg_type is not a string" };
  if (typeof header.msg_id !== "string") return { ok: false, reason: "header.msg_id is not a string" };
  if (header.session !== undefined && typeof header.session !== "string") return { ok: false, reason: "header.session is not a string" };
  return {
    ok: true,
    message: {
      identities: frames.slice(0, split),
      header: header as MessageHeader,
      parent_header: parentHeader as Partial<MessageHeader>,
      metadata,
      content,
      buffers: rest.slice(5),
    },
  };
}

/** Message → frames, signed. */
export function encodeMessage(message: JupyterMessage, signer: MessageSigner): Buffer[] {
  const signed = [message.header, message.parent_header, message.metadata, message.content].map((part) =>
    Buffer.from(JSON.stringify(part), "utf8"),
  );
  const signature = Buffer.from(signer.sign(signed), "ascii");
  return [...message.identities, Buffer.from(DELIMITER, "latin1"), signature, ...signed, ...message.buffers];
}

export function createHeader(msgType: string, session: string, username = "tsfine"): MessageHeader {
  return {
    msg_id: randomUUID(),
    session,
    username,
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

/** A new message; with a parent it inherits nothing but the parent header itself. */
export function createMessage<Content extends Record<string, any>>(
  msgType: string,
  content: Content,
  options: { session: string; parent?: JupyterMessage; identities?: Buffer[]; metadata?: Record<string, unknown>; buffers?: Buffer[] },
): JupyterMessage<Content> {
  return {
    identities: options.identities ?? [],
    header: createHeader(msgType, options.session),
    parent_header: options.parent ? options.parent.header : {},
    metadata: options.metadata ?? {},
    content,
    buffers: options.buffers ?? [],
  };
}
