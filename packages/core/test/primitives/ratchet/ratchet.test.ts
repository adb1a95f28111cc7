import { type CryptoProvider, NobleCryptoProvider, toHex, utf8 } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import {
  DoubleRatchet,
  deserializeRatchetState,
  fromDoubleratchetProto,
  headerAad,
  kdfChain,
  kdfRoot,
  type RatchetMessage,
  type RatchetState,
  serializeRatchetState,
  toDoubleratchetProto,
} from "@parley/core/primitives";
import { seededRandom } from "@parley/core/testing";
import * as wire from "@parley/core/wire";
import { describe, expect, it } from "vitest";

const T0 = 1_700_000_000_000;

function provider(seed: string): CryptoProvider {
  return new NobleCryptoProvider({ random: seededRandom(seed) });
}

/** A started conversation: A (initiator) has sent nothing yet, B waits for A's first message. */
function pair(seed = "pair", options: Partial<ConstructorParameters<typeof DoubleRatchet>[0]> = {}) {
  const crypto = provider(seed);
  const dr = new DoubleRatchet({ crypto, ...options });
  const sk = crypto.randomBytes(32);
  const bobKey = crypto.x25519GenerateKeyPair();
  return { dr, crypto, a: dr.initSender(sk, bobKey.publicKey), b: dr.initReceiver(sk, bobKey) };
}

function text(s: string): Uint8Array {
  return utf8(s);
}

