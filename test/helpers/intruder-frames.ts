/**
 * Raw wire frames of an execute_request from another session ("intruder"), signed with `signer`,
 * for tests that tamper with a frame and check that the kernel never runs it.
 */
import { createMessage, DELIMITER, encodeMessage, MessageSigner } from "../../kernel/wire";

export function intruderExecuteFrames(signer: MessageSigner, code: string): Buffer[] {
  const message = createMessage(
    "execute_request",
    { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false },
    { session: "intruder" },
  );
  return encodeMessage(message, signer);
}

/** Where the `<IDS|MSG>` delimiter stands; the signature follows it, then header, parent, metadata, content. */
export const delimiterAt = (frames: Buffer[]): number => frames.findIndex((f) => f.toString() === DELIMITER);
