import { ParleyError } from "../../base/errors.js";

export type SdsErrorCode =
  /** Bytes that are not an SDS message, or fields out of bounds. */
  | "malformed"
  /** A message for another channel. */
  | "wrong-channel"
  /** Our own message echoed back (the spec says to ignore it). */
  | "own-message"
  /** sender_id differs from the sender proven by the encryption layer. */
  | "sender-mismatch"
  /** Content messages must carry content (an empty one would read as a sync message). */
  | "empty-content"
  /** A message id already used in this channel. */
  | "duplicate-id"
  /**
   * A message that must wait for its dependencies, refused because the buffer of waiting messages is full
   * (nothing changed: the sender's resend brings it again).
   */
  | "buffer-full"
  /** Serialized state that does not parse. */
  | "bad-state";

export class SdsError extends ParleyError {
  declare readonly code: SdsErrorCode;
  constructor(code: SdsErrorCode, message: string) {
    super(code, message);
  }
}
