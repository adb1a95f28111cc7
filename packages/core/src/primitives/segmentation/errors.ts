import { ParleyError } from "../../base/errors.js";

export type SegmentationErrorCode =
  /** The payload needs more than 255 segments. */
  | "too-large"
  /** Bytes that are not a SegmentMessage. */
  | "malformed"
  /** entire_message_hash is not 32 bytes. */
  | "bad-hash-length"
  /** segment_count is 0, below the configured minimum, or above 255. */
  | "bad-count"
  /** index >= segment_count. */
  | "bad-index"
  /** Parity (Reed-Solomon) segments: PrivateV1 segmentation has none. */
  | "parity-unsupported"
  /** A segment payload larger than the receiver accepts. */
  | "segment-too-large"
  /** Segments of one message disagree on segment_count. */
  | "inconsistent-count"
  /** The reassembled payload does not hash to entire_message_hash: the set is discarded. */
  | "hash-mismatch"
  /** The sender's reassembly quota cannot hold this message. */
  | "quota-exceeded"
  /** Serialized reassembly state that does not parse. */
  | "bad-state";

export class SegmentationError extends ParleyError {
  declare readonly code: SegmentationErrorCode;
  constructor(code: SegmentationErrorCode, message: string) {
    super(code, message);
  }
}
