/**
 * PrivateV1 session reset (reset.ts): who can make one, replay and tampering, both sides resetting at once,
 * the rate limit, and that a reset carries the conversation on with every message delivered once.
 */
import { describe, expect, it } from "vitest";
import { makeReset } from "../../src/conversations/private-v1/reset.js";
import {
  type OutgoingPayload,
  PrivateV1Engine,
  type PrivateV1Options,
} from "../../src/conversations/private-v1/session.js";
import { encodePrivateState, type PrivateV1State } from "../../src/conversations/private-v1/state.js";
import { NobleCryptoProvider, seededRandom } from "../../src/crypto/index.js";
import type { X25519KeyPair } from "../../src/crypto/provider.js";
import { create, type EncryptedPayload, EncryptedPayloadSchema } from "../../src/wire/index.js";

const crypto = new NobleCryptoProvider({ random: seededRandom("reset") });
const MINUTE = 60_000;
const T0 = 1_000_000;

interface Side {
  engine: PrivateV1Engine;
  identity: X25519KeyPair;
  state: PrivateV1State;
}

function parties(options: PrivateV1Options = {}): { alice: Side; bob: Side } {
  const ia = crypto.x25519GenerateKeyPair();
  const ib = crypto.x25519GenerateKeyPair();
  const sk = crypto.randomBytes(32);
  const bundle = crypto.x25519GenerateKeyPair();
  const ea = new PrivateV1Engine(crypto, { ...options, identity: ia });
  const eb = new PrivateV1Engine(crypto, { ...options, identity: ib });
  return {
    alice: { engine: ea, identity: ia, state: ea.initiator(sk, bundle.publicKey, ia.publicKey, ib.publicKey, T0) },
    bob: { engine: eb, identity: ib, state: eb.responder(sk, bundle, ib.publicKey, ia.publicKey, T0) },
  };
}

const text = (t: string) => ({ case: "content" as const, value: new TextEncoder().encode(t) });

/** Opens each payload at `to`; returns the texts delivered and the reasons of what failed. */
function deliver(to: Side, outgoing: readonly OutgoingPayload[], now: number): { texts: string[]; failed: string[] } {
  const texts: string[] = [];
  const failed: string[] = [];
  for (const o of outgoing) {
    const r = to.engine.open(to.state, o.payload, now);
    if (!r.ok) {
      failed.push(r.reason);
      continue;
    }
    to.state = r.state;
    for (const f of r.opened.frames)
      if (f.body.case === "content") texts.push(new TextDecoder().decode(f.body.value as Uint8Array));
  }
  return { texts, failed };
}

/** A forged ratchet message for `to`'s conversation (a replayed hint would bring it): it never opens. */
function forged(n: number): EncryptedPayload {
  return create(EncryptedPayloadSchema, {
    encryption: {
      case: "doubleratchet",
      value: {
        dh: crypto.x25519GenerateKeyPair().publicKey,
        msgNum: n,
        prevChainLen: 0,
        ciphertext: new Uint8Array(40),
      },
    },
  });
}

/** Makes `side` see failures for ten minutes and sweep: it resets. Returns what it sends. */
function failUntilReset(side: Side, start: number): { outgoing: OutgoingPayload[]; at: number } {
  for (let i = 0; i < 3; i++) side.engine.open(side.state, forged(5_000), start + i * 5 * MINUTE);
  const at = start + 10 * MINUTE;
  const r = side.engine.sweep(side.state, at);
  side.state = r.state;
  return { outgoing: r.outgoing, at };
}

function resetOf(outgoing: readonly OutgoingPayload[]): EncryptedPayload {
  const p = outgoing.find((o) => o.payload.encryption.case === "privateV1SessionReset");
  if (!p) throw new Error("no reset sent");
  return p.payload;
}

