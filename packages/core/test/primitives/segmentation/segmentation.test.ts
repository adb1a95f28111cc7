import { NobleCryptoProvider, toHex, utf8 } from "@parley/core";
import {
  DEFAULT_MAX_SEGMENT_SIZE,
  decodeSegment,
  deserializeReassemblyState,
  EMPTY_REASSEMBLY,
  Reassembler,
  type ReassemblyState,
  segmentPayload,
  serializeReassemblyState,
} from "@parley/core/primitives";
import * as wire from "@parley/core/wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const crypto = new NobleCryptoProvider();
const T0 = 1_700_000_000_000;

function seg(fields: Partial<Omit<wire.SegmentMessage, "$typeName" | "$unknown">>): Uint8Array {
  const base = { entireMessageHash: new Uint8Array(32), index: 0, segmentCount: 1, payload: new Uint8Array(0) };
  return wire.toBinary(wire.SegmentMessageSchema, wire.create(wire.SegmentMessageSchema, { ...base, ...fields }));
}

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

describe("segmentPayload", () => {
  it("always wraps, hashes with Keccak-256 and splits into chunks of at most max_seg_size", () => {
    const one = segmentPayload(crypto, utf8("hi"));
    expect(one.length).toBe(1);
    const d = decodeSegment(one[0]!);
    expect(d.ok && d.segment).toMatchObject({ index: 0, count: 1, payload: utf8("hi") });
    // Keccak-256 (original), not SHA3-256: known digest of "hi".
    expect(d.ok && toHex(d.segment.hash)).toBe("7624778dedc75f8b322b9fa1632a610d40b85e106c7d9bf0e743a9ce291b9c6f");

    const payload = bytes(1000);
    const segments = segmentPayload(crypto, payload, { maxSegmentSize: 300 });
    expect(segments.length).toBe(4);
    const decoded = segments.map((s) => decodeSegment(s, { maxSegmentSize: 300 }));
    expect(decoded.map((x) => x.ok && x.segment.payload.length)).toEqual([300, 300, 300, 100]);
    expect(decoded.every((x) => x.ok && x.segment.count === 4)).toBe(true);

    expect(segmentPayload(crypto, new Uint8Array(0)).length).toBe(1);
    expect(DEFAULT_MAX_SEGMENT_SIZE).toBe(100_000);
  });

  it("allows 255 segments and refuses 256", () => {
    expect(segmentPayload(crypto, bytes(255 * 10), { maxSegmentSize: 10 }).length).toBe(255);
    expect(() => segmentPayload(crypto, bytes(255 * 10 + 1), { maxSegmentSize: 10 })).toThrowError(
      expect.objectContaining({ code: "too-large" }),
    );
  });
});

describe("decodeSegment", () => {
  it("enforces the receiver rules with typed errors", () => {
    const hash = new Uint8Array(32);
    const cases: [Uint8Array, string][] = [
      [Uint8Array.of(0xff, 0xff), "malformed"],
      [seg({ entireMessageHash: new Uint8Array(31) }), "bad-hash-length"],
      [seg({ entireMessageHash: hash, segmentCount: 0 }), "parity-unsupported"],
      [seg({ entireMessageHash: hash, paritySegmentsCount: 1 }), "parity-unsupported"],
      [seg({ entireMessageHash: hash, segmentCount: 256 }), "bad-count"],
      [seg({ entireMessageHash: hash, segmentCount: 3, index: 3 }), "bad-index"],
      [seg({ entireMessageHash: hash, payload: new Uint8Array(11) }), "segment-too-large"],
    ];
    for (const [input, code] of cases) {
      expect(decodeSegment(input, { maxSegmentSize: 10 })).toMatchObject({ ok: false, error: { code } });
    }
    // Standalone segmentation keeps the spec's count >= 2 rule when asked.
    expect(decodeSegment(seg({ entireMessageHash: hash }), { minCount: 2 })).toMatchObject({
      ok: false,
      error: { code: "bad-count" },
    });
    expect(decodeSegment(seg({ entireMessageHash: hash })).ok).toBe(true);
  });

  it("never throws on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (input) => {
        const r = decodeSegment(input);
        expect(typeof r.ok).toBe("boolean");
      }),
    );
  });
});

