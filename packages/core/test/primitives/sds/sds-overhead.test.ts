/**
 * The designed overhead: a 256-byte text through the whole PrivateV1 stack (ContentFrame → PrivateV1Frame →
 * segment → SDS → Double Ratchet → EncryptedPayload → EnvelopeV1) stays under 1 KiB in steady state, because
 * content messages carry no Bloom filter (it rides in sync messages only). See docs/SDS.md.
 */
import { NobleCryptoProvider, toHex } from "@parley/core";
import {
  DoubleRatchet,
  messageIdFor,
  type RatchetState,
  Sds,
  type SdsOptions,
  type SdsState,
  segmentPayload,
  toDoubleratchetProto,
} from "@parley/core/primitives";
import { seededRandom } from "@parley/core/testing";
import * as wire from "@parley/core/wire";
import { describe, expect, it } from "vitest";

const T0 = 1_700_000_000_000;

/** Bytes on the wire of each message A sends in a chat where B replies after every message. */
function wireSizes(options: SdsOptions, rounds = 6): number[] {
  const crypto = new NobleCryptoProvider({ random: seededRandom("overhead") });
  const dr = new DoubleRatchet({ crypto });
  const sds = new Sds(options);
  const idA = toHex(crypto.randomBytes(18)); // 36 hex characters, as libchat's conversation ids
  const idB = toHex(crypto.randomBytes(18));
  const bobKey = crypto.x25519GenerateKeyPair();
  const sk = crypto.randomBytes(32);
  const ratchet: RatchetState[] = [dr.initSender(sk, bobKey.publicKey), dr.initReceiver(sk, bobKey)];
  const channel: SdsState[] = [sds.init(idA, idA, T0), sds.init(idA, idB, T0)];
  const sizes: number[] = [];
  let now = T0;

  const sendText = (i: 0 | 1, text: Uint8Array): number => {
    now += 1000;
    const content = wire.toBinary(
      wire.ContentFrameSchema,
      wire.create(wire.ContentFrameSchema, { domainId: 0, tag: 1, payload: text }),
    );
    const frame = wire.toBinary(
      wire.PrivateV1FrameSchema,
      wire.create(wire.PrivateV1FrameSchema, {
        conversationId: i === 0 ? idA : idB,
        timestamp: BigInt(now),
        frameType: { case: "content", value: content },
      }),
    );
    const [segment] = segmentPayload(crypto, frame);
    const step = sds.send(channel[i]!, segment!, messageIdFor(crypto, segment!), now);
    channel[i] = step.state;
    const enc = dr.encrypt(ratchet[i]!, step.outgoing[0]!.bytes);
    ratchet[i] = enc.state;
    const payload = wire.toBinary(
      wire.EncryptedPayloadSchema,
      wire.create(wire.EncryptedPayloadSchema, {
        encryption: { case: "doubleratchet", value: toDoubleratchetProto(enc.message) },
      }),
    );
    const envelope = wire.toBinary(
      wire.EnvelopeV1Schema,
      wire.create(wire.EnvelopeV1Schema, {
        conversationHint: toHex(crypto.randomBytes(32)), // salted BLAKE2s-256 hint: 64 hex characters
        salt: 0xfedcba9876543210n,
        payload,
      }),
    );
    // The peer receives it, so causal histories fill up as in a real chat.
    const other = (1 - i) as 0 | 1;
    const d = dr.decrypt(ratchet[other]!, enc.message, now);
    if (!d.ok) throw d.error;
    ratchet[other] = d.state;
    const r = sds.receive(channel[other]!, d.plaintext, now);
    if (!r.ok) throw r.error;
    channel[other] = r.state;
    return envelope.length;
  };

  const text = new Uint8Array(256).fill(0x61);
  for (let k = 0; k < rounds; k++) {
    sizes.push(sendText(0, text));
    sendText(1, text);
  }
  return sizes;
}

describe("PrivateV1 bytes on the wire for a 256-byte text", () => {
  it("stays under 1 KiB in steady state with the default SDS options", () => {
    const sizes = wireSizes({});
    const steady = sizes.slice(2);
    for (const n of steady) expect(n).toBeLessThan(1024);
    expect(Math.max(...sizes)).toBeLessThan(1024);
  });

  it("would not with the Bloom filter in every message (what js-waku does)", () => {
    const sizes = wireSizes({ bloomIn: "all" });
    for (const n of sizes.slice(2)) expect(n).toBeGreaterThan(3752 + 256);
  });
});
