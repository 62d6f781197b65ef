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

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- message content is JSON from a peer; each handler reads its own fields
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
  constructor(
    private readonly key: string,
    scheme = "hmac-sha256",
  ) {
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

  /** Hex digest over the four JSON frames (strings count as their UTF-8 bytes); "" when signing is disabled. */
  sign(frames: Array<Buffer | string>): string {
    if (!this.algorithm) return "";
    const hmac = createHmac(this.algorithm, this.key);
    for (const frame of frames) hmac.update(frame);
    return hmac.digest("hex");
  }

  /** Constant-time check of a received signature against the frames it claims to sign. */
  verify(signature: Buffer, frames: Buffer[]): boolean {
    if (!this.algorithm) return true;
    return sameDigest(signature, this.sign(frames));
  }

  /**
   * verify() for large messages: hashes in slices and lets the event loop run between them,
   * so a 100 MB message does not hold up control requests for the half second its HMAC takes.
   */
  async verifyInSlices(signature: Buffer, frames: Buffer[], sliceBytes = 4 << 20): Promise<boolean> {
    if (!this.algorithm) return true;
    const hmac = createHmac(this.algorithm, this.key);
    for (const frame of frames) {
      for (let offset = 0; offset < frame.length; offset += sliceBytes) {
        hmac.update(frame.subarray(offset, offset + sliceBytes));
        if (frame.length > sliceBytes) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    return sameDigest(signature, hmac.digest("hex"));
  }
}

function sameDigest(signature: Buffer, expectedHex: string): boolean {
  const expected = Buffer.from(expectedHex, "ascii");
  // A length mismatch leaks nothing useful (the length of a hex digest is public).
  if (signature.length !== expected.length) return false;
  return timingSafeEqual(signature, expected);
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

/**
 * Largest JSON part (header, parent_header, metadata or content) the kernel parses. Binary
 * buffers are not limited (a file upload may be large). A bigger message is authentic but
 * refused: parsing and type-checking 100 MB of code would hold the kernel for minutes and
 * gigabytes. 32 MiB is far above any real cell.
 */
export const MAX_JSON_PART_BYTES = 32 * 1024 * 1024;

/** Messages with more signed bytes than this are verified in slices (decodeMessageAsync). */
const SLICED_VERIFY_BYTES = 4 * 1024 * 1024;

export type DecodeResult =
  | { ok: true; message: JupyterMessage }
  | {
      ok: false;
      reason: string;
      /** A correctly signed message refused for its size: header and parent only (content {}), so it can be answered. */
      refused?: JupyterMessage;
    };

export interface DecodeOptions {
  maxJsonPartBytes?: number;
}

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

const PART_NAMES = ["header", "parent_header", "metadata", "content"] as const;

interface SplitFrames {
  identities: Buffer[];
  signature: Buffer;
  signed: Buffer[];
  buffers: Buffer[];
}

function splitFrames(frames: Buffer[]): SplitFrames | string {
  const split = frames.findIndex((frame) => frame.length === DELIMITER.length && frame.toString("latin1") === DELIMITER);
  if (split < 0) return "no <IDS|MSG> delimiter";
  const rest = frames.slice(split + 1);
  if (rest.length < 5) return `expected at least 5 frames after the delimiter, got ${rest.length}`;
  return { identities: frames.slice(0, split), signature: rest[0], signed: rest.slice(1, 5), buffers: rest.slice(5) };
}

function checkReplay(parts: SplitFrames, signer: MessageSigner, replays: ReplayGuard | undefined): string | undefined {
  if (!signer.disabled && replays && !replays.accept(parts.signature.toString("latin1"))) return "replayed signature";
  return undefined;
}

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** Parses the (already verified) JSON parts into a message. */
function parseParts(parts: SplitFrames, options: DecodeOptions): DecodeResult {
  const limit = options.maxJsonPartBytes ?? MAX_JSON_PART_BYTES;
  const oversized = parts.signed.findIndex((frame) => frame.length > limit);
  if (oversized >= 0) {
    const reason = `its ${PART_NAMES[oversized]} is ${megabytes(parts.signed[oversized].length)}; the kernel accepts at most ${megabytes(limit)} of JSON per message part`;
    const header = parts.signed[0].length <= limit ? parseJsonFrame(parts.signed[0], "header").value : undefined;
    const parent = parts.signed[1].length <= limit ? parseJsonFrame(parts.signed[1], "parent_header").value : undefined;
    if (!header || typeof header.msg_type !== "string" || typeof header.msg_id !== "string") return { ok: false, reason };
    const refused: JupyterMessage = {
      identities: parts.identities,
      header: header as MessageHeader,
      parent_header: (parent ?? {}) as Partial<MessageHeader>,
      metadata: {},
      content: {},
      buffers: [],
    };
    return { ok: false, reason, refused };
  }
  const parsed = PART_NAMES.map((name, i) => parseJsonFrame(parts.signed[i], name));
  const failed = parsed.find((part) => part.error);
  if (failed) return { ok: false, reason: failed.error! };
  const [header, parentHeader, metadata, content] = parsed.map((part) => part.value!);
  if (typeof header.msg_type !== "string" || header.msg_type === "") return { ok: false, reason: "header.msg_type is not a string" };
  if (typeof header.msg_id !== "string") return { ok: false, reason: "header.msg_id is not a string" };
  if (header.session !== undefined && typeof header.session !== "string") return { ok: false, reason: "header.session is not a string" };
  return {
    ok: true,
    message: {
      identities: parts.identities,
      header: header as MessageHeader,
      parent_header: parentHeader as Partial<MessageHeader>,
      metadata,
      content,
      buffers: parts.buffers,
    },
  };
}

/** The signature frame of a message as text ("" without a delimiter), for replay guards across threads. */
export function signatureOf(frames: Buffer[]): string {
  const parts = splitFrames(frames);
  return typeof parts === "string" ? "" : parts.signature.toString("latin1");
}

/** Frames → message. Never throws: anything malformed or unsigned comes back as a reason to drop it. */
export function decodeMessage(frames: Buffer[], signer: MessageSigner, replays?: ReplayGuard, options: DecodeOptions = {}): DecodeResult {
  const parts = splitFrames(frames);
  if (typeof parts === "string") return { ok: false, reason: parts };
  if (!signer.disabled) {
    if (parts.signature.length === 0) return { ok: false, reason: "missing signature" };
    if (!signer.verify(parts.signature, parts.signed)) return { ok: false, reason: "invalid signature" };
  }
  const replayed = checkReplay(parts, signer, replays);
  if (replayed) return { ok: false, reason: replayed };
  return parseParts(parts, options);
}

/**
 * decodeMessage for a receive loop: the same result, but a large message is verified in slices
 * that let other channels (control, the heartbeat of a client in this process) be served meanwhile.
 */
export async function decodeMessageAsync(frames: Buffer[], signer: MessageSigner, replays?: ReplayGuard, options: DecodeOptions = {}): Promise<DecodeResult> {
  const parts = splitFrames(frames);
  if (typeof parts === "string") return { ok: false, reason: parts };
  const signedBytes = parts.signed.reduce((n, frame) => n + frame.length, 0);
  if (signedBytes < SLICED_VERIFY_BYTES) return decodeMessage(frames, signer, replays, options);
  if (!signer.disabled) {
    if (parts.signature.length === 0) return { ok: false, reason: "missing signature" };
    if (!(await signer.verifyInSlices(parts.signature, parts.signed))) return { ok: false, reason: "invalid signature" };
  }
  const replayed = checkReplay(parts, signer, replays);
  if (replayed) return { ok: false, reason: replayed };
  return parseParts(parts, options);
}

/** Message → frames, signed. */
export function encodeMessage(message: JupyterMessage, signer: MessageSigner): Buffer[] {
  const signed = [message.header, message.parent_header, message.metadata, message.content].map((part) => Buffer.from(JSON.stringify(part), "utf8"));
  const signature = Buffer.from(signer.sign(signed), "ascii");
  return [...message.identities, Buffer.from(DELIMITER, "latin1"), signature, ...signed, ...message.buffers];
}

/**
 * encodeMessage for a ZeroMQ socket: the same frames, with the four JSON parts as strings. zeromq.js
 * sends a Buffer of more than 128 bytes without copying and then has to release it on the main thread
 * once the I/O thread is done with it (one more event-loop wake-up per message); a string is copied
 * into the message and freed wherever ZeroMQ is done with it.
 */
export function encodeMessageFrames(message: JupyterMessage, signer: MessageSigner): Array<Buffer | string> {
  const signed = [JSON.stringify(message.header), JSON.stringify(message.parent_header), JSON.stringify(message.metadata), JSON.stringify(message.content)];
  return [...message.identities, DELIMITER, signer.sign(signed), ...signed, ...message.buffers];
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
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any JSON object is valid content
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
