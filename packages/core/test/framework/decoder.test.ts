import { MAX_PAYLOAD_BYTES, Registry, toHex } from "@parley/core";
import {
  type Classification,
  conversationWriteOps,
  Decoder,
  encodeEnvelope,
  saltedHint,
  sealEnvelope,
} from "@parley/core/internals";
import { MemoryStore, VirtualClock } from "@parley/core/testing";
import * as wire from "@parley/core/wire";
import { beforeEach, describe, expect, it } from "vitest";
import { plaintextPayload, sealedEnvelope, sealedPayload, sealedRuntime } from "./fixtures.js";
import { inviteBytes, makeWorld, TOPIC_A, TOPIC_B, TOPIC_C, type World } from "./setup.js";

let w: World;
beforeEach(async () => {
  w = await makeWorld("decoder");
});

function env(hint: string, payload: Uint8Array, salt = 0n): Uint8Array {
  return encodeEnvelope({ conversationHint: hint, salt, payload });
}

async function classifyUnchanged(bytes: Uint8Array, topic: string): Promise<Classification> {
  const before = w.store.snapshot();
  const revision = w.store.revision;
  const r = await w.decoder.classify(bytes, topic);
  expect(w.store.revision).toBe(revision);
  expect(w.store.snapshot()).toEqual(before);
  return r;
}

describe("classify: readable", () => {
  it("opens a message for a known conversation and returns the writes that apply it", async () => {
    const [a1] = w.convs;
    const r = await classifyUnchanged(sealedEnvelope(w.crypto, w.random, a1!.key, a1!.ref, "hello"), TOPIC_A);
    expect(r.kind).toBe("readable");
    if (r.kind !== "readable") return;
    expect(r.conversation).toEqual(a1!.ref);
    expect(r.frame).toBe("hello");
    expect(r.hint.form).toBe("salted");
    expect((r.nextState as { received: number }).received).toBe(1);
    expect(r.writes).toHaveLength(1);
    expect(r.writes[0]).toMatchObject({ op: "put", key: `SealedTestV1:${a1!.ref.id}` });
  });

  it("after the caller commits the writes, the same message is a replay", async () => {
    const [a1] = w.convs;
    const msg = sealedEnvelope(w.crypto, w.random, a1!.key, a1!.ref, "once");
    const first = await w.decoder.classify(msg, TOPIC_A);
    if (first.kind !== "readable") throw new Error("expected readable");
    // Classifying again without committing is still readable: nothing was stored.
    expect((await w.decoder.classify(msg, TOPIC_A)).kind).toBe("readable");
    await w.store.commit(first.writes);
    expect(await classifyUnchanged(msg, TOPIC_A)).toEqual({
      kind: "badly-formed",
      reason: "replay",
      conversation: a1!.ref,
    });
  });

  it("accepts a raw conversation id as hint (libchat), salt 0", async () => {
    const [, a2] = w.convs;
    const r = await classifyUnchanged(sealedEnvelope(w.crypto, w.random, a2!.key, a2!.ref, "raw", true), TOPIC_A);
    expect(r).toMatchObject({ kind: "readable", frame: "raw", hint: { form: "raw", salt: 0n } });
  });
});