describe("Reassembler", () => {
  it("reassembles any arrival order with duplicates, exactly once", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 2000 }),
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.nat(), { minLength: 0, maxLength: 30 }),
        (payload, size, noise) => {
          const segments = segmentPayload(crypto, payload, { maxSegmentSize: size });
          // Arrival order: a permutation driven by `noise`, with some segments repeated.
          const order = segments.map((_, i) => i);
          for (let i = order.length - 1; i > 0; i--) {
            const j = (noise[i % Math.max(1, noise.length)] ?? 0) % (i + 1);
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          const arrivals = [...order, ...noise.slice(0, 5).map((n) => n % segments.length)];
          const r = new Reassembler(crypto, { maxSegmentSize: size });
          let state: ReassemblyState = EMPTY_REASSEMBLY;
          const complete: Uint8Array[] = [];
          for (const i of arrivals) {
            const res = r.push(state, "peer", segments[i]!, T0);
            expect(res.status).not.toBe("rejected");
            state = res.state;
            if (res.status === "complete") complete.push(res.payload!);
          }
          // Duplicates after completion are recognised while the completed message is remembered.
          expect(complete.length).toBe(1);
          expect(complete[0]).toEqual(payload);
          expect(state.partial.length).toBe(0);
          expect(r.collect(state, T0 + r.timeoutMs + 1).completed.length).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("reports duplicates, inconsistent counts and hash mismatches", () => {
    const r = new Reassembler(crypto, { maxSegmentSize: 4 });
    const segments = segmentPayload(crypto, utf8("abcdefghij"), { maxSegmentSize: 4 });
    let res = r.push(EMPTY_REASSEMBLY, "p", segments[0]!, T0);
    expect(res.status).toBe("pending");
    const dup = r.push(res.state, "p", segments[0]!, T0);
    expect(dup.status).toBe("duplicate");
    expect(dup.state).toBe(res.state);

    const first = decodeSegment(segments[0]!);
    if (!first.ok) throw first.error;
    const hash = first.segment.hash;
    const bad = r.push(res.state, "p", seg({ entireMessageHash: hash, index: 1, segmentCount: 4 }), T0);
    expect(bad).toMatchObject({ status: "rejected", error: { code: "inconsistent-count" } });
    expect(bad.state).toBe(res.state);

    // Another sender's segments never mix with this one's.
    const other = r.push(res.state, "q", segments[1]!, T0);
    expect(other.status).toBe("pending");

    // A forged segment with the right hash but wrong bytes: the whole set is discarded.
    res = r.push(
      res.state,
      "p",
      seg({ entireMessageHash: hash, index: 1, segmentCount: 3, payload: utf8("XXXX") }),
      T0,
    );
    expect(res.status).toBe("pending");
    const done = r.push(res.state, "p", segments[2]!, T0);
    expect(done).toMatchObject({ status: "rejected", error: { code: "hash-mismatch" } });
    expect(done.state.partial.length).toBe(0);
  });

  it("bounds memory per sender and garbage-collects after the timeout", () => {
    const r = new Reassembler(crypto, { maxSegmentSize: 10, maxPartialPerSender: 3, timeoutMs: 1000 });
    let state: ReassemblyState = EMPTY_REASSEMBLY;
    for (let i = 0; i < 5; i++) {
      const s = segmentPayload(crypto, bytes(20, i), { maxSegmentSize: 10 });
      state = r.push(state, "p", s[0]!, T0 + i).state;
    }
    state = r.push(state, "q", segmentPayload(crypto, bytes(20, 99), { maxSegmentSize: 10 })[0]!, T0).state;
    expect(state.partial.filter((p) => p.sender === "p").map((p) => p.firstSeenAt)).toEqual([T0 + 2, T0 + 3, T0 + 4]);
    expect(state.partial.filter((p) => p.sender === "q").length).toBe(1);
    expect(r.collect(state, T0 + 1003).partial.map((p) => p.firstSeenAt)).toEqual([T0 + 3, T0 + 4]);

    const tight = new Reassembler(crypto, { maxSegmentSize: 10, maxBytesPerSender: 25 });
    let t: ReassemblyState = EMPTY_REASSEMBLY;
    const big = segmentPayload(crypto, bytes(40, 1), { maxSegmentSize: 10 });
    t = tight.push(t, "p", big[0]!, T0).state;
    t = tight.push(t, "p", big[1]!, T0).state;
    const over = tight.push(t, "p", big[2]!, T0);
    expect(over).toMatchObject({ status: "rejected", error: { code: "quota-exceeded" } });
    const other = segmentPayload(crypto, bytes(40, 2), { maxSegmentSize: 10 });
    const evicted = tight.push(t, "p", other[0]!, T0);
    expect(evicted.status).toBe("pending");
    expect(evicted.state.partial.length).toBe(1); // 20 + 10 > 25: the older set went
    expect(evicted.state.partial[0]!.bytes).toBe(10);
  });

  it("serializes its state", () => {
    const r = new Reassembler(crypto, { maxSegmentSize: 3 });
    const s = segmentPayload(crypto, utf8("abcdefgh"), { maxSegmentSize: 3 });
    let state = r.push(EMPTY_REASSEMBLY, "peer", s[2]!, T0).state;
    state = r.push(state, "peer", s[0]!, T0).state;
    const bytes1 = serializeReassemblyState(state);
    const back = deserializeReassemblyState(bytes1);
    if (!back.ok) throw back.error;
    expect(serializeReassemblyState(back.state)).toEqual(bytes1);
    const done = r.push(back.state, "peer", s[1]!, T0);
    expect(done.status).toBe("complete");
    expect(done.payload).toEqual(utf8("abcdefgh"));
    for (let cut = 0; cut < bytes1.length; cut++) {
      expect(deserializeReassemblyState(bytes1.subarray(0, cut)).ok).toBe(false);
    }
    expect(deserializeReassemblyState(Uint8Array.of(...bytes1, 1)).ok).toBe(false);
  });
});
