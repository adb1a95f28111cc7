import { NoiseError, utf8 } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { CipherState, HandshakeState, parseProtocolName } from "@parley/core/primitives";
import { seededRandom } from "@parley/core/testing";
import { describe, expect, it } from "vitest";

const c = new NodeCryptoProvider({ random: seededRandom("noise-handshake") });

function code(f: () => unknown): string {
  try {
    f();
    return "no-error";
  } catch (e) {
    expect(e).toBeInstanceOf(NoiseError);
    return (e as NoiseError).code;
  }
}

function xx(prologue: Uint8Array = new Uint8Array(0)) {
  const pattern = parseProtocolName("Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b");
  const psks = [new Uint8Array(32).fill(7)];
  const i = HandshakeState.initialize(c, { pattern, initiator: true, s: c.x25519GenerateKeyPair(), psks, prologue });
  const r = HandshakeState.initialize(c, { pattern, initiator: false, s: c.x25519GenerateKeyPair(), psks, prologue });
  return { i, r };
}

describe("HandshakeState", () => {
  it("a rejected message leaves the state unchanged: the genuine message is accepted afterwards", () => {
    const { i, r } = xx();
    const m0 = i.writeMessage(utf8("a"));
    expect(r.readMessage(m0)).toEqual(utf8("a"));
    const m1 = r.writeMessage(utf8("b"));
    const hashBefore = i.handshakeHash;
    for (let pos = 0; pos < m1.length; pos++) {
      const bad = m1.slice();
      bad[pos]! ^= 0x01;
      expect(["decrypt-failed", "invalid-key"]).toContain(code(() => i.readMessage(bad)));
      expect(i.handshakeHash).toEqual(hashBefore);
    }
    expect(code(() => i.readMessage(m1.subarray(0, 40)))).toBe("message-too-short");
    expect(i.readMessage(m1)).toEqual(utf8("b"));
    const m2 = i.writeMessage(utf8("c"));
    expect(r.readMessage(m2)).toEqual(utf8("c"));
    expect(i.isComplete && r.isComplete).toBe(true);
    expect(i.result!.handshakeHash).toEqual(r.result!.handshakeHash);
    expect(i.remoteStatic).toBeDefined();
  });

  it("refuses out-of-turn and after-completion calls", () => {
    const { i, r } = xx();
    expect(code(() => r.writeMessage())).toBe("wrong-turn");
    expect(code(() => i.readMessage(new Uint8Array(32)))).toBe("wrong-turn");
    r.readMessage(i.writeMessage());
    i.readMessage(r.writeMessage());
    r.readMessage(i.writeMessage());
    expect(code(() => i.writeMessage())).toBe("wrong-turn");
    expect(code(() => r.readMessage(new Uint8Array(100)))).toBe("wrong-turn");
  });

  it("different prologues or PSKs make the handshake fail", () => {
    const pattern = parseProtocolName("Noise_NNpsk0_25519_ChaChaPoly_BLAKE2b");
    const i = HandshakeState.initialize(c, { pattern, initiator: true, psks: [new Uint8Array(32).fill(1)] });
    const r = HandshakeState.initialize(c, { pattern, initiator: false, psks: [new Uint8Array(32).fill(2)] });
    expect(code(() => r.readMessage(i.writeMessage()))).toBe("decrypt-failed");
    const a = xx(utf8("one"));
    const b = xx(utf8("two"));
    // In a psk pattern "e" also runs MixKey, so even message 0's payload is authenticated (over the prologue).
    expect(code(() => b.r.readMessage(a.i.writeMessage()))).toBe("decrypt-failed");
  });

  it("missing keys and unknown protocols are typed errors", () => {
    const ik = parseProtocolName("Noise_IK_25519_ChaChaPoly_BLAKE2b");
    expect(code(() => HandshakeState.initialize(c, { pattern: ik, initiator: true }))).toBe("missing-key");
    const nn = parseProtocolName("Noise_NNpsk2_25519_ChaChaPoly_BLAKE2b");
    const i = HandshakeState.initialize(c, { pattern: nn, initiator: true });
    const r = HandshakeState.initialize(c, { pattern: nn, initiator: false });
    r.readMessage(i.writeMessage());
    expect(code(() => r.writeMessage())).toBe("missing-key");
    for (const name of [
      "Noise_XX_448_AESGCM_SHA256",
      "Noise_XX_25519_AESGCM_SHA3",
      "Noise_XX_25519_Salsa_SHA256",
      "Noise_XX_25519_ChaChaPoly_BLAKE2b_x",
      "Noise_ZZ_25519_ChaChaPoly_BLAKE2b",
      "Noise_NNpsk3_25519_ChaChaPoly_BLAKE2b",
      "XX",
      "",
    ]) {
      expect(code(() => parseProtocolName(name))).toBe("unsupported-protocol");
    }
    expect(parseProtocolName("Noise_XXpsk0+psk3_25519_ChaChaPoly_BLAKE2b").messages[0]).toEqual(["psk", "e"]);
    // The suite is read from the name: the pattern table is the same, the functions are the name's.
    const aes = parseProtocolName("Noise_XXpsk3_25519_AESGCM_SHA512");
    expect(aes.messages).toEqual(parseProtocolName("Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b").messages);
    expect([aes.suite.cipher.name, aes.suite.hash.name, aes.suite.hash.hashLen]).toEqual(["AESGCM", "SHA512", 64]);
  });
});

describe("CipherState", () => {
  it("a failed decryption does not advance the nonce", () => {
    const key = new Uint8Array(32).fill(3);
    const send = new CipherState(c, key);
    const receive = new CipherState(c, key);
    const m0 = send.encryptWithAd(utf8("ad"), utf8("zero"));
    const m1 = send.encryptWithAd(utf8("ad"), utf8("one"));
    expect(code(() => receive.decryptWithAd(utf8("ad"), m1))).toBe("decrypt-failed"); // out of order
    expect(code(() => receive.decryptWithAd(utf8("xx"), m0))).toBe("decrypt-failed"); // wrong AD
    expect(code(() => receive.decryptWithAd(utf8("ad"), m0.subarray(0, 15)))).toBe("decrypt-failed");
    expect(receive.nonce).toBe(0n);
    expect(receive.decryptWithAd(utf8("ad"), m0)).toEqual(utf8("zero"));
    expect(receive.decryptWithAd(utf8("ad"), m1)).toEqual(utf8("one"));
    expect(receive.nonce).toBe(2n);
  });

  it("refuses the reserved nonce 2^64 - 1 and rekeys identically on both sides", () => {
    const key = new Uint8Array(32).fill(4);
    const a = new CipherState(c, key, 2n ** 64n - 1n);
    expect(code(() => a.encryptWithAd(new Uint8Array(0), utf8("x")))).toBe("nonce-exhausted");
    const s = new CipherState(c, key);
    const r = new CipherState(c, key);
    s.rekey();
    r.rekey();
    expect(r.decryptWithAd(new Uint8Array(0), s.encryptWithAd(new Uint8Array(0), utf8("after")))).toEqual(
      utf8("after"),
    );
    const stale = new CipherState(c, key);
    expect(code(() => stale.decryptWithAd(new Uint8Array(0), s.encryptWithAd(new Uint8Array(0), utf8("y"))))).toBe(
      "decrypt-failed",
    );
  });
});