describe("classify: badly-formed, one reason per framework branch", () => {
  it("too-large", async () => {
    const big = new Uint8Array(MAX_PAYLOAD_BYTES + 1);
    expect(await classifyUnchanged(big, TOPIC_A)).toEqual({ kind: "badly-formed", reason: "too-large" });
  });

  it("envelope-decode", async () => {
    expect(await classifyUnchanged(Uint8Array.of(0x0a, 0xff), TOPIC_A)).toEqual({
      kind: "badly-formed",
      reason: "envelope-decode",
    });
  });

  it("hint-missing and hint-too-long", async () => {
    expect(await classifyUnchanged(env("", Uint8Array.of(1)), TOPIC_A)).toMatchObject({ reason: "hint-missing" });
    expect(await classifyUnchanged(env("x".repeat(513), Uint8Array.of(1)), TOPIC_A)).toMatchObject({
      reason: "hint-too-long",
    });
  });

  it("payload-missing, payload-decode, payload-empty", async () => {
    const id = w.convs[0]!.ref.id;
    expect(await classifyUnchanged(env(id, new Uint8Array(0)), TOPIC_A)).toMatchObject({ reason: "payload-missing" });
    expect(await classifyUnchanged(env(id, Uint8Array.of(0x0a, 0x05, 1)), TOPIC_A)).toMatchObject({
      reason: "payload-decode",
    });
    // A valid EncryptedPayload with no arm set (only an unknown field).
    expect(await classifyUnchanged(env(id, Uint8Array.of(0x78, 0x01)), TOPIC_A)).toMatchObject({
      reason: "payload-empty",
    });
  });

  it("unexpected-encryption: an arm the type does not declare never reaches open()", async () => {
    const dr = wire.toBinary(
      wire.EncryptedPayloadSchema,
      wire.create(wire.EncryptedPayloadSchema, {
        encryption: { case: "doubleratchet", value: { dh: new Uint8Array(32), ciphertext: new Uint8Array(40) } },
      }),
    );
    expect(await classifyUnchanged(env(w.convs[0]!.ref.id, dr), TOPIC_A)).toMatchObject({
      reason: "unexpected-encryption",
    });
  });

  it("decrypt-failed for a tampered ciphertext; too-short for a stub (the type's own reasons)", async () => {
    const [a1] = w.convs;
    const payload = sealedPayload(w.crypto, a1!.key, a1!.ref, "x");
    payload[payload.length - 1]! ^= 1;
    expect(await classifyUnchanged(env(a1!.ref.id, payload), TOPIC_A)).toMatchObject({ reason: "decrypt-failed" });
    expect(await classifyUnchanged(env(a1!.ref.id, plaintextPayload(new Uint8Array(5))), TOPIC_A)).toMatchObject({
      reason: "too-short",
    });
  });

  it("state-unavailable when the state is missing or corrupt", async () => {
    const ghost = { id: "ghost", type: "SealedTestV1", contentTopic: TOPIC_A };
    w.decoder.index.add(ghost);
    const payload = sealedPayload(w.crypto, new Uint8Array(32), ghost, "x");
    expect(await classifyUnchanged(env("ghost", payload), TOPIC_A)).toMatchObject({ reason: "state-unavailable" });
    await w.store.commit(conversationWriteOps(ghost, Uint8Array.of(1, 2, 3)));
    expect(await classifyUnchanged(env("ghost", payload), TOPIC_A)).toMatchObject({ reason: "state-unavailable" });
  });

  it("unknown-type when a conversation's type has no runtime", async () => {
    w.decoder.index.add({ id: "alien", type: "AlienV9", contentTopic: TOPIC_A });
    expect(await classifyUnchanged(env("alien", plaintextPayload(new Uint8Array(40))), TOPIC_A)).toMatchObject({
      reason: "unknown-type",
    });
  });

  it("internal-error when a runtime throws, mutates nothing, and classify still resolves", async () => {
    const registry = new Registry();
    registry.register({
      ...sealedRuntime,
      open(state) {
        (state as { received: number }).received = 999; // a buggy runtime mutating its input
        throw new Error("boom");
      },
    });
    const decoder = new Decoder({ registry, crypto: w.crypto, store: w.store, clock: new VirtualClock() });
    const [a1] = w.convs;
    decoder.index.add(a1!.ref);
    const before = w.store.snapshot();
    const r = await decoder.classify(sealedEnvelope(w.crypto, w.random, a1!.key, a1!.ref, "x"), TOPIC_A);
    expect(r).toMatchObject({ kind: "badly-formed", reason: "internal-error" });
    expect(w.store.snapshot()).toEqual(before);
  });

  it("a store that fails to read gives state-unavailable, not an exception", async () => {
    const broken = new MemoryStore();
    await broken.close();
    const decoder = new Decoder({ registry: w.registry, crypto: w.crypto, store: broken, clock: w.clock });
    const [a1] = w.convs;
    decoder.index.add(a1!.ref);
    const r = await decoder.classify(sealedEnvelope(w.crypto, w.random, a1!.key, a1!.ref, "x"), TOPIC_A);
    expect(r).toMatchObject({ kind: "badly-formed", reason: "state-unavailable" });
  });
});

