import { keccak_256 } from "@noble/hashes/sha3.js";
import { toHex, utf8 } from "@parley/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keccak256Fast } from "../../src/crypto/keccak-fast.js";

describe("keccak256Fast", () => {
  it("known answers (Keccak padding, not SHA3)", () => {
    expect(toHex(keccak256Fast(new Uint8Array(0)))).toBe(
      "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    );
    expect(toHex(keccak256Fast(utf8("abc")))).toBe("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  });

  it("agrees with @noble/hashes at every length around the 136-byte rate boundaries", () => {
    for (let n = 0; n <= 3 * 136 + 2; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff);
      expect(toHex(keccak256Fast(data)), `length ${n}`).toBe(toHex(keccak_256(data)));
    }
  });

  it("agrees with @noble/hashes on random inputs and leaves no state behind between calls", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
        expect(toHex(keccak256Fast(a))).toBe(toHex(keccak_256(a)));
        expect(toHex(keccak256Fast(b))).toBe(toHex(keccak_256(b)));
      }),
      { numRuns: 300 },
    );
  });

  it("hashes a subarray view by its own bytes only", () => {
    const big = Uint8Array.from({ length: 400 }, (_, i) => i & 0xff);
    const view = big.subarray(17, 17 + 150);
    expect(toHex(keccak256Fast(view))).toBe(toHex(keccak_256(view.slice())));
  });
});
