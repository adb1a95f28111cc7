import { describe, expect, it } from "vitest";
import { constantTimeEqual, fromHex, toHex, utf8 } from "../../src/base/bytes.js";
import { initiateInbox, respondInbox } from "../../src/conversations/inbox-v1/handshake.js";
import { decodeInboxState } from "../../src/conversations/inbox-v1/state.js";
import { NobleCryptoProvider, seededRandom } from "../../src/crypto/index.js";
import { CONVERSATION_STATE_NS } from "../../src/framework/conversation-store.js";
import {
  decodeEncryptedPayload,
  decodeEnvelope,
  encodeEncryptedPayload,
  encodeEnvelope,
} from "../../src/framework/envelope.js";
import { saltedHint } from "../../src/framework/hints.js";
import { parseIntroBundle } from "../../src/identity/intro-bundle.js";
import { keyRef } from "../../src/identity/keys.js";
import type { EncryptedPayload, NoiseInboxHandshakeV2 } from "../../src/wire/index.js";
import { errors, published, started, world } from "../client/harness.js";

const crypto = new NobleCryptoProvider({ random: seededRandom("inbox-v1") });

function includes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function handshakeOf(envelope: Uint8Array): {
  hint: string;
  salt: bigint;
  payload: EncryptedPayload;
  hs: NoiseInboxHandshakeV2;
} {
  const env = decodeEnvelope(envelope.slice());
  if (!env.ok) throw new Error("envelope");
  const p = decodeEncryptedPayload(env.value.payload);
  if (!p.ok || p.value.encryption.case !== "noiseInboxHandshakeV2") throw new Error("not an inbox handshake");
  return { hint: env.value.conversationHint, salt: env.value.salt, payload: p.value, hs: p.value.encryption.value };
}

function flip(bytes: Uint8Array, at: number): void {
  bytes[at] = bytes[at]! ^ 1;
}

function reseal(x: ReturnType<typeof handshakeOf>, hint = x.hint): Uint8Array {
  return encodeEnvelope({ conversationHint: hint, salt: x.salt, payload: encodeEncryptedPayload(x.payload) });
}

