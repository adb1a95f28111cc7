/**
 * What an unauthenticated ratchet header can make the receiver compute, counted in primitive operations (never
 * timed). A forger who saw one envelope knows the chain's ratchet key and position; it can pick n, pn, a fresh
 * ratchet key and random ciphertext, nothing else.
 */
import { readFileSync } from "node:fs";
import { NobleCryptoProvider, toHex, utf8 } from "@parley/core";
import {
  ChainWalks,
  DoubleRatchet,
  FRESH_CHAIN_FREE_STEPS,
  FreshChainBudget,
  type RatchetHeader,
  type RatchetMessage,
  type RatchetState,
  type ReceiverCache,
  serializeRatchetState,
} from "@parley/core/primitives";
import { seededRandom } from "@parley/core/testing";
import { describe, expect, it } from "vitest";
import { CountingCrypto, type CryptoCounts } from "../../support/counting-crypto.js";
import { ratchetTranscript } from "./transcript.js";

const T0 = 1_700_000_000_000;

/** A's first message (what a forger saw) delivered to B; both states after it. */
function setup(seed: string) {
  const crypto = new CountingCrypto(new NobleCryptoProvider({ random: seededRandom(seed) }));
  const cache: ReceiverCache = { walks: new ChainWalks(), budget: new FreshChainBudget() };
  const dr = new DoubleRatchet({ crypto, receiverCache: cache });
  const sk = crypto.randomBytes(32);
  const bobKey = crypto.x25519GenerateKeyPair();
  const first = dr.encrypt(dr.initSender(sk, bobKey.publicKey), utf8("m0"), T0);
  const b = decryptOk(dr, dr.initReceiver(sk, bobKey), first.message, T0);
  return { crypto, dr, a: first.state, b: b.state, first: first.message };
}

function decryptOk(dr: DoubleRatchet, state: RatchetState, m: RatchetMessage, now: number) {
  const r = dr.decrypt(state, m, now);
  if (!r.ok) throw r.error;
  return r;
}

function forged(crypto: CountingCrypto, header: RatchetHeader): RatchetMessage {
  return { header, ciphertext: crypto.randomBytes(12 + 40 + 16) };
}

/** Decrypts a message that must be refused; the state's bytes must not change. Returns the work it cost. */
function refused(dr: DoubleRatchet, crypto: CountingCrypto, state: RatchetState, m: RatchetMessage, code: string) {
  const before = toHex(serializeRatchetState(state));
  const { result, ops } = crypto.measure(() => dr.decrypt(state, m, T0));
  expect(result).toMatchObject({ ok: false, error: { code } });
  expect(toHex(serializeRatchetState(state))).toBe(before);
  return ops;
}

function total(ops: CryptoCounts): number {
  return Object.values(ops).reduce((a, b) => a + b, 0);
}

