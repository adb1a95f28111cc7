/** The hand-written SDS message encoder writes exactly what the protobuf runtime writes for the same fields. */

import { decodeSdsMessage, encodeSdsMessage } from "@parley/core/primitives";
import * as wire from "@parley/core/wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "binary", maxLength: 20 }), fc.constant(""));
const maybeBytes = fc.option(fc.uint8Array({ maxLength: 300 }), { nil: undefined });
const history = fc.record({
  messageId: fc.oneof(text, fc.string({ minLength: 100, maxLength: 300 })),
  retrievalHint: maybeBytes,
  senderId: fc.option(text, { nil: undefined }),
});

describe("encodeSdsMessage", () => {
  it("writes the protobuf runtime's bytes for any fields", () => {
    fc.assert(
      fc.property(
        fc.record({
          senderId: text,
          messageId: text,
          channelId: text,
          lamport: fc.option(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { nil: undefined }),
          causalHistory: fc.array(history, { maxLength: 5 }),
          bloomFilter: fc.option(fc.uint8Array({ maxLength: 4000 }), { nil: undefined }),
          content: maybeBytes,
        }),
        (fields) => {
          const runtime = wire.toBinary(
            wire.SdsMessageSchema,
            wire.create(wire.SdsMessageSchema, {
              senderId: fields.senderId,
              messageId: fields.messageId,
              channelId: fields.channelId,
              lamportTimestamp: fields.lamport,
              causalHistory: fields.causalHistory.map((h) => ({ ...h })),
              bloomFilter: fields.bloomFilter,
              content: fields.content,
            }),
          );
          expect(encodeSdsMessage(fields)).toEqual(runtime);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("round-trips a content message through the decoder", () => {
    const bytes = encodeSdsMessage({
      senderId: "alice",
      messageId: "ab".repeat(16),
      channelId: "c",
      lamport: 1_700_000_000_000n,
      causalHistory: [
        { messageId: "cd".repeat(16) },
        { messageId: "x", senderId: "bob", retrievalHint: Uint8Array.of(1) },
      ],
      content: Uint8Array.of(1, 2, 3),
    });
    const m = decodeSdsMessage(bytes);
    expect(m?.kind).toBe("content");
    expect(m?.lamport).toBe(1_700_000_000_000n);
    expect(m?.causalHistory).toEqual([
      { messageId: "cd".repeat(16) },
      { messageId: "x", senderId: "bob", retrievalHint: Uint8Array.of(1) },
    ]);
  });
});