describe("classify: not-for-me", () => {
  it("a hint of an unknown conversation", async () => {
    const msg = sealedEnvelope(w.crypto, w.random, new Uint8Array(32), { id: "stranger", contentTopic: TOPIC_A }, "x");
    expect(await classifyUnchanged(msg, TOPIC_A)).toEqual({ kind: "not-for-me" });
  });

  it("a topic nobody here listens on", async () => {
    const [a1] = w.convs;
    const msg = sealedEnvelope(w.crypto, w.random, a1!.key, a1!.ref, "x");
    expect(await classifyUnchanged(msg, TOPIC_C)).toEqual({ kind: "not-for-me" });
  });
});

describe("channel binding (the fixture type states: moved payloads are rejected)", () => {
  it("a valid payload of conversation A sent with the hint of conversation B on the same topic is rejected", async () => {
    const [a1, a2] = w.convs;
    const payload = sealedPayload(w.crypto, a1!.key, a1!.ref, "for a1");
    const moved = sealEnvelope({ crypto: w.crypto, random: w.random, conversationId: a2!.ref.id, payload });
    expect(await classifyUnchanged(moved, TOPIC_A)).toMatchObject({ kind: "badly-formed", reason: "decrypt-failed" });
  });

  it("a valid payload moved to another topic where the same conversation also listens is rejected", async () => {
    const [a1] = w.convs;
    const elsewhere = { ...a1!.ref, contentTopic: TOPIC_C };
    w.decoder.index.add(elsewhere);
    const msg = sealedEnvelope(w.crypto, w.random, a1!.key, a1!.ref, "x");
    expect((await classifyUnchanged(msg, TOPIC_A)).kind).toBe("readable");
    // Same bytes on topic C: the state is found (same id and type) but the AAD binds topic A.
    expect(await classifyUnchanged(msg, TOPIC_C)).toMatchObject({ kind: "badly-formed", reason: "decrypt-failed" });
  });
});

describe("inbox claims", () => {
  it("an inbox message starts a conversation of the claiming type; the writes create it", async () => {
    const newRef = { id: "conv-new", type: "SealedTestV1", contentTopic: TOPIC_C };
    const key = w.random(32);
    const invite = inviteBytes("inviteSealedTest", { id: newRef.id, key: toHex(key), topic: TOPIC_C });
    const msg = sealEnvelope({
      crypto: w.crypto,
      random: w.random,
      conversationId: w.inbox.id,
      payload: plaintextPayload(invite),
    });
    const r = await classifyUnchanged(msg, TOPIC_B);
    expect(r.kind).toBe("readable");
    if (r.kind !== "readable") return;
    expect(r.conversation).toEqual(w.inbox);
    expect(r.started.map((s) => s.conversation)).toEqual([newRef]);
    expect(r.writes).toHaveLength(3); // inbox state + new conversation record + its state

    await w.store.commit(r.writes);
    w.decoder.index.add(newRef);
    const hello = sealedEnvelope(w.crypto, w.random, key, newRef, "first");
    expect(await classifyUnchanged(hello, TOPIC_C)).toMatchObject({ kind: "readable", frame: "first" });

    // The replayed invite must not start a second conversation.
    expect(await classifyUnchanged(msg, TOPIC_B)).toMatchObject({
      kind: "badly-formed",
      reason: "conversation-exists",
    });
  });

  it("an invite arm no type claims is badly-formed", async () => {
    const msg = sealEnvelope({
      crypto: w.crypto,
      random: w.random,
      conversationId: w.inbox.id,
      payload: plaintextPayload(inviteBytes("inviteNobody", {})),
    });
    expect(await classifyUnchanged(msg, TOPIC_B)).toMatchObject({ reason: "unclaimed-invite" });
  });
});

