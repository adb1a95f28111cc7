import { ParleyError } from "../../base/errors.js";

export type NoiseErrorCode =
  /** A protocol name or pattern this implementation does not know. */
  | "unsupported-protocol"
  /** A key the pattern needs was not supplied (or was supplied with the wrong length). */
  | "missing-key"
  /** writeMessage/readMessage called out of turn or after the handshake finished. */
  | "wrong-turn"
  /** A handshake message shorter than its tokens require. */
  | "message-too-short"
  /** Noise messages are at most 65535 bytes. */
  | "message-too-long"
  /** Authentication of an encrypted static key or payload failed. */
  | "decrypt-failed"
  /** A received public key is of small order (its DH would be all zeros). */
  | "invalid-key"
  /** A CipherState used up its 2^64 - 1 nonces. */
  | "nonce-exhausted";

export class NoiseError extends ParleyError {
  declare readonly code: NoiseErrorCode;
  constructor(code: NoiseErrorCode, message: string) {
    super(code, message);
  }
}

export const MAX_MESSAGE_LENGTH = 65535;
