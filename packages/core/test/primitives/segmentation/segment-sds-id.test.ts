import { NobleCryptoProvider, toHex } from "@parley/core";
import { decodeSegment, segmentPayload, segmentSdsId } from "@parley/core/primitives";
import { describe, expect, it } from "vitest";

const crypto = new NobleCryptoProvider();

function payload(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
}

describe("segmentSdsId: the sender's SDS id of a segment", () => {
  it("a single-segment payload keeps hex(BLAKE2b-128(encoded segment))", () => {
    const [only] = segmentPayload(crypto, payload(500, 1), { maxSegmentSize: 1000 });
    expect(segmentSdsId(crypto, only!)).toBe(toHex(crypto.blake2b(only!, { dkLen: 16 })));
  });

  it("segments of a larger payload are named from entire_message_hash, index and count, not their bytes", () => {
    const segments = segmentPayload(crypto, payload(2500, 2), { maxSegmentSize: 1000 });
    expect(segments).toHaveLength(3);
    const ids = segments.map((s) => segmentSdsId(crypto, s));
    expect(new Set(ids).size).toBe(3);
    const personalization = new TextEncoder().encode("parley/sds-seg/1");
    segments.forEach((s, i) => {
      const decoded = decodeSegment(s);
      if (!decoded.ok) throw decoded.error;
      const input = new Uint8Array(40);
      input.set(decoded.segment.hash);
      new DataView(input.buffer).setUint32(32, i);
      new DataView(input.buffer).setUint32(36, 3);
      expect(ids[i]).toBe(toHex(crypto.blake2b(input, { dkLen: 16, personalization })));
      expect(ids[i]).not.toBe(toHex(crypto.blake2b(s, { dkLen: 16 })));
    });
  });

  it("two payloads never share an id (distinct entire_message_hash), one byte apart included", () => {
    const a = payload(2500, 3);
    const b = a.slice();
    b[2499] = b[2499]! ^ 1;
    const ids = [a, b].flatMap((p) =>
      segmentPayload(crypto, p, { maxSegmentSize: 1000 }).map((s) => segmentSdsId(crypto, s)),
    );
    expect(new Set(ids).size).toBe(6);
  });
});