describe("hints", () => {
  it("is lower_hex(BLAKE2s-256(u64be(salt) || utf8(id)))", async () => {
    const { blake2s } = await import("@noble/hashes/blake2.js");
    const salt = 0x0102030405060708n;
    const expected = toHex(blake2s(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, ...new TextEncoder().encode("conv-é"))));
    expect(saltedHint(w.crypto, salt, "conv-é")).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it("messages of one conversation carry unlinkable hints: fresh salt, unrelated hint each time", () => {
    const [a1] = w.convs;
    const hints = new Set<string>();
    const salts = new Set<bigint>();
    for (let i = 0; i < 500; i++) {
      const e = wire.fromBinary(wire.EnvelopeV1Schema, sealedEnvelope(w.crypto, w.random, a1!.key, a1!.ref, "x"));
      hints.add(e.conversationHint);
      salts.add(e.salt);
      expect(e.conversationHint).not.toContain(a1!.ref.id);
      expect(e.conversationHint).not.toBe(saltedHint(w.crypto, 0n, a1!.ref.id));
    }
    expect(hints.size).toBe(500);
    expect(salts.size).toBe(500);
  });

  it("each hint designates exactly its conversation, and it is checked only against that topic", async () => {
    const [a1, a2, a3, b1] = w.convs;
    for (const c of [a1, a2, a3, b1]) {
      const e = wire.fromBinary(wire.EnvelopeV1Schema, sealedEnvelope(w.crypto, w.random, c!.key, c!.ref, "x"));
      const found = w.decoder.index.match(c!.ref.contentTopic, e.conversationHint, e.salt);
      expect(found.map((f) => f.conversation.id)).toEqual([c!.ref.id]);
    }
  });

  it("checking a hint costs one BLAKE2s per conversation on the message's topic, not per known conversation", async () => {
    const index = w.decoder.index;
    // 1,000 more conversations on other topics.
    for (let i = 0; i < 1000; i++) {
      index.add({ id: `other-${i}`, type: "SealedTestV1", contentTopic: `/logos-chat/1/t${i % 10}/proto` });
    }
    const onA = index.conversationsOn(TOPIC_A).length;
    expect(onA).toBe(3);
    const stranger = sealEnvelope({
      crypto: w.crypto,
      random: w.random,
      conversationId: "nobody",
      payload: new Uint8Array(4),
    });
    let before = index.hashCount;
    expect(await w.decoder.classify(stranger, TOPIC_A)).toEqual({ kind: "not-for-me" });
    expect(index.hashCount - before).toBe(onA);
    before = index.hashCount;
    expect(await w.decoder.classify(stranger, TOPIC_C)).toEqual({ kind: "not-for-me" });
    expect(index.hashCount - before).toBe(0);
    // A raw (non-hex) hint is a map lookup only.
    before = index.hashCount;
    const raw = encodeEnvelope({ conversationHint: "conv-zz", salt: 0n, payload: new Uint8Array(4) });
    expect(await w.decoder.classify(raw, TOPIC_A)).toEqual({ kind: "not-for-me" });
    expect(index.hashCount - before).toBe(0);
  });

  it("a hint for a conversation on another topic is not-for-me on this topic", async () => {
    const [, , , b1] = w.convs;
    const msg = sealedEnvelope(w.crypto, w.random, b1!.key, b1!.ref, "x");
    expect(await classifyUnchanged(msg, TOPIC_A)).toEqual({ kind: "not-for-me" });
    expect((await classifyUnchanged(msg, TOPIC_B)).kind).toBe("readable");
  });

  it("the index adds idempotently and removes", () => {
    const idx = w.decoder.index;
    const n = idx.size;
    idx.add(w.convs[0]!.ref);
    expect(idx.size).toBe(n);
    expect(idx.remove(w.convs[0]!.ref)).toBe(true);
    expect(idx.size).toBe(n - 1);
    expect(idx.has(w.convs[0]!.ref.id)).toBe(false);
    expect(idx.remove(w.convs[0]!.ref)).toBe(false);
  });
});
