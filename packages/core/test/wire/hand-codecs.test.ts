/**
 * The hand-written codecs of the per-message frames (envelope, encrypted payload, PrivateV1 frame, segment;
 * the SDS message in sds-message.test.ts) against the protobuf runtime: the encoders write its exact bytes, and the decoders give its results on
 * canonical bytes, on re-ordered / duplicated / unknown / over-long encodings built by hand, and on random,
 * truncated and mutated bytes (never throwing, failing exactly where it fails).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NobleCryptoProvider } from "../../src/crypto/index.js";
import { decodeSegment, segmentPayload, validateSegment } from "../../src/primitives/segmentation/segment.js";
import {
  decodeEncryptedPayload,
  decodeEnvelope,
  encodeEncryptedPayload,
  encodeEnvelope,
} from "../../src/wire/hand/envelope.js";
import { decodeFrame, encodeFrame, type PrivateV1FrameBody } from "../../src/wire/hand/private-v1-frame.js";
import { decodeSegmentMessage, encodeSegmentMessage } from "../../src/wire/hand/segment.js";
import * as wire from "../../src/wire/index.js";
import { bytes, damaged, rawEncode, rawFields, runtime, text, U64, u32 } from "./protobuf-arbitraries.js";

const crypto = new NobleCryptoProvider();

// --- EnvelopeV1 ----------------------------------------------------------------------------------------------

const envelopeFields = fc.record({
  conversationHint: text,
  salt: fc.oneof(fc.constantFrom(0n, 1n, U64, -1n, 1n << 63n), fc.bigInt({ min: -(1n << 65n), max: 1n << 65n })),
  payload: bytes,
});

function runtimeEnvelope(f: { conversationHint: string; salt: bigint; payload: Uint8Array }): Uint8Array {
  return wire.toBinary(
    wire.EnvelopeV1Schema,
    wire.create(wire.EnvelopeV1Schema, { ...f, salt: BigInt.asUintN(64, f.salt) }),
  );
}

function checkEnvelope(input: Uint8Array): void {
  const expected = runtime(() => wire.fromBinary(wire.EnvelopeV1Schema, input));
  const got = decodeEnvelope(input);
  if (expected === undefined) expect(got.ok).toBe(false);
  else expect(got).toStrictEqual({ ok: true, value: expected });
}

describe("EnvelopeV1 by hand", () => {
  it("encodes exactly as the runtime", () => {
    fc.assert(
      fc.property(envelopeFields, (f) => {
        expect(encodeEnvelope(f)).toStrictEqual(runtimeEnvelope(f));
      }),
      { numRuns: 1000 },
    );
  });

  it("decodes canonical bytes as the runtime", () => {
    fc.assert(fc.property(envelopeFields.map(runtimeEnvelope), checkEnvelope), { numRuns: 500 });
  });

  it("decodes hand-built encodings (order, duplicates, unknown fields, padded varints) as the runtime", () => {
    fc.assert(fc.property(rawFields([1, 2, 5]).map(rawEncode), checkEnvelope), { numRuns: 3000 });
  });

  it("never throws, and fails exactly where the runtime fails, on random and damaged bytes", () => {
    fc.assert(fc.property(damaged(envelopeFields.map(runtimeEnvelope)), checkEnvelope), { numRuns: 3000 });
  });
});

// --- EncryptedPayload (doubleratchet) -------------------------------------------------------------------------

const ratchetFields = fc.record({ dh: bytes, msgNum: u32, prevChainLen: u32, ciphertext: bytes, aux: text });

function ratchetPayload(f: typeof ratchetFields extends fc.Arbitrary<infer T> ? T : never): wire.EncryptedPayload {
  return wire.create(wire.EncryptedPayloadSchema, { encryption: { case: "doubleratchet", value: f } });
}

function checkEncrypted(input: Uint8Array): void {
  const expected = runtime(() => wire.fromBinary(wire.EncryptedPayloadSchema, input));
  const got = decodeEncryptedPayload(input);
  if (expected === undefined) expect(got.ok).toBe(false);
  else expect(got).toStrictEqual({ ok: true, value: expected });
}

const canonicalEncrypted = ratchetFields.map((f) => wire.toBinary(wire.EncryptedPayloadSchema, ratchetPayload(f)));
const rawRatchet = rawFields([1, 2, 3, 4, 5]).map(rawEncode);

describe("EncryptedPayload by hand", () => {
  it("encodes the doubleratchet arm exactly as the runtime", () => {
    fc.assert(
      fc.property(ratchetFields, (f) => {
        const p = ratchetPayload(f);
        expect(encodeEncryptedPayload(p)).toStrictEqual(wire.toBinary(wire.EncryptedPayloadSchema, p));
      }),
      { numRuns: 1000 },
    );
  });

  it("leaves other arms and decoded unknown fields to the runtime", () => {
    const plain = wire.create(wire.EncryptedPayloadSchema, {
      encryption: { case: "plaintext", value: { payload: Uint8Array.of(1, 2) } },
    });
    expect(encodeEncryptedPayload(plain)).toStrictEqual(wire.toBinary(wire.EncryptedPayloadSchema, plain));
    const withUnknown = Uint8Array.of(0x12, 0x04, 0x10, 0x07, 0x38, 0x01, 0x48, 0x02);
    const decoded = decodeEncryptedPayload(withUnknown);
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(encodeEncryptedPayload(decoded.value)).toStrictEqual(withUnknown);
  });

  it("decodes canonical bytes as the runtime", () => {
    fc.assert(fc.property(canonicalEncrypted, checkEncrypted), { numRuns: 500 });
  });

  it("decodes hand-built encodings (inner and outer) as the runtime", () => {
    const inner = rawFields([1, 2, 3, 4, 5]).map(rawEncode);
    const outer = fc.oneof(
      inner.map((b) => rawEncode([{ no: 2, kind: "len", value: b }])),
      rawFields([1, 2, 3, 4], rawRatchet).map(rawEncode),
    );
    fc.assert(fc.property(outer, checkEncrypted), { numRuns: 3000 });
  });

  it("never throws, and fails exactly where the runtime fails, on random and damaged bytes", () => {
    fc.assert(fc.property(damaged(canonicalEncrypted), checkEncrypted), { numRuns: 3000 });
  });
});

// --- PrivateV1Frame -------------------------------------------------------------------------------------------

const frameBody: fc.Arbitrary<PrivateV1FrameBody> = fc.oneof(
  bytes.map((value) => ({ case: "content" as const, value })),
  bytes.map((value) => ({ case: "groupControl" as const, value })),
  u32.map((counter) => ({ case: "placeholder" as const, value: { counter } })),
);
const frameFields = fc.record({
  conversationId: text,
  timestamp: fc.oneof(
    fc.constantFrom(0, 1, 1_700_000_000_000, Number.MAX_SAFE_INTEGER, -1, Number.MIN_SAFE_INTEGER),
    fc.maxSafeInteger(),
  ),
  body: frameBody,
});

function runtimeFrame(f: { conversationId: string; timestamp: number; body: PrivateV1FrameBody }): Uint8Array {
  const frameType =
    f.body.case === "placeholder"
      ? { case: "placeholder" as const, value: { counter: f.body.value.counter } }
      : { case: f.body.case, value: f.body.value };
  return wire.toBinary(
    wire.PrivateV1FrameSchema,
    wire.create(wire.PrivateV1FrameSchema, {
      conversationId: f.conversationId,
      timestamp: BigInt(f.timestamp),
      frameType,
    }),
  );
}

function checkFrame(input: Uint8Array): void {
  const expected = runtime(() => wire.fromBinary(wire.PrivateV1FrameSchema, input));
  expect(decodeFrame(input)).toStrictEqual(expected);
}

describe("PrivateV1Frame by hand", () => {
  it("encodes exactly as the runtime", () => {
    fc.assert(
      fc.property(frameFields, (f) => {
        expect(encodeFrame(f.conversationId, f.timestamp, f.body)).toStrictEqual(runtimeFrame(f));
      }),
      { numRuns: 1000 },
    );
  });

  it("decodes canonical bytes as the runtime", () => {
    fc.assert(fc.property(frameFields.map(runtimeFrame), checkFrame), { numRuns: 500 });
  });

  it("decodes hand-built encodings as the runtime", () => {
    const placeholder = rawFields([1]).map(rawEncode);
    fc.assert(fc.property(rawFields([1, 2, 3, 10, 11, 12], placeholder).map(rawEncode), checkFrame), {
      numRuns: 3000,
    });
  });

  it("never throws, and fails exactly where the runtime fails, on random and damaged bytes", () => {
    fc.assert(fc.property(damaged(frameFields.map(runtimeFrame)), checkFrame), { numRuns: 3000 });
  });
});

// --- SegmentMessage -------------------------------------------------------------------------------------------

function checkSegment(input: Uint8Array): void {
  const expected = runtime(() => wire.fromBinary(wire.SegmentMessageSchema, input));
  expect(decodeSegmentMessage(input)).toStrictEqual(expected);
  const got = decodeSegment(input, { maxSegmentSize: 1000 });
  if (expected === undefined) {
    expect(got.ok).toBe(false);
    if (!got.ok) expect(got.error.code).toBe("malformed");
  } else {
    expect(got).toStrictEqual(validateSegment(expected, { maxSegmentSize: 1000 }));
  }
}

const segmentInput = fc.record({ payload: fc.uint8Array({ maxLength: 700 }), size: fc.integer({ min: 1, max: 300 }) });
const canonicalSegment = segmentInput.map(({ payload, size }) => {
  const all = segmentPayload(crypto, payload.subarray(0, Math.min(payload.length, size * 255)), {
    maxSegmentSize: size,
  });
  return all[all.length - 1]!;
});

describe("SegmentMessage by hand", () => {
  it("encodes any data segment exactly as the runtime", () => {
    const fields = fc.record({ hash: bytes, index: u32, count: u32, payload: bytes });
    fc.assert(
      fc.property(fields, ({ hash, index, count, payload }) => {
        const expected = wire.toBinary(
          wire.SegmentMessageSchema,
          wire.create(wire.SegmentMessageSchema, { entireMessageHash: hash, index, segmentCount: count, payload }),
        );
        expect(encodeSegmentMessage(hash, index, count, payload)).toStrictEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it("segments exactly as the runtime encodes", () => {
    fc.assert(
      fc.property(segmentInput, ({ payload, size }) => {
        const p = payload.subarray(0, Math.min(payload.length, size * 255));
        const hash = crypto.keccak256(p);
        const count = Math.max(1, Math.ceil(p.length / size));
        const expected = Array.from({ length: count }, (_, index) =>
          wire.toBinary(
            wire.SegmentMessageSchema,
            wire.create(wire.SegmentMessageSchema, {
              entireMessageHash: hash,
              index,
              segmentCount: count,
              payload: p.subarray(index * size, (index + 1) * size),
            }),
          ),
        );
        expect(segmentPayload(crypto, p, { maxSegmentSize: size })).toStrictEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("decodes canonical bytes as the runtime", () => {
    fc.assert(fc.property(canonicalSegment, checkSegment), { numRuns: 300 });
  });

  it("decodes hand-built encodings as the runtime", () => {
    fc.assert(fc.property(rawFields([1, 2, 3, 4, 5, 6]).map(rawEncode), checkSegment), { numRuns: 3000 });
  });

  it("never throws, and fails exactly where the runtime fails, on random and damaged bytes", () => {
    fc.assert(fc.property(damaged(canonicalSegment), checkSegment), { numRuns: 3000 });
  });
});
