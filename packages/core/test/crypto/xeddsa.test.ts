import { createPublicKey, verify } from "node:crypto";
import { CryptoError, NobleCryptoProvider, utf8 } from "@parley/core";
import { xeddsaEdwardsPublicKey } from "@parley/core/internals";
import { NodeCryptoProvider } from "@parley/core/node";
import { seededRandom } from "@parley/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const SPKI_ED25519 = Buffer.from("302a300506032b6570032100", "hex");

/** node:crypto's standard (RFC 8032) Ed25519 verification, independent of our providers. */
function standardEd25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicKey]), format: "der", type: "spki" });
  return verify(null, message, key, signature);
}

const noble = new NobleCryptoProvider({ random: seededRandom("xeddsa/noble") });
const node = new NodeCryptoProvider({ random: seededRandom("xeddsa/node") });
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const message = fc.uint8Array({ maxLength: 200 });

describe("XEdDSA (XEd25519)", () => {
  it("signatures verify under node:crypto's standard Ed25519 with the converted key", () => {
    fc.assert(
      fc.property(key32, message, (sk, msg) => {
        const pk = noble.x25519PublicKey(sk);
        const edwards = xeddsaEdwardsPublicKey(pk);
        expect(edwards[31]! & 0x80).toBe(0);
        for (const signer of [noble, node]) {
          const sig = signer.xeddsaSign(sk, msg);
          expect(sig[63]! & 0x80).toBe(0);
          expect(standardEd25519Verify(edwards, msg, sig)).toBe(true);
        }
      }),
      { numRuns: 60, seed: 1 },
    );
  });

  it("signatures from either provider verify under the other, and tampering is detected by both", () => {
    fc.assert(
      fc.property(key32, message, fc.nat(63), fc.integer({ min: 0, max: 7 }), (sk, msg, pos, bit) => {
        const pk = node.x25519PublicKey(sk);
        const fromNoble = noble.xeddsaSign(sk, msg);
        const fromNode = node.xeddsaSign(sk, msg);
        expect(node.xeddsaVerify(pk, msg, fromNoble)).toBe(true);
        expect(noble.xeddsaVerify(pk, msg, fromNode)).toBe(true);
        expect(noble.xeddsaVerify(pk, msg, fromNoble)).toBe(true);
        expect(node.xeddsaVerify(pk, msg, fromNode)).toBe(true);
        const bad = fromNoble.slice();
        bad[pos]! ^= 1 << bit;
        expect(node.xeddsaVerify(pk, msg, bad)).toBe(false);
        expect(noble.xeddsaVerify(pk, msg, bad)).toBe(false);
        const otherMsg = Uint8Array.from([...msg, 0]);
        expect(node.xeddsaVerify(pk, otherMsg, fromNoble)).toBe(false);
        expect(noble.xeddsaVerify(pk, otherMsg, fromNode)).toBe(false);
      }),
      { numRuns: 60, seed: 2 },
    );
  });

  it("signing is randomized (64 random bytes Z) yet each signature verifies", () => {
    const sk = noble.x25519GenerateKeyPair().secretKey;
    const msg = utf8("logos_chatintro_1_");
    const a = noble.xeddsaSign(sk, msg);
    const b = noble.xeddsaSign(sk, msg);
    expect(a).not.toEqual(b);
    const pk = noble.x25519PublicKey(sk);
    expect(noble.xeddsaVerify(pk, msg, a) && noble.xeddsaVerify(pk, msg, b)).toBe(true);
  });

  it("the same seeded randomness gives the same signature in both providers", () => {
    const a = new NobleCryptoProvider({ random: seededRandom("z") });
    const b = new NodeCryptoProvider({ random: seededRandom("z") });
    const sk = new Uint8Array(32).fill(7);
    expect(a.xeddsaSign(sk, utf8("m"))).toEqual(b.xeddsaSign(sk, utf8("m")));
  });

  it("a set sign bit in sig[63] selects the other Edwards key (libchat's verifier), so a spec signature fails", () => {
    const sk = new Uint8Array(32).fill(9);
    const pk = node.x25519PublicKey(sk);
    const sig = node.xeddsaSign(sk, utf8("hello"));
    const flipped = sig.slice();
    flipped[63]! |= 0x80;
    expect(node.xeddsaVerify(pk, utf8("hello"), flipped)).toBe(false);
    expect(noble.xeddsaVerify(pk, utf8("hello"), flipped)).toBe(false);
  });

  it("keys with no Edwards form and wrong lengths are refused with typed errors", () => {
    const minusOne = new Uint8Array(32).fill(0xff);
    minusOne[0] = 0xec;
    minusOne[31] = 0x7f; // p - 1
    expect(() => xeddsaEdwardsPublicKey(minusOne)).toThrow(CryptoError);
    expect(() => xeddsaEdwardsPublicKey(new Uint8Array(31))).toThrow(CryptoError);
    const sig = new Uint8Array(64);
    for (const c of [noble, node]) {
      expect(c.xeddsaVerify(minusOne, utf8("m"), sig)).toBe(false);
      expect(c.xeddsaVerify(new Uint8Array(32).fill(0xff), utf8("m"), sig)).toBe(false); // u >= p
    }
  });
});