function decryptOk(dr: DoubleRatchet, state: RatchetState, m: RatchetMessage, now = T0) {
  const r = dr.decrypt(state, m, now);
  if (!r.ok) throw new Error(`decrypt failed: ${r.error.code}`);
  return r;
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe("libchat KDF vectors through the ratchet's own KDFs", () => {
  it.each([new NobleCryptoProvider(), new NodeCryptoProvider()])("kdfRoot and kdfChain ($name)", (c) => {
    const root = kdfRoot(c, new Uint8Array(32).fill(0x11), new Uint8Array(32).fill(0x22));
    expect(toHex(root.rootKey)).toBe("fc9578d127d1febbe6650a4899f2662b0eaf987abc757499a9f454eface44b9e");
    expect(toHex(root.chainKey)).toBe("b3b2f4b09190379095772fd09ae64e432ac8da59c7d88a255da14ece557834d4");
    const chain = kdfChain(c, new Uint8Array(32).fill(0xff));
    expect(toHex(chain.messageKey)).toBe("da847bbfc87a352d0071a00e742f7cc1dad55603475f964d94f41524da334576");
    expect(toHex(chain.chainKey)).toBe("96f5434af30901f4851325d50b4882b79b019a34386cc1a721d0be10acfaa847");
  });
});

describe("DoubleRatchet", () => {
  it("round-trips in order and in ping-pong with DH steps", () => {
    let { dr, a, b } = pair();
    const keysSeenByB = new Set<string>();
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 3; i++) {
        const e = dr.encrypt(a, text(`a${round}.${i}`));
        a = e.state;
        expect(e.message.header.n).toBe(i);
        const d = decryptOk(dr, b, e.message);
        b = d.state;
        expect(new TextDecoder().decode(d.plaintext)).toBe(`a${round}.${i}`);
        keysSeenByB.add(toHex(e.message.header.dh));
      }
      const e = dr.encrypt(b, text(`b${round}`));
      b = e.state;
      const d = decryptOk(dr, a, e.message);
      a = d.state;
      expect(new TextDecoder().decode(d.plaintext)).toBe(`b${round}`);
    }
    // A new ratchet key per turn: the DH ratchet really steps.
    expect(keysSeenByB.size).toBe(5);
  });

  it("uses the libchat wire layout: nonce(12) || ct || tag(16), AAD = dh || n || pn", () => {
    const { dr, a, crypto } = pair("layout");
    const e = dr.encrypt(a, text("hello"));
    expect(e.message.ciphertext.length).toBe(12 + 5 + 16);
    const aad = headerAad(e.message.header);
    expect(aad.length).toBe(40);
    // Open by hand with the first chain's message key: proves the exact AEAD inputs.
    const mk = kdfChain(crypto, a.sendChainKey!).messageKey;
    const pt = crypto.aeadOpen(mk, e.message.ciphertext.subarray(0, 12), e.message.ciphertext.subarray(12), aad);
    expect(new TextDecoder().decode(pt)).toBe("hello");
    // And through the proto.
    const proto = wire.fromBinary(
      wire.DoubleratchetSchema,
      wire.toBinary(wire.DoubleratchetSchema, toDoubleratchetProto(e.message)),
    );
    expect(fromDoubleratchetProto(proto)).toEqual(e.message);
  });

  it("an associated-data prefix binds messages to a channel", () => {
    const crypto = provider("ad");
    const sk = crypto.randomBytes(32);
    const bobKey = crypto.x25519GenerateKeyPair();
    const drA = new DoubleRatchet({ crypto, associatedData: utf8("conv-1") });
    const drOther = new DoubleRatchet({ crypto, associatedData: utf8("conv-2") });
    const e = drA.encrypt(drA.initSender(sk, bobKey.publicKey), text("x"));
    const b = drA.initReceiver(sk, bobKey);
    expect(drOther.decrypt(b, e.message, T0)).toMatchObject({ ok: false, error: { code: "auth-failed" } });
    expect(drA.decrypt(b, e.message, T0).ok).toBe(true);
  });

  it("decrypts out of order, and rejects replays of consumed and skipped keys", () => {
    let { dr, a, b } = pair("ooo");
    const msgs: RatchetMessage[] = [];
    for (let i = 0; i < 6; i++) {
      const e = dr.encrypt(a, text(`m${i}`));
      a = e.state;
      msgs.push(e.message);
    }
    for (const i of [3, 0, 5, 1, 4, 2]) {
      const d = decryptOk(dr, b, msgs[i]!);
      expect(new TextDecoder().decode(d.plaintext)).toBe(`m${i}`);
      b = d.state;
    }
    expect(b.skipped.length).toBe(0);
    for (const m of msgs) expect(dr.decrypt(b, m, T0)).toMatchObject({ ok: false, error: { code: "replay" } });
  });

  it("out of order across DH steps, with replays of old chains rejected", () => {
    let { dr, a, b } = pair("ooo-dh");
    const a1 = dr.encrypt(a, text("a1"));
    a = a1.state;
    const a2 = dr.encrypt(a, text("a2"));
    a = a2.state;
    b = decryptOk(dr, b, a2.message).state; // a1 skipped
    const b1 = dr.encrypt(b, text("b1"));
    b = b1.state;
    a = decryptOk(dr, a, b1.message).state;
    const a3 = dr.encrypt(a, text("a3")); // new chain, pn = 2
    a = a3.state;
    expect(a3.message.header.pn).toBe(2);
    b = decryptOk(dr, b, a3.message).state;
    const late = decryptOk(dr, b, a1.message); // from the previous chain, via its skipped key
    expect(new TextDecoder().decode(late.plaintext)).toBe("a1");
    b = late.state;
    for (const m of [a1.message, a2.message, a3.message]) {
      expect(dr.decrypt(b, m, T0)).toMatchObject({ ok: false, error: { code: "replay" } });
    }
  });

  it("heavy loss: a gap of 999 and 1000 is fine, 1001 is rejected by default", () => {
    for (const [gap, ok] of [
      [999, true],
      [1000, true],
      [1001, false],
    ] as const) {
      let { dr, a, b } = pair(`gap${gap}`);
      let last: RatchetMessage | undefined;
      for (let i = 0; i <= gap; i++) {
        const e = dr.encrypt(a, text(`m${i}`));
        a = e.state;
        last = e.message;
      }
      const before = serializeRatchetState(b);
      const r = dr.decrypt(b, last!, T0);
      expect(r.ok).toBe(ok);
      if (r.ok) expect(r.state.skipped.length).toBe(gap);
      else {
        expect(r.error.code).toBe("too-far-ahead");
        expect(serializeRatchetState(b)).toEqual(before);
      }
    }
  });

  it("max_skip is configurable and the global cap drops the oldest skipped keys", () => {
    let { dr, a, b } = pair("cap", { maxSkip: 5, maxSkippedKeys: 7 });
    const msgs: RatchetMessage[] = [];
    for (let i = 0; i < 12; i++) {
      const e = dr.encrypt(a, text(`m${i}`));
      a = e.state;
      msgs.push(e.message);
    }
    expect(dr.decrypt(b, msgs[6]!, T0)).toMatchObject({ ok: false, error: { code: "too-far-ahead" } });
    b = decryptOk(dr, b, msgs[5]!).state; // skips 0..4
    b = decryptOk(dr, b, msgs[11]!).state; // skips 6..10: 10 keys > cap 7
    expect(b.skipped.map((k) => k.n)).toEqual([3, 4, 6, 7, 8, 9, 10]);
    expect(dr.decrypt(b, msgs[0]!, T0).ok).toBe(false);
    expect(decryptOk(dr, b, msgs[3]!).plaintext).toEqual(text("m3"));
  });

  it("skipped keys expire by age (configurable) and are dropped on the next step", () => {
    const hour = 3_600_000;
    let { dr, a, b } = pair("expiry", { skippedKeyMaxAgeMs: hour });
    const msgs: RatchetMessage[] = [];
    for (let i = 0; i < 4; i++) {
      const e = dr.encrypt(a, text(`m${i}`));
      a = e.state;
      msgs.push(e.message);
    }
    b = decryptOk(dr, b, msgs[2]!, T0).state; // skips 0, 1
    expect(b.skipped.length).toBe(2);
    expect(decryptOk(dr, b, msgs[1]!, T0 + hour).plaintext).toEqual(text("m1")); // exactly at the limit: fine
    const later = T0 + hour + 1;
    expect(dr.decrypt(b, msgs[0]!, later)).toMatchObject({ ok: false, error: { code: "expired" } });
    const next = decryptOk(dr, b, msgs[3]!, later).state;
    expect(next.skipped.length).toBe(0);
    expect(dr.decrypt(next, msgs[0]!, later)).toMatchObject({ ok: false, error: { code: "replay" } });
    expect(dr.pruneExpired(b, later).skipped.length).toBe(0);
  });

  it("tampering any byte of the header or the ciphertext is rejected and leaves the state unchanged", () => {
    let { dr, a, b } = pair("tamper");
    // Put B mid-conversation with a skipped key, so every branch of decrypt is exercised.
    const first = dr.encrypt(a, text("first"));
    a = first.state;
    const e0 = dr.encrypt(a, text("zero"));
    a = e0.state;
    b = decryptOk(dr, b, e0.message).state;
    const e = dr.encrypt(a, new Uint8Array(64).fill(7));
    const before = serializeRatchetState(b);
    const { header, ciphertext } = e.message;
    const aad = headerAad(header);
    const codes = new Set<string>();
    for (let i = 0; i < aad.length; i++) {
      const t = aad.slice();
      t[i]! ^= 0x03;
      const dv = new DataView(t.buffer);
      const m = { header: { dh: t.slice(0, 32), n: dv.getUint32(32), pn: dv.getUint32(36) }, ciphertext };
      const r = dr.decrypt(b, m, T0);
      expect(r.ok).toBe(false);
      if (!r.ok) codes.add(r.error.code);
    }
    for (let i = 0; i < ciphertext.length; i++) {
      const t = ciphertext.slice();
      t[i]! ^= 0x80;
      const r = dr.decrypt(b, { header, ciphertext: t }, T0);
      expect(r).toMatchObject({ ok: false, error: { code: "auth-failed" } });
    }
    // Truncations and a malformed key.
    expect(dr.decrypt(b, { header, ciphertext: ciphertext.subarray(0, 27) }, T0).ok).toBe(false);
    expect(dr.decrypt(b, { header: { ...header, dh: header.dh.subarray(1) }, ciphertext }, T0)).toMatchObject({
      ok: false,
      error: { code: "malformed-header" },
    });
    expect(dr.decrypt(b, { header: { ...header, dh: new Uint8Array(32) }, ciphertext }, T0)).toMatchObject({
      ok: false,
      error: { code: "low-order-key" },
    });
    expect(serializeRatchetState(b)).toEqual(before);
    expect(codes.has("auth-failed")).toBe(true);
    expect(codes.has("too-far-ahead")).toBe(true); // a high bit of n
    expect(codes.has("replay")).toBe(true); // n lowered below the chain position
    // The genuine messages still decrypt afterwards, including the one whose key was skipped.
    b = decryptOk(dr, b, e.message).state;
    expect(decryptOk(dr, b, first.message).plaintext).toEqual(text("first"));
  });

  it("forward secrecy: used message keys and old chain keys are gone from the state", () => {
    let { dr, a, b, crypto } = pair("fs");
    const msgs: RatchetMessage[] = [];
    for (let i = 0; i < 4; i++) {
      const e = dr.encrypt(a, text(`m${i}`));
      a = e.state;
      msgs.push(e.message);
    }
    b = decryptOk(dr, b, msgs[0]!).state;
    const ck1 = b.recvChainKey!;
    const step1 = kdfChain(crypto, ck1);
    const mk2 = kdfChain(crypto, step1.chainKey).messageKey;
    b = decryptOk(dr, b, msgs[2]!).state; // m1 skipped: its key is (necessarily) still held
    expect(contains(serializeRatchetState(b), step1.messageKey)).toBe(true);
    b = decryptOk(dr, b, msgs[1]!).state;
    b = decryptOk(dr, b, msgs[3]!).state;
    const after = serializeRatchetState(b);
    for (const secret of [ck1, step1.messageKey, step1.chainKey, mk2]) expect(contains(after, secret)).toBe(false);
    // An attacker holding B's current state cannot read what B already received.
    for (const m of msgs) expect(dr.decrypt(b, m, T0).ok).toBe(false);
  });

  it("post-compromise security: a leaked state stops working once both sides have ratcheted", () => {
    let { dr, a, b } = pair("pcs");
    for (let i = 0; i < 2; i++) {
      const ea = dr.encrypt(a, text("ping"));
      a = ea.state;
      b = decryptOk(dr, b, ea.message).state;
      const eb = dr.encrypt(b, text("pong"));
      b = eb.state;
      a = decryptOk(dr, a, eb.message).state;
    }
    const ea = dr.encrypt(a, text("ping"));
    a = ea.state;
    b = decryptOk(dr, b, ea.message).state;
    // The attacker copies A's whole state here.
    const stolen = deserializeRatchetState(serializeRatchetState(a));
    if (!stolen.ok) throw stolen.error;
    let attacker = stolen.state;

    // Right after the leak the attacker reads B's next message (proves the leak is real).
    const b1 = dr.encrypt(b, text("secret-1"));
    b = b1.state;
    const seen = decryptOk(dr, attacker, b1.message);
    expect(seen.plaintext).toEqual(text("secret-1"));
    attacker = seen.state;
    a = decryptOk(dr, a, b1.message).state;

    // A replies with a fresh ratchet key, B answers: one full DH round the attacker did not take part in.
    const a1 = dr.encrypt(a, text("reply"));
    a = a1.state;
    b = decryptOk(dr, b, a1.message).state;
    const r = dr.decrypt(attacker, a1.message, T0); // the attacker cannot even follow A's own new chain
    expect(r.ok).toBe(false);
    const b2 = dr.encrypt(b, text("secret-2"));
    b = b2.state;
    expect(decryptOk(dr, a, b2.message).plaintext).toEqual(text("secret-2"));
    // The copy never sent after its DH step, so it refuses B's new key outright; after sending on its own
    // fresh key it tries the DH and still cannot derive B's chain.
    expect(dr.decrypt(attacker, b2.message, T0)).toMatchObject({ ok: false, error: { code: "unknown-chain" } });
    attacker = dr.encrypt(attacker, text("from the copy")).state;
    expect(dr.decrypt(attacker, b2.message, T0)).toMatchObject({ ok: false, error: { code: "auth-failed" } });
  });

  it("never mutates its input state", () => {
    let { dr, a, b } = pair("immut");
    const e1 = dr.encrypt(a, text("1"));
    const snapA = serializeRatchetState(a);
    a = e1.state;
    expect(serializeRatchetState(pair("immut").a)).toEqual(snapA);
    const e2 = dr.encrypt(a, text("2"));
    const snapB = serializeRatchetState(b);
    const d = decryptOk(dr, b, e2.message);
    expect(serializeRatchetState(b)).toEqual(snapB);
    const snapD = serializeRatchetState(d.state);
    decryptOk(dr, d.state, e1.message); // via skipped key
    expect(serializeRatchetState(d.state)).toEqual(snapD);
  });

  it("a receiver cannot send before it has received", () => {
    const { dr, b } = pair("recv");
    expect(() => dr.encrypt(b, text("x"))).toThrowError(expect.objectContaining({ code: "cannot-send" }));
  });

  it("state serialization round-trips and rejects malformed input", () => {
    let { dr, a, b } = pair("ser");
    const msgs: RatchetMessage[] = [];
    for (let i = 0; i < 3; i++) {
      const e = dr.encrypt(a, text(`m${i}`));
      a = e.state;
      msgs.push(e.message);
    }
    b = decryptOk(dr, b, msgs[2]!).state;
    const bytes = serializeRatchetState(b);
    const back = deserializeRatchetState(bytes);
    expect(back.ok && serializeRatchetState(back.state)).toEqual(bytes);
    if (back.ok) expect(decryptOk(dr, back.state, msgs[0]!).plaintext).toEqual(text("m0"));
    expect(deserializeRatchetState(new Uint8Array(0)).ok).toBe(false);
    expect(deserializeRatchetState(bytes.subarray(0, bytes.length - 1)).ok).toBe(false);
    expect(deserializeRatchetState(Uint8Array.of(...bytes, 0)).ok).toBe(false);
    const wrongVersion = bytes.slice();
    wrongVersion[0] = 9;
    expect(deserializeRatchetState(wrongVersion)).toMatchObject({ ok: false, error: { code: "bad-state" } });
    for (let cut = 0; cut < bytes.length; cut += 7) {
      expect(deserializeRatchetState(bytes.subarray(0, cut)).ok).toBe(false);
    }
  });

  it("node and noble providers interoperate through the ratchet", () => {
    const noble = new DoubleRatchet({ crypto: new NobleCryptoProvider() });
    const node = new DoubleRatchet({ crypto: new NodeCryptoProvider() });
    const sk = new Uint8Array(32).fill(3);
    const bobKey = node.crypto.x25519GenerateKeyPair();
    let a = noble.initSender(sk, bobKey.publicKey);
    let b = node.initReceiver(sk, bobKey);
    for (let i = 0; i < 3; i++) {
      const e = noble.encrypt(a, text(`x${i}`));
      a = e.state;
      const atBob = decryptOk(node, b, e.message);
      expect(atBob.plaintext).toEqual(text(`x${i}`));
      b = atBob.state;
      const f = node.encrypt(b, text(`y${i}`));
      b = f.state;
      const atAlice = decryptOk(noble, a, f.message);
      expect(atAlice.plaintext).toEqual(text(`y${i}`));
      a = atAlice.state;
    }
  });
});
