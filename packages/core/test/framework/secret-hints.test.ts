/**
 * The framework's secret-hint capability: a type whose envelopes carry a hint only the conversation's owner can
 * recognise declares `secretHints`, and `Decoder.classify` asks it about envelopes no id hint matched, on
 * topics where such a conversation lives, and nowhere else.
 */
import { type ConversationTypeRuntime, Registry, SpecError, toHex } from "@parley/core";
import { conversationWriteOps, encodeEnvelope, u64be } from "@parley/core/internals";
import { beforeEach, describe, expect, it } from "vitest";
import {
  fullSpec,
  plaintextPayload,
  type SealedState,
  sealedEnvelope,
  sealedPayload,
  sealedRuntime,
} from "./fixtures.js";
import { makeWorld, TOPIC_A, TOPIC_B, TOPIC_C, type World } from "./setup.js";

/** The secret hint of the test type: keyed BLAKE2b of the salt under the conversation's key. */
function secretHint(w: World, key: Uint8Array, salt: bigint): string {
  return toHex(w.crypto.blake2b(u64be(salt), { dkLen: 32, key }));
}

let calls = 0;
let throwing = false;
const secretRuntime: ConversationTypeRuntime<SealedState, string> = {
  ...sealedRuntime,
  inbox: undefined,
  spec: fullSpec("SecretTestV1"),
  secretHints: {
    matches(state, envelope, crypto) {
      calls++;
      if (throwing) throw new Error("matcher bug");
      if (envelope.payload.encryption.case !== "plaintext") return false;
      return envelope.hint === toHex(crypto.blake2b(u64be(envelope.salt), { dkLen: 32, key: state.key }));
    },
  },
};

const SECRET = { id: "secret-1", type: "SecretTestV1", contentTopic: TOPIC_C };
let w: World;
let key: Uint8Array;
beforeEach(async () => {
  w = await makeWorld("secret-hints");
  w.registry.register(secretRuntime);
  key = w.random(32);
  await w.store.commit(conversationWriteOps(SECRET, secretRuntime.encodeState({ key, received: 0, seen: [] })));
  w.decoder.index.add(SECRET);
  calls = 0;
  throwing = false;
});

describe("secret hints", () => {
  it("an envelope the type recognises is readable, with the match form 'secret'", async () => {
    const bytes = encodeEnvelope({
      conversationHint: secretHint(w, key, 7n),
      salt: 7n,
      payload: sealedPayload(w.crypto, key, SECRET, "only the owner knows"),
    });
    const r = await w.decoder.classify(bytes, TOPIC_C);
    expect(r).toMatchObject({ kind: "readable", frame: "only the owner knows", hint: { form: "secret", salt: 7n } });
    expect(calls).toBe(1);
    // The same envelope with its hint recomputed under another salt, or on another topic, is nobody's.
    const other = encodeEnvelope({ conversationHint: secretHint(w, key, 7n), salt: 8n, payload: new Uint8Array(0) });
    expect(await w.decoder.classify(other, TOPIC_C)).toEqual({ kind: "not-for-me" });
    expect(await w.decoder.classify(bytes, TOPIC_A)).toEqual({ kind: "not-for-me" });
  });

  it("topics without such conversations never ask a matcher and cost what they cost before", async () => {
    const stranger = encodeEnvelope({
      conversationHint: "f".repeat(64),
      salt: 3n,
      payload: plaintextPayload(new Uint8Array(40)),
    });
    const before = w.decoder.index.hashCount;
    expect(await w.decoder.classify(stranger, TOPIC_A)).toEqual({ kind: "not-for-me" });
    expect(await w.decoder.classify(stranger, TOPIC_B)).toEqual({ kind: "not-for-me" });
    expect(calls).toBe(0);
    // One BLAKE2s per conversation on the topic (3 on A, 2 on B), as for any salted hint.
    expect(w.decoder.index.hashCount - before).toBe(5);
    // An envelope an id hint matches never reaches a matcher, even on a topic with one.
    const [a1] = w.convs;
    w.decoder.index.add({ ...a1!.ref, contentTopic: TOPIC_C });
    const mine = sealedEnvelope(w.crypto, w.random, a1!.key, { id: a1!.ref.id, contentTopic: TOPIC_C }, "x");
    await w.store.commit(
      conversationWriteOps(
        { ...a1!.ref, contentTopic: TOPIC_C },
        sealedRuntime.encodeState({ key: a1!.key, received: 0, seen: [] }),
      ),
    );
    expect((await w.decoder.classify(mine, TOPIC_C)).kind).toBe("readable");
    expect(calls).toBe(0);
  });

  it("stays total: a throwing matcher, an undecodable or empty payload, and unknown hints are not-for-me", async () => {
    const valid = (salt: bigint) =>
      encodeEnvelope({
        conversationHint: secretHint(w, key, salt),
        salt,
        payload: sealedPayload(w.crypto, key, SECRET, "x"),
      });
    throwing = true;
    expect(await w.decoder.classify(valid(1n), TOPIC_C)).toEqual({ kind: "not-for-me" });
    throwing = false;
    const withPayload = (payload: Uint8Array) =>
      w.decoder.classify(encodeEnvelope({ conversationHint: secretHint(w, key, 2n), salt: 2n, payload }), TOPIC_C);
    // Nothing to recognise: not-for-me. Recognised, but the type refuses it: its own reason.
    expect(await withPayload(new Uint8Array(0))).toEqual({ kind: "not-for-me" });
    expect(await withPayload(Uint8Array.of(0xff, 0xff, 0xff))).toEqual({ kind: "not-for-me" });
    expect(await withPayload(plaintextPayload(new Uint8Array(1)))).toMatchObject({
      kind: "badly-formed",
      reason: "too-short",
      conversation: SECRET,
    });
    expect(await w.decoder.classify(valid(3n), TOPIC_C)).toMatchObject({ kind: "readable" });
    // The conversation's state cannot be read: the matcher is not asked.
    w.decoder.index.add({ id: "secret-2", type: "SecretTestV1", contentTopic: TOPIC_C });
    calls = 0;
    const strange = encodeEnvelope({
      conversationHint: "a".repeat(64),
      salt: 4n,
      payload: plaintextPayload(new Uint8Array(30)),
    });
    expect(await w.decoder.classify(strange, TOPIC_C)).toEqual({ kind: "not-for-me" });
    expect(calls).toBe(1);
  });

  it("the registry refuses a secretHints capability without matches()", () => {
    const registry = new Registry();
    const broken = { ...secretRuntime, spec: fullSpec("BrokenV1"), secretHints: {} } as never;
    expect(() => registry.register(broken)).toThrow(SpecError);
  });
});
