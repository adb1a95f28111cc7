import { ParleyError } from "../../base/errors.js";

export type RatchetErrorCode =
  /** The message key was already used (or was expired and dropped): the message was seen before. */
  | "replay"
  /** The skipped key for this message expired by age. */
  | "expired"
  /** Reaching this message would skip more than max_skip keys on one chain. */
  | "too-far-ahead"
  /** The header names a chain this state never had, or a position past the end the peer announced. */
  | "unknown-chain"
  /** The AEAD tag did not verify (tampered header or ciphertext, or a wrong key). */
  | "auth-failed"
  /** Header fields of the wrong size or range. */
  | "malformed-header"
  /** The header's DH key is a low-order point. */
  | "low-order-key"
  /** The state cannot send yet: a receiver must receive the first message before it can reply. */
  | "cannot-send"
  /** Serialized state that does not parse. */
  | "bad-state";

export class RatchetError extends ParleyError {
  declare readonly code: RatchetErrorCode;
  constructor(code: RatchetErrorCode, message: string) {
    super(code, message);
  }
}
