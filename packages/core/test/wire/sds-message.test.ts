/**
 * The hand-written `SdsMessage` codec (wire/hand/sds-message.ts) against the protobuf runtime: the encoder
 * writes its exact bytes for any fields, and the decoder answers what the runtime's decoding gives
 * (`sdsMessageFromRuntime`) on canonical bytes, on hand-built encodings (order, duplicates, unknown fields,
 * wrong wire types, padded varints, in the message and in its history entries) and on random, truncated and
 * mutated bytes: never throwing, failing exactly where the runtime fails or our bounds refuse.
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeSdsMessage,
  encodeSdsMessage,
  type SdsMessageFields,
  sdsMessageFromRuntime,
} from "../../src/wire/hand/sds-message.js";
import * as wire from "../../src/wire/index.js";
import { bytes, damaged, rawEncode, rawFields, runtime, text, U64 } from "./protobuf-arbitraries.js";

const hexId = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString("hex"));
const id = fc.oneof({ weight: 3, arbitrary: hexId }, { weight: 2, arbitrary: text });
const historyRef = fc.record(
  { messageId: id, retrievalHint: bytes, senderId: fc.oneof(hexId, text) },
  { requiredKeys: ["messageId"] },
);
const sdsFields: fc.Arbitrary<SdsMessageFields> = fc.record(
  {
    senderId: fc.oneof(hexId, text),
    messageId: id,
    channelId: fc.oneof(hexId, text),
    lamport: fc.oneof(
      fc.constantFrom(0n, 1n, 1_700_000_000_000n, (1n << 62n) + 1n, U64),
      fc.bigInt({ min: 0n, max: U64 }),
    ),
    causalHistory: fc.array(historyRef, { maxLength: 5 }),
    bloomFilter: fc.oneof(bytes, fc.uint8Array({ minLength: 3000, maxLength: 4000 })),
    content: fc.oneof(bytes, fc.uint8Array({ minLength: 100, maxLength: 2000 })),
  },
  { requiredKeys: ["senderId", "messageId", "channelId", "causalHistory"] },
);

function runtimeBytes(f: SdsMessageFields): Uint8Array {
  return wire.toBinary(
    wire.SdsMessageSchema,
    wire.create(wire.SdsMessageSchema, {
      senderId: f.senderId,
      messageId: f.messageId,
      channelId: f.channelId,
      lamportTimestamp: f.lamport,
      causalHistory: f.causalHistory.map((h) => ({ ...h })),
      bloomFilter: f.bloomFilter,
      content: f.content,
    }),
  );
}

/**
 * A predicate rather than `expect`: a mismatch on a message with a 4 KB filter would otherwise be rendered as
 * a diff at every shrinking step, which takes minutes; fast-check prints the shrunk input instead.
 */
function check(input: Uint8Array): boolean {
  const decoded = runtime(() => wire.fromBinary(wire.SdsMessageSchema, input));
  const expected = decoded === undefined ? undefined : sdsMessageFromRuntime(decoded);
  return isDeepStrictEqual(decodeSdsMessage(input), expected);
}

const canonical = sdsFields.map(runtimeBytes);
const SDS_FIELDS = [1, 2, 3, 10, 11, 12, 13, 20];
const entry = fc.oneof(
  rawFields([1, 2, 3]).map(rawEncode),
  historyRef.map((h) => wire.toBinary(wire.HistoryEntrySchema, wire.create(wire.HistoryEntrySchema, h))),
);

describe("SdsMessage by hand", () => {
  it("encodes any fields exactly as the runtime", () => {
    fc.assert(
      fc.property(sdsFields, (f) => {
        expect(encodeSdsMessage(f)).toStrictEqual(runtimeBytes(f));
      }),
      { numRuns: 1000 },
    );
  });

  it("decodes canonical bytes as the runtime, and content messages round-trip", () => {
    fc.assert(fc.property(canonical, check), { numRuns: 1000 });
    const fields = {
      senderId: "alice",
      messageId: "ab".repeat(16),
      channelId: "c",
      lamport: 1_700_000_000_000n,
      causalHistory: [
        { messageId: "cd".repeat(16) },
        { messageId: "x", senderId: "bob", retrievalHint: Uint8Array.of(1) },
      ],
      content: Uint8Array.of(1, 2, 3),
    };
    expect(decodeSdsMessage(encodeSdsMessage(fields))).toStrictEqual({
      ...fields,
      kind: "content",
      bloomFilter: undefined,
      repairRequest: [],
    });
  });

  it("decodes hand-built encodings (message and history entries) as the runtime", () => {
    const raw = fc.oneof(
      rawFields(SDS_FIELDS, entry).map(rawEncode),
      // Valid entries in valid places, with the scalars around them shuffled.
      fc
        .tuple(canonical, rawFields(SDS_FIELDS, entry))
        .map(([b, extra]) => Uint8Array.from([...rawEncode(extra.slice(0, 2)), ...b, ...rawEncode(extra.slice(2))])),
    );
    fc.assert(fc.property(raw, check), { numRuns: 5000 });
  });

  it("never throws, and fails exactly where the runtime (or a bound) fails, on random and damaged bytes", () => {
    fc.assert(fc.property(damaged(canonical), check), { numRuns: 5000 });
  });
});
