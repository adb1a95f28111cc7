import { createPublicKey, verify } from "node:crypto";
import { NobleCryptoProvider, seededRandom, utf8, xeddsaEdwardsPublicKey } from "@parley/core";
import { describe, expect, it } from "vitest";

const SPKI_ED25519 = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

function nodeEd25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicKey]), format: "der", type: "spki" });
  return verify(null, message, key, signature);
}

describe("XEdDSA", () => {
  it("signatures verify under node:crypto's Ed25519 with the converted key", () => {
    const c = new NobleCryptoProvider({ random: seededRandom("xeddsa-node") });
    for (let i = 0; i < 20; i++) {
      const { publicKey, secretKey } = c.x25519GenerateKeyPair();
      const message = utf8(`logos_chatintro_1_${i}`);
      const sig = c.xeddsaSign(secretKey, message);
      expect(c.xeddsaVerify(publicKey, message, sig)).toBe(true);
      expect(nodeEd25519Verify(xeddsaEdwardsPublicKey(publicKey), message, sig)).toBe(true);
      const bad = sig.slice();
      bad[5]! ^= 1;
      expect(c.xeddsaVerify(publicKey, message, bad)).toBe(false);
      expect(nodeEd25519Verify(xeddsaEdwardsPublicKey(publicKey), message, bad)).toBe(false);
    }
  });
});
