import { describe, expect, it } from "vitest";
import { inboxV1 } from "../../src/conversations/inbox-v1/runtime.js";
import { conversationTypes } from "../../src/conversations/index.js";
import { privateV1 } from "../../src/conversations/private-v1/runtime.js";
import { PrivateV1Engine } from "../../src/conversations/private-v1/session.js";
import { NobleCryptoProvider, seededRandom } from "../../src/crypto/index.js";
import { Registry } from "../../src/framework/registry.js";
import { toDoubleratchetProto } from "../../src/primitives/ratchet/index.js";
import { encodeSdsMessage } from "../../src/primitives/sds/index.js";
import { create, EncryptedPayloadSchema } from "../../src/wire/index.js";
import { sessionPair } from "../support/private-v1-session.js";

describe("InboxV1 and PrivateV1 spec objects", () => {
  it("register with every MUST and SHOULD, and are listed in conversationTypes", () => {
    const registry = new Registry({ requireShoulds: true });
    expect(registry.register(inboxV1).warnings).toEqual([]);
    expect(registry.register(privateV1).warnings).toEqual([]);
    expect(registry.inboxClaimant("invitePrivateV1")).toBe(privateV1);
    expect(conversationTypes.map((s) => s.name)).toEqual(expect.arrayContaining(["InboxV1", "PrivateV1"]));
    expect(privateV1.spec.privacy?.channelBinding.movedToOtherConversation).toBe("rejected");
    expect(inboxV1.spec.privacy?.channelBinding.movedToOtherTopic).toBe("rejected");
  });
});

describe("PrivateV1 SDS binding", () => {
  const crypto = new NobleCryptoProvider({ random: seededRandom("sds-binding") });
  const engine = new PrivateV1Engine(crypto);
  const {
    alice,
    bob,
    keys: { sk, bundle, b },
  } = sessionPair(crypto, engine);

  function sealed(fields: { senderId: string; channelId: string }) {
    const plaintext = encodeSdsMessage({
      ...fields,
      messageId: "ab".repeat(16),
      lamport: 5_000n,
      causalHistory: [],
      bloomFilter: undefined,
      content: new Uint8Array([1, 2, 3]),
    });
    const m = engine.ratchet(alice).encrypt(alice.ratchet, plaintext, 2_000).message;
    return create(EncryptedPayloadSchema, { encryption: { case: "doubleratchet", value: toDoubleratchetProto(m) } });
  }

  it("an authenticated message whose SDS sender_id or channel_id is not this conversation's is rejected", () => {
    expect(engine.open(bob, sealed({ senderId: "someone-else", channelId: alice.localId }), 2_000)).toMatchObject({
      ok: false,
      reason: "sds-sender-mismatch",
    });
    expect(engine.open(bob, sealed({ senderId: alice.localId, channelId: "another-channel" }), 2_000)).toMatchObject({
      ok: false,
      reason: "sds-wrong-channel",
    });
    expect(engine.open(bob, sealed({ senderId: alice.localId, channelId: alice.localId }), 2_000).ok).toBe(true);
  });

  it("the AEAD binds both installation keys: a conversation with the same secret but other identities cannot read it", () => {
    const other = engine.responder(sk, bundle, b, crypto.x25519GenerateKeyPair().publicKey, 1_000);
    expect(engine.open(other, sealed({ senderId: alice.localId, channelId: alice.localId }), 2_000)).toEqual({
      ok: false,
      reason: "auth-failed",
      detail: "message authentication failed",
    });
  });
});

describe("state decoders are total", () => {
  it("never throw on truncated, extended or random bytes", async () => {
    const { decodePrivateState, encodePrivateState } = await import("../../src/conversations/private-v1/state.js");
    const { decodeInboxState } = await import("../../src/conversations/inbox-v1/state.js");
    const { decodeHistory } = await import("../../src/client/records.js");
    const crypto = new NobleCryptoProvider({ random: seededRandom("total") });
    const engine = new PrivateV1Engine(crypto);
    const sk = crypto.randomBytes(32);
    const kp = crypto.x25519GenerateKeyPair();
    const state = engine.send(
      engine.initiator(sk, kp.publicKey, kp.publicKey, kp.publicKey, 1),
      { case: "content", value: Uint8Array.of(1) },
      2,
    ).state;
    const good = encodePrivateState(state);
    expect(decodePrivateState(good)).toBeDefined();
    const r = seededRandom("fuzz-state");
    const inputs = [
      new Uint8Array(0),
      good.slice(0, good.length - 1),
      Uint8Array.from([...good, 0]),
      ...Array.from({ length: 200 }, (_, i) => r(i * 3)),
    ];
    for (let i = 0; i < 200; i++) {
      const m = good.slice();
      m[r(2)[0]! % m.length] ^= 1 << (i % 8);
      inputs.push(m);
    }
    for (const bytes of inputs) {
      expect(() => decodePrivateState(bytes)).not.toThrow();
      expect(() => decodeInboxState(bytes)).not.toThrow();
      expect(() => decodeHistory(bytes)).not.toThrow();
    }
    expect(decodePrivateState(good.slice(0, good.length - 1))).toBeUndefined();
  });
});
