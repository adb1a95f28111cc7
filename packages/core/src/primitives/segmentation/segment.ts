/**
 * Segmentation as PRIVATE1 configures it: every payload is wrapped (a single segment has count 1), at most 255
 * data segments, no parity. The hash is original Keccak-256 of the whole payload. The wire codec of
 * `SegmentMessage` is wire/hand/segment.ts.
 */
import { toHex } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { decodeSegmentMessage, encodeSegmentMessage } from "../../wire/hand/segment.js";
import type { SegmentMessage } from "../../wire/index.js";
import { SegmentationError } from "./errors.js";

export const MAX_SEGMENTS = 255;
/** Fits one 150 KiB Waku message after SDS, ratchet and envelope overhead (specs-digest §4 item 17). */
export const DEFAULT_MAX_SEGMENT_SIZE = 100_000;

export interface Segment {
  /** Keccak-256 of the whole payload (32 bytes). */
  readonly hash: Uint8Array;
  readonly index: number;
  readonly count: number;
  readonly payload: Uint8Array;
}

export interface SegmentOptions {
  /** Largest segment payload in bytes; default 100,000. */
  readonly maxSegmentSize?: number;
}

/** Splits `payload` into encoded SegmentMessages. Throws SegmentationError("too-large") beyond 255 segments. */
export function segmentPayload(
  crypto: CryptoProvider,
  payload: Uint8Array,
  options: SegmentOptions = {},
): Uint8Array[] {
  const size = options.maxSegmentSize ?? DEFAULT_MAX_SEGMENT_SIZE;
  if (!Number.isInteger(size) || size < 1) throw new RangeError("maxSegmentSize must be a positive integer");
  const count = Math.max(1, Math.ceil(payload.length / size));
  if (count > MAX_SEGMENTS) {
    throw new SegmentationError("too-large", `payload needs ${count} segments; at most ${MAX_SEGMENTS} are allowed`);
  }
  const hash = crypto.keccak256(payload);
  const out: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    out.push(encodeSegmentMessage(hash, index, count, payload.subarray(index * size, (index + 1) * size)));
  }
  return out;
}

/** BLAKE2b personalization of the SDS ids of multi-segment frames: separates them from every other id. */
const SEGMENT_ID_DOMAIN = new TextEncoder().encode("parley/sds-seg/1");

/**
 * The SDS message id a sender gives one encoded segment (lowercase hex of 16 bytes). A single-segment payload
 * keeps `hex(BLAKE2b-128(segment))`. A segment of a larger payload is named without hashing its bytes again:
 * `hex(BLAKE2b-128(entire_message_hash || index || count))` under a personalization of its own, unique because
 * the payload is (PRIVATE1 frames carry strictly increasing timestamps) and the index is within it. Receivers
 * never recompute SDS ids, so this is the sender's choice and changes no wire rule.
 */
export function segmentSdsId(crypto: CryptoProvider, segment: Uint8Array): string {
  const m = decodeSegmentMessage(segment);
  if (m === undefined || m.segmentCount <= 1 || m.entireMessageHash.length !== 32) {
    return toHex(crypto.blake2b(segment, { dkLen: 16 }));
  }
  const input = new Uint8Array(32 + 8);
  input.set(m.entireMessageHash);
  const view = new DataView(input.buffer);
  view.setUint32(32, m.index);
  view.setUint32(36, m.segmentCount);
  return toHex(crypto.blake2b(input, { dkLen: 16, personalization: SEGMENT_ID_DOMAIN }));
}

export interface DecodeSegmentOptions {
  /** 1 for PrivateV1 (single segments are wrapped), 2 for standalone segmentation. Default 1. */
  readonly minCount?: number;
  /** Largest accepted segment payload; default 100,000. */
  readonly maxSegmentSize?: number;
}

export type DecodeSegmentResult =
  | { readonly ok: true; readonly segment: Segment }
  | { readonly ok: false; readonly error: SegmentationError };

/** Total: never throws. Enforces the receiver MUSTs of the segmentation spec for data segments. */
export function decodeSegment(bytes: Uint8Array, options: DecodeSegmentOptions = {}): DecodeSegmentResult {
  const m = decodeSegmentMessage(bytes);
  return m === undefined ? fail("malformed", "not a SegmentMessage") : validateSegment(m, options);
}

export function validateSegment(m: SegmentMessage, options: DecodeSegmentOptions = {}): DecodeSegmentResult {
  const minCount = options.minCount ?? 1;
  const maxSize = options.maxSegmentSize ?? DEFAULT_MAX_SEGMENT_SIZE;
  if (m.entireMessageHash.length !== 32) return fail("bad-hash-length", "entire_message_hash must be 32 bytes");
  if (m.segmentCount === 0 || m.paritySegmentsCount !== 0 || m.paritySegmentIndex !== 0) {
    return fail("parity-unsupported", "parity segments are not used");
  }
  if (m.segmentCount < minCount || m.segmentCount > MAX_SEGMENTS) {
    return fail("bad-count", `segment_count must be in ${minCount}..${MAX_SEGMENTS}`);
  }
  if (m.index >= m.segmentCount) return fail("bad-index", "index must be below segment_count");
  if (m.payload.length > maxSize) return fail("segment-too-large", `segment payload above ${maxSize} bytes`);
  return {
    ok: true,
    segment: { hash: m.entireMessageHash, index: m.index, count: m.segmentCount, payload: m.payload },
  };
}

function fail(code: SegmentationError["code"], message: string): DecodeSegmentResult {
  return { ok: false, error: new SegmentationError(code, message) };
}
