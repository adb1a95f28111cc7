/**
 * The hand-written codec of `logoschat.segmentation.SegmentMessage` (data segments: no parity fields written),
 * checked against the protobuf runtime by test/wire/hand-codecs.test.ts. The segmentation rules (counts,
 * sizes, the hash) are primitives/segmentation's.
 */
import { fromBinary, type SegmentMessage, SegmentMessageSchema } from "../index.js";
import { lenFieldSize, varintFieldSize, WireReader, WireWriter } from "./protowire.js";

/**
 * Exactly the bytes `toBinary(SegmentMessageSchema, ...)` writes for a data segment (fields in number order,
 * zero values left out). `index` and `count` are non-negative safe integers (at most 255 in PRIVATE1).
 */
export function encodeSegmentMessage(hash: Uint8Array, index: number, count: number, payload: Uint8Array): Uint8Array {
  const w = new WireWriter(
    (hash.length > 0 ? lenFieldSize(hash.length) : 0) +
      (index !== 0 ? varintFieldSize(index) : 0) +
      (count !== 0 ? varintFieldSize(count) : 0) +
      (payload.length > 0 ? lenFieldSize(payload.length) : 0),
  );
  if (hash.length > 0) w.bytes(1, hash);
  if (index !== 0) w.varintField(2, index);
  if (count !== 0) w.varintField(3, count);
  if (payload.length > 0) w.bytes(4, payload);
  return w.finish();
}

/** Total: the runtime's decoding of `bytes`, or undefined where it fails. */
export function decodeSegmentMessage(bytes: Uint8Array): SegmentMessage | undefined {
  const fast = readCanonicalSegment(bytes);
  if (fast !== undefined) return fast;
  try {
    return fromBinary(SegmentMessageSchema, bytes);
  } catch {
    return undefined;
  }
}

/**
 * The canonical layout without the runtime: fields 1..6 each at most once and in order, nothing else.
 * Anything else (undefined) goes to `fromBinary`, which then decides, so the result is the same.
 */
function readCanonicalSegment(bytes: Uint8Array): SegmentMessage | undefined {
  const r = new WireReader(bytes);
  const entireMessageHash = r.bytesField(1);
  if (entireMessageHash === undefined) return undefined;
  const index = r.uint32Field(2);
  const segmentCount = r.uint32Field(3);
  if (index < 0 || segmentCount < 0) return undefined;
  const payload = r.bytesField(4);
  if (payload === undefined) return undefined;
  const paritySegmentIndex = r.uint32Field(5);
  const paritySegmentsCount = r.uint32Field(6);
  if (paritySegmentIndex < 0 || paritySegmentsCount < 0 || !r.done) return undefined;
  return {
    $typeName: "logoschat.segmentation.SegmentMessage",
    entireMessageHash,
    index,
    segmentCount,
    payload,
    paritySegmentIndex,
    paritySegmentsCount,
  };
}