describe("InboxV1 handshake (Noise XK0)", () => {
  it("both sides derive the same conversation secret; the responder learns the initiator's authenticated key", () => {
    const alice = crypto.x25519GenerateKeyPair();
    const bob = crypto.x25519GenerateKeyPair();
    const bundleKey = crypto.x25519GenerateKeyPair();
    const bundle = { installationKey: bob.publicKey, ephemeralKey: bundleKey.publicKey, signature: new Uint8Array(64) };
    const sent = initiateInbox(crypto, { installation: alice, bundle, frame: () => utf8("frame") });
    if (sent.payload.encryption.case !== "noiseInboxHandshakeV2") throw new Error("arm");
    const got = respondInbox(crypto, bob, bundleKey, sent.payload.encryption.value);
    expect(got.ok).toBe(true);
    if (!got.ok) return;
    expect(constantTimeEqual(got.sk, sent.sk)).toBe(true);
    expect(got.initiatorStatic).toEqual(alice.publicKey);
    expect(got.frame).toEqual(utf8("frame"));
    // Mutual authentication: sealed to a bundle whose installation key is not bob's, bob cannot open it.
    const carol = crypto.x25519GenerateKeyPair();
    const wrong = initiateInbox(crypto, {
      installation: alice,
      bundle: { ...bundle, installationKey: carol.publicKey },
      frame: () => utf8("x"),
    });
    if (wrong.payload.encryption.case !== "noiseInboxHandshakeV2") throw new Error("arm");
    expect(respondInbox(crypto, bob, bundleKey, wrong.payload.encryption.value)).toEqual({
      ok: false,
      reason: "handshake-failed",
    });
    // A different initiator ephemeral spliced in breaks the transcript.
    const spliced = { ...sent.payload.encryption.value, ephemeral: crypto.x25519GenerateKeyPair().publicKey };
    expect(respondInbox(crypto, bob, bundleKey, spliced as NoiseInboxHandshakeV2)).toMatchObject({ ok: false });
  });

  it("on the wire: the initiator's key and the invite are encrypted, nothing names the inbox or the bundle key", async () => {
    const w = world("inbox-wire");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    const bundle = await bob.client.introBundle();
    await alice.client.startConversation(bundle, "first words");
    await alice.client.startConversation(bundle, "again");
    const wire = await published(w, bob.client.inboxTopic);
    expect(wire).toHaveLength(2);
    const aliceKey = fromHex(alice.client.installationKey)!;
    const inboxId = toHex(crypto.blake2b(fromHex(bob.client.installationKey)!));
    const bundleKey = parseIntroBundle(crypto, bundle);
    if (!bundleKey.ok) throw new Error("bundle");
    for (const bytes of wire) {
      expect(includes(bytes, aliceKey)).toBe(false);
      expect(includes(bytes, utf8("first words"))).toBe(false);
      expect(includes(bytes, utf8("default"))).toBe(false);
      const x = handshakeOf(bytes);
      // Version 1 named both: the salted hint of the public inbox id, and key_ref = BLAKE2b('WAP' || bundle key).
      expect(x.hint).not.toBe(inboxId);
      expect(x.hint).not.toBe(saltedHint(crypto, x.salt, inboxId));
      expect(x.hs.keyRef).toHaveLength(4);
      expect(x.hs.keyRef).not.toEqual(keyRef(crypto, bundleKey.bundle.ephemeralKey));
    }
    expect(handshakeOf(wire[0]!).hint).not.toBe(handshakeOf(wire[1]!).hint);
  });

  it("any modified field is refused with a typed reason and no state change", async () => {
    const w = world("inbox-tamper");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    const cut = w.bus.partition(["alice"], ["bob"]);
    await alice.client.startConversation(await bob.client.introBundle(), "hello");
    await w.run(1_000);
    cut.heal();
    const [original] = await published(w, bob.client.inboxTopic);
    const revision = bob.store.revision;
    // Another ephemeral is another invite address: the hint no longer designates bob's inbox.
    const other = handshakeOf(original!);
    flip(other.hs.ephemeral, 3);
    expect(await bob.client.ingest(bob.client.inboxTopic, reseal(other))).toEqual({ kind: "not-for-me" });
    const cases: [string, (hs: NoiseInboxHandshakeV2) => void][] = [
      ["handshake-failed", (hs) => flip(hs.encryptedStatic, 10)],
      ["handshake-failed", (hs) => flip(hs.encryptedPayload, 40)],
      [
        "handshake-failed",
        (hs) => {
          hs.encryptedPayload = hs.encryptedPayload.slice(0, -1);
        },
      ],
      [
        "handshake-malformed",
        (hs) => {
          hs.encryptedStatic = hs.encryptedStatic.slice(0, 47);
        },
      ],
      [
        "handshake-malformed",
        (hs) => {
          hs.keyRef = hs.keyRef.slice(0, 3);
        },
      ],
      ["unknown-bundle-key", (hs) => flip(hs.keyRef, 0)],
    ];
    for (const [reason, change] of cases) {
      const x = handshakeOf(original!);
      change(x.hs);
      expect(await bob.client.ingest(bob.client.inboxTopic, reseal(x))).toMatchObject({ kind: "badly-formed", reason });
    }
    expect(bob.store.revision).toBe(revision);
    expect(started(bob)).toHaveLength(0);
    expect(await bob.client.ingest(bob.client.inboxTopic, original!)).toMatchObject({ kind: "readable" });
    expect(started(bob)).toHaveLength(1);
    expect(errors(bob).map((e) => e.error.code)).toEqual(cases.map((c) => c[0]));
  });

  it("channel binding: an invite moved to another inbox is refused there", async () => {
    const w = world("inbox-binding");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    const carol = await w.peer("carol");
    await carol.client.introBundle();
    await alice.client.startConversation(await bob.client.introBundle(), "for bob");
    const [invite] = await published(w, bob.client.inboxTopic);
    const carolInbox = toHex(crypto.blake2b(fromHex(carol.client.installationKey)!));
    const revision = carol.store.revision;
    // Nobody but alice and bob can address this invite to another inbox; with carol's public inbox id (the
    // version-1 hint) it reaches her inbox, which takes version-2 handshakes only by their secret hint.
    const moved = reseal(handshakeOf(invite!), carolInbox);
    expect(await carol.client.ingest(carol.client.inboxTopic, moved)).toMatchObject({
      kind: "badly-formed",
      reason: "unexpected-encryption",
    });
    // On carol's topic with bob's hint: nobody there has that inbox.
    expect(await carol.client.ingest(carol.client.inboxTopic, invite!)).toEqual({ kind: "not-for-me" });
    expect(carol.store.revision).toBe(revision);
  });

  it("forward secrecy of invites: a retired bundle key's secret is gone from the store", async () => {
    const w = world("inbox-fs");
    const bob = await w.peer("bob");
    const old = await bob.client.introBundle();
    await bob.client.rotateIntroBundle();
    const bytes = await bob.store.get(
      CONVERSATION_STATE_NS,
      `InboxV1:${toHex(crypto.blake2b(fromHex(bob.client.installationKey)!))}`,
    );
    const state = decodeInboxState(bytes!)!;
    const parsed = parseIntroBundle(crypto, old);
    if (!parsed.ok) throw new Error("bundle");
    expect(state.bundleKeys.some((k) => constantTimeEqual(k.publicKey, parsed.bundle.ephemeralKey))).toBe(false);
    expect(state.retired.map((r) => r.reason)).toEqual(["rotated"]);
    expect(state.bundleKeys).toHaveLength(1);
  });
});
