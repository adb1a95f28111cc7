import { blake2s } from "@noble/hashes/blake2.js";
import { NobleCryptoProvider, toHex } from "@parley/core";
import { HintHasher, saltedHint, saltWords, u64be } from "@parley/core/internals";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { digestWords } from "../../src/crypto/hint-hash.js";

const crypto = new NobleCryptoProvider();

describe("HintHasher (BLAKE2s-256 specialised for hints)", () => {
  it("equals BLAKE2s-256(u64be(salt) || id) for ids of every length around the block boundaries", () => {
    for (let len = 0; len <= 200; len++) {
      const id = Uint8Array.from({ length: len }, (_, i) => (i * 37 + len) & 0xff);
      const salt = 0x8877665544332211n ^ BigInt(len);
      const expected = blake2s(Uint8Array.from([...u64be(salt), ...id]));
      expect(toHex(new HintHasher(id).digest(saltWords(salt))), `length ${len}`).toBe(toHex(expected));
    }
  });

  it("matches exactly the provider's saltedHint (property, random ids and salts)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 150 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (id, salt) => {
        const hint = saltedHint(crypto, salt, id);
        const hasher = new HintHasher(new TextEncoder().encode(id));
        const want = digestWords(Uint8Array.from(Buffer.from(hint, "hex")));
        expect(hasher.matches(saltWords(salt), want)).toBe(true);
        expect(hasher.matches(saltWords(salt ^ 1n), want)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
