import { type CryptoProvider, NobleCryptoProvider, NoiseError, toHex, utf8, type X25519KeyPair } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import {
  HandshakeState,
  INBOX_MIN_MESSAGE_LENGTH,
  INBOX_PROTOCOL_NAME,
  inboxInitiate,
  inboxRespond,
  parseProtocolName,
  splitInboxMessage,
} from "@parley/core/primitives";
import { seededRandom } from "@parley/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const noble = new NobleCryptoProvider({ random: seededRandom("inbox/noble") });
const node = new NodeCryptoProvider({ random: seededRandom("inbox/node") });

function fixedPair(c: CryptoProvider, fill: number): X25519KeyPair {
  const secretKey = new Uint8Array(32).fill(fill);
  return { secretKey, publicKey: c.x25519PublicKey(secretKey) };
}

function parties(c: CryptoProvider) {
  return {
    initiatorStatic: c.x25519GenerateKeyPair(),
    responderStatic: c.x25519GenerateKeyPair(),
    responderEphemeral: c.x25519GenerateKeyPair(),
  };
}

describe("inbox handshake Noise_XK0_25519_ChaChaPoly_BLAKE2b (<- e, s; -> e, ee, es, s, se)", () => {
  it("has the documented protocol name and message layout", () => {
    expect(INBOX_PROTOCOL_NAME).toBe("Noise_XK0_25519_ChaChaPoly_BLAKE2b");
    const p = parseProtocolName(INBOX_PROTOCOL_NAME);
    expect(p.responderPre).toEqual(["e", "s"]);
    expect(p.messages).toEqual([["e", "ee", "es", "s", "se"]]);
    const k = parties(noble);
    const out = inboxInitiate(noble, {
      ...k,
      responderStatic: k.responderStatic.publicKey,
      responderEphemeral: k.responderEphemeral.publicKey,
      payload: utf8("hi"),
    });
    expect(out.message).toHaveLength(32 + 48 + 2 + 16);
    expect(out.ephemeral).toHaveLength(32);
    expect(out.encryptedStatic).toHaveLength(48);
    expect(INBOX_MIN_MESSAGE_LENGTH).toBe(96);
  });

  const pairs: [CryptoProvider, CryptoProvider][] = [
    [node, node],
    [noble, noble],
    [node, noble],
    [noble, node],
  ];
  it.each(pairs.map(([a, b]) => ({ a, b, label: `${a.name} → ${b.name}` })))(
    "round-trips ($label): payload, authenticated initiator key, identical split keys and hash",
    ({ a, b }) => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 500 }), fc.uint8Array({ maxLength: 40 }), (payload, prologue) => {
          const k = parties(a);
          const sent = inboxInitiate(a, {
            initiatorStatic: k.initiatorStatic,
            responderStatic: k.responderStatic.publicKey,
            responderEphemeral: k.responderEphemeral.publicKey,
            payload,
            prologue,
          });
          const got = inboxRespond(b, {
            responderStatic: k.responderStatic,
            responderEphemeral: k.responderEphemeral,
            message: sent.message,
            prologue,
          });
          expect(got.ok).toBe(true);
          if (!got.ok) return;
          expect(got.payload).toEqual(payload);
          expect(got.initiatorStatic).toEqual(k.initiatorStatic.publicKey);
          expect(got.initiatorEphemeral).toEqual(sent.ephemeral);
          expect(got.initiatorToResponder).toEqual(sent.initiatorToResponder);
          expect(got.responderToInitiator).toEqual(sent.responderToInitiator);
          expect(got.handshakeHash).toEqual(sent.handshakeHash);
          expect(sent.initiatorToResponder).not.toEqual(sent.responderToInitiator);
          // The initiator's static key never appears in clear.
          expect(toHex(sent.message).includes(toHex(k.initiatorStatic.publicKey))).toBe(false);
          // Parts form works the same as the joined message.
          const viaParts = inboxRespond(b, {
            responderStatic: k.responderStatic,
            responderEphemeral: k.responderEphemeral,
            message: splitInboxMessage(sent.message)!,
            prologue,
          });
          expect(viaParts.ok && viaParts.payload).toEqual(payload);
        }),
        { numRuns: 25, seed: 11 },
      );
    },
  );

  it.each([node, noble])("rejects a modification of any byte, at every position ($name)", (c) => {
    const k = parties(c);
    const sent = inboxInitiate(c, {
      initiatorStatic: k.initiatorStatic,
      responderStatic: k.responderStatic.publicKey,
      responderEphemeral: k.responderEphemeral.publicKey,
      payload: utf8("invite: default"),
    });
    const respond = (message: Uint8Array) =>
      inboxRespond(c, { responderStatic: k.responderStatic, responderEphemeral: k.responderEphemeral, message });
    expect(respond(sent.message).ok).toBe(true);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 255 }), (delta) => {
        // Every byte position, each with a property-chosen non-zero change.
        for (let i = 0; i < sent.message.length; i++) {
          const bad = sent.message.slice();
          bad[i] = (bad[i]! + delta) & 0xff;
          const r = respond(bad);
          expect(r.ok, `byte ${i} modified by ${delta}`).toBe(false);
          if (!r.ok) expect(r.error).toBeInstanceOf(NoiseError);
        }
      }),
      { numRuns: c === node ? 8 : 3, seed: 12 },
    );
    // Truncation at every length and any extension are rejected too.
    for (let n = 0; n < sent.message.length; n++) expect(respond(sent.message.subarray(0, n)).ok).toBe(false);
    expect(respond(Uint8Array.from([...sent.message, 0])).ok).toBe(false);
    // The unmodified message still works afterwards (rejections have no side effects).
    expect(respond(sent.message).ok).toBe(true);
  });

  it("rejects the wrong responder keys, a different prologue and shifted field boundaries", () => {
    const k = parties(node);
    const sent = inboxInitiate(node, {
      initiatorStatic: k.initiatorStatic,
      responderStatic: k.responderStatic.publicKey,
      responderEphemeral: k.responderEphemeral.publicKey,
      payload: utf8("x"),
      prologue: utf8("p1"),
    });
    const base = {
      responderStatic: k.responderStatic,
      responderEphemeral: k.responderEphemeral,
      message: sent.message,
    };
    expect(inboxRespond(node, { ...base, prologue: utf8("p1") }).ok).toBe(true);
    expect(inboxRespond(node, { ...base, prologue: utf8("p2") }).ok).toBe(false);
    expect(
      inboxRespond(node, { ...base, prologue: utf8("p1"), responderStatic: node.x25519GenerateKeyPair() }).ok,
    ).toBe(false);
    expect(
      inboxRespond(node, { ...base, prologue: utf8("p1"), responderEphemeral: node.x25519GenerateKeyPair() }).ok,
    ).toBe(false);
    const parts = splitInboxMessage(sent.message)!;
    const shifted = {
      ephemeral: parts.ephemeral,
      encryptedStatic: parts.encryptedStatic.subarray(0, 47),
      ciphertext: Uint8Array.from([parts.encryptedStatic[47]!, ...parts.ciphertext]),
    };
    expect(inboxRespond(node, { ...base, prologue: utf8("p1"), message: shifted }).ok).toBe(false);
  });

  it("refuses a small-order initiator ephemeral with a typed error", () => {
    const k = parties(node);
    const sent = inboxInitiate(node, {
      initiatorStatic: k.initiatorStatic,
      responderStatic: k.responderStatic.publicKey,
      responderEphemeral: k.responderEphemeral.publicKey,
      payload: utf8("x"),
    });
    const bad = sent.message.slice();
    bad.fill(0, 0, 32);
    const r = inboxRespond(node, {
      responderStatic: k.responderStatic,
      responderEphemeral: k.responderEphemeral,
      message: bad,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe("invalid-key");
    expect(() =>
      inboxInitiate(node, {
        ...k,
        responderStatic: new Uint8Array(32),
        responderEphemeral: k.responderEphemeral.publicKey,
        payload: utf8("x"),
      }),
    ).toThrow(NoiseError);
  });

  it("a fixed-key vector is identical under both providers (regression vector)", () => {
    const run = (c: CryptoProvider) =>
      inboxInitiate(c, {
        initiatorStatic: fixedPair(c, 0x01),
        responderStatic: fixedPair(c, 0x02).publicKey,
        responderEphemeral: fixedPair(c, 0x03).publicKey,
        ephemeral: fixedPair(c, 0x04),
        payload: utf8("hello inbox"),
        prologue: utf8("parley"),
      });
    const a = run(node);
    const b = run(noble);
    expect(toHex(a.message)).toBe(toHex(b.message));
    expect(toHex(a.handshakeHash)).toBe(toHex(b.handshakeHash));
    expect(toHex(a.message)).toBe(
      "ac01b2209e86354fb853237b5de0f4fab13c7fcbf433a61c019369617fecf10b9d9599eadf3a3b8f95502c77fcff604fa69d0847d70d6aae16243d8cea95764b95ec8b2a2978986f2f67972b47e11908103140937d9ea18a2c11b9ea18971ac8b75bf1815d121ca16a20b0",
    );
    expect(toHex(a.handshakeHash)).toBe(
      "51501f715e02491fb7bc0635e1523cc3c099a6ace9491154079c22572ebe3d39964f0c101c5320dda157e28a2ef078f90cf439e919e415a6baacd5ac196f8912",
    );
  });

  it("matches the Noise spec steps written out by hand from raw primitives (e hashed before s)", () => {
    const c = noble;
    const i = fixedPair(c, 0x01);
    const rs = fixedPair(c, 0x02);
    const re = fixedPair(c, 0x03);
    const e = fixedPair(c, 0x04);
    const prologue = utf8("parley");
    const payload = utf8("hello inbox");
    // InitializeSymmetric: the name (34 bytes) fits in HASHLEN, so h = name zero-padded to 64 bytes.
    let h: Uint8Array = new Uint8Array(64);
    h.set(utf8("Noise_XK0_25519_ChaChaPoly_BLAKE2b"));
    let ck = h.slice();
    let k = new Uint8Array(0);
    let n = 0;
    const mixHash = (d: Uint8Array) => {
      h = c.blake2b(Uint8Array.from([...h, ...d]));
    };
    const mixKey = (ikm: Uint8Array) => {
      const out = c.hkdf("blake2b512", ikm, ck, new Uint8Array(0), 128);
      ck = out.slice(0, 64);
      k = out.slice(64, 96);
      n = 0;
    };
    const encryptAndHash = (pt: Uint8Array) => {
      const nonce = new Uint8Array(12);
      nonce[4] = n++;
      const ct = c.aeadSeal(k, nonce, pt, h);
      mixHash(ct);
      return ct;
    };
    mixHash(prologue);
    mixHash(re.publicKey); // pre-message <- e, s: e first
    mixHash(rs.publicKey);
    mixHash(e.publicKey); // -> e
    mixKey(c.x25519(e.secretKey, re.publicKey)); // ee
    mixKey(c.x25519(e.secretKey, rs.publicKey)); // es
    const encS = encryptAndHash(i.publicKey); // s
    mixKey(c.x25519(i.secretKey, re.publicKey)); // se
    const encP = encryptAndHash(payload);
    const expected = Uint8Array.from([...e.publicKey, ...encS, ...encP]);
    const out = inboxInitiate(node, {
      initiatorStatic: fixedPair(node, 0x01),
      responderStatic: rs.publicKey,
      responderEphemeral: re.publicKey,
      ephemeral: fixedPair(node, 0x04),
      payload,
      prologue,
    });
    expect(toHex(out.message)).toBe(toHex(expected));
    expect(toHex(out.handshakeHash)).toBe(toHex(h));
  });

  it("is the same as the generic HandshakeState driven by the XK0 table", () => {
    const c = node;
    const k = parties(c);
    const e = c.x25519GenerateKeyPair();
    const pattern = parseProtocolName(INBOX_PROTOCOL_NAME);
    const hs = HandshakeState.initialize(c, {
      pattern,
      initiator: true,
      s: k.initiatorStatic,
      e,
      rs: k.responderStatic.publicKey,
      re: k.responderEphemeral.publicKey,
    });
    const viaTable = hs.writeMessage(utf8("p"));
    const viaApi = inboxInitiate(c, {
      initiatorStatic: k.initiatorStatic,
      responderStatic: k.responderStatic.publicKey,
      responderEphemeral: k.responderEphemeral.publicKey,
      ephemeral: e,
      payload: utf8("p"),
    });
    expect(viaApi.message).toEqual(viaTable);
    expect(hs.isComplete).toBe(true);
  });
});
