/**
 * PrivateV1's configuration, its protocol limits and its error: what the engine is built from and what its
 * callers check against.
 */
import { ParleyError } from "../../base/errors.js";
import type { X25519KeyPair } from "../../crypto/provider.js";
import type { SdsOptions } from "../../primitives/sds/index.js";

export const PRIVATE_V1 = "PrivateV1";

/**
 * PRIVATE1 max_seg_size. A segment of this size plus the SDS message (sync messages carry the 3,752-byte
 * Bloom filter but no content), the ratchet header and AEAD (≈80 bytes), the envelope (≈85 bytes) and the Waku
 * message fields stays far below 150 KiB (153,600 bytes): `test/private-v1/limits.test.ts` checks the largest
 * possible payload.
 */
export const MAX_SEG_SIZE = 100_000;
/** 255 segments of MAX_SEG_SIZE, minus the frame's own fields. */
export const MAX_FRAME_BYTES = 255 * MAX_SEG_SIZE;
/** Bytes of a conversation's delivery address (protocol constant: both sides derive it). */
export const PRIVATE_ADDRESS_BYTES = 2;

export interface PrivateV1Options {
  readonly maxSkip?: number;
  readonly skippedKeyMaxAgeMs?: number;
  /**
   * SDS timers and bounds. PrivateV1 fixes three of them whatever is passed: acknowledgements are exact (no
   * transitive acks; a Bloom filter hit makes a message possibly acknowledged, never acknowledged), and the
   * sealed ciphertext of each message is kept and resent (its SDS bytes too, to seal it again after a session
   * reset). Unless given, a missing
   * message of the peer is declared lost one day after the sender's own give-up bound.
   */
  readonly sds?: SdsOptions;
  /** Incomplete multi-segment frames are dropped after this long (ms). Default: the SDS incoming-lost bound. */
  readonly reassemblyTimeoutMs?: number;
  /**
   * This installation's key pair (the conversation's `selfKey`): needed to make or accept a session reset
   * (reset.ts). Without it the engine never resets and refuses resets.
   */
  readonly identity?: X25519KeyPair;
  /**
   * Session reset policy: when at least `resetAfterFailures` payloads of a conversation failed to open over at
   * least `resetAfterMs` with none opening in between, the next sweep starts a new session; at most one
   * reset per `resetBackoffMs`. Defaults 3, 10 minutes, 30 minutes.
   */
  readonly resetAfterFailures?: number;
  readonly resetAfterMs?: number;
  readonly resetBackoffMs?: number;
  /** Most sealed segments on the wire unacknowledged; later ones wait their turn. Default 256. */
  readonly sendWindow?: number;
}

/** A receiver waits this much longer than a sender keeps resending before it declares a message lost. */
export const LOST_MARGIN_MS = 24 * 3_600_000;

export type PrivateV1ErrorCode = "content-too-large" | "cannot-send";

export class PrivateV1Error extends ParleyError {
  declare readonly code: PrivateV1ErrorCode;
  constructor(code: PrivateV1ErrorCode, message: string) {
    super(code, message);
  }
}