describe("forged ratchet headers cost a bounded amount of work", () => {
  it("on the current chain at recvN + 1000: one walk of chain keys per chain, then 1 KDF + 1 AEAD each", () => {
    const { crypto, dr, b, first } = setup("forged-same-chain");
    expect(b.recvN).toBe(1);
    const header = (n: number): RatchetHeader => ({ dh: first.header.dh, n, pn: 0 });

    // The first forgery walks chain keys only: no message keys for the skipped positions, no X25519.
    const walk = refused(dr, crypto, b, forged(crypto, header(b.recvN + 1000)), "auth-failed");
    expect(walk).toMatchObject({ x25519: 0, hkdf: 0, aeadOpen: 1 });
    expect(walk.blake2b).toBeLessThanOrEqual(1000 + 1);
    // Every later forgery anywhere in the walked range: one message KDF and one AEAD, nothing else.
    for (let i = 0; i < 200; i++) {
      const ops = refused(dr, crypto, b, forged(crypto, header(b.recvN + 1 + (i % 1000))), "auth-failed");
      expect(ops).toMatchObject({ blake2b: 1, aeadOpen: 1 });
      expect(total(ops)).toBe(2);
    }
    // One past max_skip costs nothing at all.
    expect(total(refused(dr, crypto, b, forged(crypto, header(b.recvN + 1001)), "too-far-ahead"))).toBe(0);
  });

  it("with a fresh ratchet key and pn = n = 1000: nothing while no new key is possible, then a budget", () => {
    let { crypto, dr, b } = setup("forged-fresh-key");
    const fresh = (n: number, pn: number) => forged(crypto, { dh: crypto.randomBytes(32), n, pn });

    // B has not sent since its DH step: A cannot have a new ratchet key yet, so no DH is even tried.
    for (let i = 0; i < 50; i++) expect(total(refused(dr, crypto, b, fresh(1000, 1000), "unknown-chain"))).toBe(0);

    // Once B has sent, A's next key is possible. The first far forgery costs one new-chain walk, and the
    // previous chain (pn) is never walked before the message is authentic.
    const reply = dr.encrypt(b, utf8("reply"), T0);
    b = reply.state;
    const firstFar = refused(dr, crypto, b, fresh(1000, 1000), "auth-failed");
    expect(firstFar).toMatchObject({ x25519: 1, hkdf: 1, aeadOpen: 1 });
    expect(firstFar.blake2b).toBeLessThanOrEqual(1000 + 1);
    // The window's budget (max_skip steps) is spent: far forgeries are refused before any key work...
    for (let i = 0; i < 100; i++) expect(total(refused(dr, crypto, b, fresh(1000, 1000), "too-far-ahead"))).toBe(0);
    // ...and near ones cost at most one X25519, the root KDF, FRESH_CHAIN_FREE_STEPS chain steps, one AEAD.
    for (let i = 0; i < 100; i++) {
      const ops = refused(dr, crypto, b, fresh(FRESH_CHAIN_FREE_STEPS, 1000), "auth-failed");
      expect(ops).toMatchObject({ x25519: 1, hkdf: 1, aeadOpen: 1 });
      expect(ops.blake2b).toBeLessThanOrEqual(FRESH_CHAIN_FREE_STEPS + 1);
      expect(total(ops)).toBeLessThanOrEqual(FRESH_CHAIN_FREE_STEPS + 4);
    }
  });

  it("a legitimate gap of 1000 decrypts on the current chain after forgeries, and its skipped keys work", () => {
    let { crypto, dr, a, b, first } = setup("gap-after-forgeries");
    for (let i = 0; i < 20; i++) {
      refused(dr, crypto, b, forged(crypto, { dh: first.header.dh, n: 1 + 50 * i, pn: 0 }), "auth-failed");
    }
    const sent: RatchetMessage[] = [];
    for (let i = 1; i <= 1001; i++) {
      const e = dr.encrypt(a, utf8(`m${i}`), T0);
      a = e.state;
      sent.push(e.message);
    }
    // Position 1001 = recvN + 1000: every key in between is skipped and kept.
    const far = decryptOk(dr, b, sent[1000]!, T0);
    expect(new TextDecoder().decode(far.plaintext)).toBe("m1001");
    expect(far.state.skipped).toHaveLength(1000);
    b = far.state;
    for (const i of [0, 1, 499, 999]) {
      const r = decryptOk(dr, b, sent[i]!, T0);
      expect(new TextDecoder().decode(r.plaintext)).toBe(`m${i + 1}`);
      b = r.state;
    }
    expect(dr.decrypt(b, sent[499]!, T0)).toMatchObject({ ok: false, error: { code: "replay" } });
  });

  it("a legitimate gap of 1000 on a new chain decrypts; while forgeries spend the budget it waits a window", () => {
    let { crypto, dr, a, b } = setup("gap-new-chain");
    const r0 = dr.encrypt(b, utf8("r0"), T0);
    b = r0.state;
    a = decryptOk(dr, a, r0.message, T0).state;
    // A's new chain: 1001 messages, of which only the last arrives (n = 1000, a new key for B).
    const sent: RatchetMessage[] = [];
    for (let i = 0; i <= 1000; i++) {
      const e = dr.encrypt(a, utf8(`n${i}`), T0);
      a = e.state;
      sent.push(e.message);
    }
    const last = sent[1000]!;
    expect(last.header.n).toBe(1000);

    // A forger spends the window's budget first: the genuine far message waits...
    refused(dr, crypto, b, forged(crypto, { dh: crypto.randomBytes(32), n: 1000, pn: 1 }), "auth-failed");
    refused(dr, crypto, b, last, "too-far-ahead");
    // ...while a near one on the same new chain is tried at once (and so opens the chain).
    const near = dr.decrypt(b, sent[3]!, T0);
    expect(near.ok).toBe(true);
    // In a fresh window the far one decrypts (here: on the state before the near one).
    const later = decryptOk(dr, b, last, T0 + 60_000);
    expect(new TextDecoder().decode(later.plaintext)).toBe("n1000");
    expect(later.state.skipped.filter((k) => toHex(k.dh) === toHex(last.header.dh))).toHaveLength(1000);
    const back = dr.decrypt(later.state, sent[0]!, T0 + 60_000);
    expect(back.ok && new TextDecoder().decode(back.plaintext)).toBe("n0");
  });

  it("the walk cache changes no result and no stored byte: the transcript matches the pre-cache fixture", () => {
    const fixture = JSON.parse(
      readFileSync(new URL("../../fixtures/ratchet/transcript-v1.json", import.meta.url), "utf8"),
    ) as ReturnType<typeof ratchetTranscript>;
    expect(fixture.steps).toHaveLength(41);
    /** A cache that forgets everything before every walk: the cache lost at the worst moments. */
    class Forgetful extends ChainWalks {
      override walk(...args: Parameters<ChainWalks["walk"]>) {
        this.clear();
        return super.walk(...args);
      }
    }
    const caches: (ReceiverCache | undefined)[] = [
      undefined, // the process-wide shared cache
      { walks: new ChainWalks(1), budget: new FreshChainBudget() },
      { walks: new Forgetful(), budget: new FreshChainBudget() },
    ];
    for (const receiverCache of caches) {
      const t = ratchetTranscript((crypto) => new DoubleRatchet({ crypto, ...(receiverCache && { receiverCache }) }));
      expect(t.steps).toEqual(fixture.steps);
      expect(t.early).toBe(fixture.early);
    }
  });
});
