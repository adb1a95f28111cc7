import { blake2b } from "@noble/hashes/blake2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { toHex, utf8 } from "@parley/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { blake2bFast } from "../../src/crypto/blake2b-fast.js";
import { keccak256Fast } from "../../src/crypto/keccak-fast.js";
import { seededRandom } from "../../src/crypto/random.js";
import { blake2bWasm, blake2bWasmAvailable } from "../../src/crypto/wasm/blake2b.js";
import { keccak256Wasm, keccakWasmAvailable } from "../../src/crypto/wasm/keccak.js";

const random = seededRandom("wasm-hashes");

/** The byte value of a small random draw, for lengths and choices. */
function draw(max: number): number {
  const b = random(2);
  return (b[0]! * 256 + b[1]!) % (max + 1);
}

function pad16(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  out.set(b);
  return out;
}

const wasmB2b = (d: Uint8Array, dkLen?: number, key?: Uint8Array, salt?: Uint8Array, pers?: Uint8Array) => {
  const out = blake2bWasm(d, dkLen, key, salt, pers);
  if (out === undefined) throw new Error("WebAssembly unavailable");
  return out;
};
const wasmKeccak = (d: Uint8Array) => {
  const out = keccak256Wasm(d);
  if (out === undefined) throw new Error("WebAssembly unavailable");
  return out;
};

describe("wasm hash kernels", () => {
  it("load under Node (the providers use them, not the JS fallback)", () => {
    expect(blake2bWasmAvailable()).toBe(true);
    expect(keccakWasmAvailable()).toBe(true);
  });

  it("BLAKE2b: every length 0..1100 with random key, salt, personalization and dkLen, against JS and noble", () => {
    for (let n = 0; n <= 1100; n++) {
      const data = random(n);
      const dkLen = 1 + draw(63);
      const key = draw(2) === 0 ? undefined : random(1 + draw(63));
      const salt = draw(1) === 0 ? undefined : pad16(random(draw(16)));
      const personalization = draw(1) === 0 ? undefined : pad16(random(draw(16)));
      const got = toHex(wasmB2b(data, dkLen, key, salt, personalization));
      expect(got, `length ${n}`).toBe(toHex(blake2bFast(data, dkLen, key, salt, personalization)));
      const want = blake2b(data, {
        dkLen,
        ...(key !== undefined && { key }),
        ...(salt !== undefined && { salt }),
        ...(personalization !== undefined && { personalization }),
      });
      expect(got, `length ${n}`).toBe(toHex(want));
    }
  });

  it("Keccak-256: every length 0..1100 against JS and noble", () => {
    for (let n = 0; n <= 1100; n++) {
      const data = random(n);
      const got = toHex(wasmKeccak(data));
      expect(got, `length ${n}`).toBe(toHex(keccak256Fast(data)));
      expect(got, `length ${n}`).toBe(toHex(keccak_256(data)));
    }
  });

  it("large inputs across the 64 KiB chunk boundaries, keyed and unkeyed", () => {
    const key = random(64);
    for (const n of [65535, 65536, 65537, 65416, 65417, 65416 * 2 + 135, 131072 + 128, 1 << 20, (5 << 20) + 3]) {
      const data = random(n);
      expect(toHex(wasmB2b(data, 16)), `length ${n}`).toBe(toHex(blake2b(data, { dkLen: 16 })));
      expect(toHex(wasmB2b(data, 64, key)), `keyed length ${n}`).toBe(toHex(blake2b(data, { key })));
      expect(toHex(wasmKeccak(data)), `length ${n}`).toBe(toHex(keccak_256(data)));
    }
  });

  it("random inputs (fast-check), interleaved so no state carries over between calls", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { nil: undefined }),
        (data, key) => {
          expect(toHex(wasmB2b(data, 32, key))).toBe(toHex(blake2bFast(data, 32, key)));
          expect(toHex(wasmKeccak(data))).toBe(toHex(keccak256Fast(data)));
          expect(toHex(wasmB2b(data))).toBe(toHex(blake2bFast(data)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("hash a subarray view by its own bytes only", () => {
    const big = Uint8Array.from({ length: 70000 }, (_, i) => i & 0xff);
    const view = big.subarray(17, 17 + 66000);
    expect(toHex(wasmB2b(view, 16))).toBe(toHex(blake2b(view.slice(), { dkLen: 16 })));
    expect(toHex(wasmKeccak(view))).toBe(toHex(keccak_256(view.slice())));
  });

  it("published vectors: RFC 7693 BLAKE2b-512('abc'), the BLAKE2 keyed KAT, Keccak-256 of '' and 'abc'", () => {
    expect(toHex(wasmB2b(utf8("abc")))).toBe(
      "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
    );
    const key64 = Uint8Array.from({ length: 64 }, (_, i) => i);
    expect(toHex(wasmB2b(Uint8Array.of(0), 64, key64))).toBe(
      "961f6dd1e4dd30f63901690c512e78e4b45e4742ed197c3c5e45c549fd25f2e4187b0bc9fe30492b16b0d0bc4ef9b0f34c7003fac09a5ef1532e69430234cebd",
    );
    expect(toHex(wasmKeccak(new Uint8Array(0)))).toBe(
      "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    );
    expect(toHex(wasmKeccak(utf8("abc")))).toBe("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  });
});