describe("PrivateV1 session reset", () => {
  it("heals: unacknowledged messages are sealed again, delivered once, and the new session works both ways", () => {
    const { alice, bob } = parties();
    const first = alice.engine.send(alice.state, text("one"), T0);
    alice.state = first.state;
    expect(deliver(bob, first.outgoing, T0).texts).toEqual(["one"]);
    // Bob's reply is lost; Bob then sees only failures for ten minutes and starts a new session.
    const reply = bob.engine.send(bob.state, text("two"), T0 + 1);
    bob.state = reply.state;
    const reset = failUntilReset(bob, T0 + MINUTE);
    expect(bob.state.generation).toBe(1);
    // The reset, the new session's first message and "two" sealed again.
    const got = deliver(alice, reset.outgoing, reset.at);
    expect(got.failed).toEqual([]);
    expect(got.texts).toEqual(["two"]);
    expect(alice.state.generation).toBe(1);
    // The old copy of "two" (old session) cannot be opened any more; the new one was delivered once.
    expect(deliver(alice, reply.outgoing, reset.at).texts).toEqual([]);
    const a = alice.engine.send(alice.state, text("three"), reset.at + 1);
    alice.state = a.state;
    expect(deliver(bob, a.outgoing, reset.at + 1).texts).toEqual(["three"]);
    const b = bob.engine.send(bob.state, text("four"), reset.at + 2);
    bob.state = b.state;
    expect(deliver(alice, b.outgoing, reset.at + 2).texts).toEqual(["four"]);
    // Bob's reset is answered: it is no longer resent.
    expect(bob.state.pendingReset).toBeUndefined();
  });

  it("refuses a replayed, tampered, third-party or low-order reset without changing state", () => {
    const { alice, bob } = parties();
    const hello = alice.engine.send(alice.state, text("hi"), T0);
    alice.state = hello.state;
    deliver(bob, hello.outgoing, T0);
    const reset = resetOf(failUntilReset(bob, T0).outgoing);
    const before = encodePrivateState(alice.state);
    const tampered = structuredClone(reset);
    if (tampered.encryption.case !== "privateV1SessionReset") throw new Error("arm");
    tampered.encryption.value.tag[0]! ^= 1;
    // A reset made by someone else for this conversation: they know both public keys, not Bob's secret.
    const eve = crypto.x25519GenerateKeyPair();
    const fake = makeReset(crypto, eve, alice.identity.publicKey, 1);
    const third = create(EncryptedPayloadSchema, {
      encryption: { case: "privateV1SessionReset", value: { generation: 1, ephemeral: fake.ephemeral, tag: fake.tag } },
    });
    const lowOrder = create(EncryptedPayloadSchema, {
      encryption: {
        case: "privateV1SessionReset",
        value: { generation: 1, ephemeral: new Uint8Array(32), tag: new Uint8Array(16) },
      },
    });
    for (const [payload, reason] of [
      [tampered, "reset-auth-failed"],
      [third, "reset-auth-failed"],
      [lowOrder, "reset-auth-failed"],
    ] as const) {
      const r = alice.engine.open(alice.state, payload, T0 + 11 * MINUTE);
      expect(r).toEqual({ ok: false, reason });
      expect(encodePrivateState(alice.state)).toEqual(before);
    }
    const accepted = alice.engine.open(alice.state, reset, T0 + 11 * MINUTE);
    expect(accepted.ok).toBe(true);
    if (accepted.ok) alice.state = accepted.state;
    // The same reset again is a replay: generation 1 is not above Alice's.
    const after = encodePrivateState(alice.state);
    expect(alice.engine.open(alice.state, reset, T0 + 12 * MINUTE)).toEqual({ ok: false, reason: "reset-replay" });
    expect(encodePrivateState(alice.state)).toEqual(after);
    // An engine without the installation key neither makes nor accepts resets.
    const blind = new PrivateV1Engine(crypto);
    expect(blind.open(alice.state, reset, T0)).toEqual({ ok: false, reason: "reset-unsupported" });
  });

  it("both sides reset at once: the lower installation key's session wins on both", () => {
    const { alice, bob } = parties();
    const hello = alice.engine.send(alice.state, text("hi"), T0);
    alice.state = hello.state;
    deliver(bob, hello.outgoing, T0);
    const fromAlice = failUntilReset(alice, T0);
    const fromBob = failUntilReset(bob, T0);
    expect([alice.state.generation, bob.state.generation]).toEqual([1, 1]);
    deliver(alice, fromBob.outgoing, fromBob.at);
    deliver(bob, fromAlice.outgoing, fromAlice.at);
    const aliceLower = Buffer.compare(Buffer.from(alice.identity.publicKey), Buffer.from(bob.identity.publicKey)) < 0;
    // Exactly one side gave up its own reset for the other's.
    expect(aliceLower ? bob.state.pendingReset : alice.state.pendingReset).toBeUndefined();
    // Whoever lost answers in the winner's session, and from then on it works both ways.
    let now = fromAlice.at + 1;
    for (let round = 0; round < 3; round++) {
      const a = alice.engine.sweep(alice.state, now);
      alice.state = a.state;
      deliver(bob, a.outgoing, now);
      const b = bob.engine.sweep(bob.state, now);
      bob.state = b.state;
      deliver(alice, b.outgoing, now);
      now += MINUTE;
    }
    const m = alice.engine.send(alice.state, text("agreed"), now);
    alice.state = m.state;
    expect(deliver(bob, m.outgoing, now).texts).toEqual(["agreed"]);
    const n = bob.engine.send(bob.state, text("yes"), now + 1);
    bob.state = n.state;
    expect(deliver(alice, n.outgoing, now + 1).texts).toEqual(["yes"]);
  });

  it("is rate-limited, and needs failures that last: a burst of failures or one success in between is not enough", () => {
    const { alice, bob } = parties();
    const hello = alice.engine.send(alice.state, text("hi"), T0);
    alice.state = hello.state;
    deliver(bob, hello.outgoing, T0);
    // Three failures within a minute: not ten minutes of them.
    for (let i = 0; i < 3; i++) bob.engine.open(bob.state, forged(5_000), T0 + i * 1_000);
    expect(bob.engine.sweep(bob.state, T0 + MINUTE).state.generation).toBe(0);
    // Failures, then a message that opens: the session works, nothing to repair.
    for (let i = 0; i < 3; i++) bob.engine.open(bob.state, forged(5_000), T0 + 2 * MINUTE + i * 5 * MINUTE);
    const ok = alice.engine.send(alice.state, text("fine"), T0 + 13 * MINUTE);
    alice.state = ok.state;
    deliver(bob, ok.outgoing, T0 + 13 * MINUTE);
    expect(bob.engine.sweep(bob.state, T0 + 14 * MINUTE).state.generation).toBe(0);
    // A reset, then more failures straight away: no second reset within the backoff (30 minutes).
    failUntilReset(bob, T0 + 20 * MINUTE);
    expect(bob.state.generation).toBe(1);
    failUntilReset(bob, T0 + 31 * MINUTE);
    expect(bob.state.generation).toBe(1);
    failUntilReset(bob, T0 + 51 * MINUTE);
    expect(bob.state.generation).toBe(2);
  });
});
