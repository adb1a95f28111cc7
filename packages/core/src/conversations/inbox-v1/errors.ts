import { ParleyError } from "../../base/errors.js";

/** Reasons an inbox message is refused (also the `badly-formed` reasons of InboxV1's decoding tree). */
export type InboxErrorCode =
  /** The handshake fields have the wrong sizes. */
  | "handshake-malformed"
  /** No bundle key of this inbox has the message's key reference. */
  | "unknown-bundle-key"
  /** The bundle key existed but expired. */
  | "bundle-key-expired"
  /** The bundle key was single-use and already accepted an invite. */
  | "bundle-key-used"
  /** The bundle key was rotated away. */
  | "bundle-key-rotated"
  /** The Noise message did not authenticate (tampered, wrong key, low-order initiator key). */
  | "handshake-failed"
  /** The decrypted payload is not an InboxV1Frame. */
  | "inbox-frame-decode"
  /** An InboxV1Frame with no arm set, or an arm no registered type claims. */
  | "inbox-frame-empty"
  /** The invite does not fit one Noise message (65,535 bytes). */
  | "invite-too-large";

export class InboxError extends ParleyError {
  declare readonly code: InboxErrorCode;
  constructor(code: InboxErrorCode, message: string) {
    super(code, message);
  }
}
