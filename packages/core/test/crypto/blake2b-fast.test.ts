import { blake2b } from "@noble/hashes/blake2.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { toHex, utf8 } from "@parley/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { blake2bFast, hkdfBlake2b512, hmacBlake2b512 } from "../../src/crypto/blake2b-fast.js";

/** RFC 7693 Appendix E: the deterministic input sequence of the self-test. */
function selftestSeq(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = Math.imul(0xdead4bad, seed) >>> 0;
  let b = 1;
  for (let i = 0; i < length; i++) {
    const t = (a + b) >>> 0;
    a = b;
    b = t;
    out[i] = (t >>> 24) & 0xff;
  }
  return out;
}

const key64 = Uint8Array.from({ length: 64 }, (_, i) => i);

describe("blake2bFast: known answers", () => {
  it("RFC 7693 Appendix A: BLAKE2b-512('abc')", () => {
    expect(toHex(blake2bFast(utf8("abc")))).toBe(
      "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
    );
  });

  it("RFC 7693 Appendix E self-test (lengths 0..1024, outputs 20..64, keyed and unkeyed)", () => {
    const parts: Uint8Array[] = [];
    for (const outlen of [20, 32, 48, 64]) {
      for (const inlen of [0, 3, 128, 129, 255, 1024]) {
        const input = selftestSeq(inlen, inlen);
        parts.push(blake2bFast(input, outlen));
        parts.push(blake2bFast(input, outlen, selftestSeq(outlen, outlen)));
      }
    }
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      all.set(p, off);
      off += p.length;
    }
    expect(toHex(blake2bFast(all, 32))).toBe("c23a7800d98123bd10f506c61e29da5603d763b8bbad2e737f5e765a7bccd475");
  });

  it("BLAKE2 reference keyed KAT (key 00..3f): empty input and one byte", () => {
    expect(toHex(blake2bFast(new Uint8Array(0), 64, key64))).toBe(
      "10ebb67700b1868efb4417987acf4690ae9d972fb7a590c2f02871799aaa4786b5e996e8f0f4eb981fc214b005f42d2ff4233499391653df7aefcbc13fc51568",
    );
    expect(toHex(blake2bFast(Uint8Array.of(0), 64, key64))).toBe(
      "961f6dd1e4dd30f63901690c512e78e4b45e4742ed197c3c5e45c549fd25f2e4187b0bc9fe30492b16b0d0bc4ef9b0f34c7003fac09a5ef1532e69430234cebd",
    );
  });
});

describe("blake2bFast: agrees with noble", () => {
  const bytes = (max: number) => fc.uint8Array({ maxLength: max });

  it("on random data, output lengths, keys, salts and personalizations", () => {
    fc.assert(
      fc.property(
        bytes(600),
        fc.integer({ min: 1, max: 64 }),
        fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { nil: undefined }),
        fc.option(bytes(16), { nil: undefined }),
        fc.option(bytes(16), { nil: undefined }),
        (data, dkLen, key, salt, personalization) => {
          const pad = (b: Uint8Array | undefined) => {
            if (b === undefined) return undefined;
            const out = new Uint8Array(16);
            out.set(b);
            return out;
          };
          const want = blake2b(data, {
            dkLen,
            ...(key !== undefined && { key }),
            ...(salt !== undefined && { salt: pad(salt)! }),
            ...(personalization !== undefined && { personalization: pad(personalization)! }),
          });
          // Short salts/personalizations are zero-padded by blake2bFast itself.
          expect(toHex(blake2bFast(data, dkLen, key, salt, personalization))).toBe(toHex(want));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("at every block boundary (127, 128, 129, 255, 256, 257 bytes), keyed and unkeyed", () => {
    const data = Uint8Array.from({ length: 520 }, (_, i) => (i * 7 + 3) & 0xff);
    const key = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    for (const n of [0, 1, 127, 128, 129, 255, 256, 257, 384, 385, 512]) {
      const d = data.subarray(0, n);
      expect(toHex(blake2bFast(d, 64))).toBe(toHex(blake2b(d)));
      expect(toHex(blake2bFast(d, 32, key))).toBe(toHex(blake2b(d, { dkLen: 32, key })));
    }
  });

  it("reads a subarray at any byte offset and leaves its input untouched", () => {
    const buffer = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const copy = buffer.slice();
    for (const off of [1, 2, 3, 5]) {
      const d = buffer.subarray(off, off + 200);
      expect(toHex(blake2bFast(d, 16))).toBe(toHex(blake2b(d, { dkLen: 16 })));
    }
    expect(buffer).toEqual(copy);
  });

  it("the ratchet chain KDF shape: empty input, 32-byte key, 'mk'/'ck' personalization", () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i * 3);
    for (const p of ["mk", "ck"]) {
      const personalization = new Uint8Array(16);
      personalization.set(utf8(p));
      expect(toHex(blake2bFast(new Uint8Array(0), 32, key, undefined, utf8(p)))).toBe(
        toHex(blake2b(new Uint8Array(0), { dkLen: 32, key, personalization })),
      );
    }
  });

  it("successive calls do not leak state (keyed then unkeyed equals unkeyed alone)", () => {
    const d = utf8("state");
    const alone = toHex(blake2bFast(d, 64));
    blake2bFast(d, 32, key64, utf8("salt"), utf8("pers"));
    expect(toHex(blake2bFast(d, 64))).toBe(alone);
  });
});

describe("HMAC / HKDF over blake2bFast agree with noble's generic HMAC / HKDF over BLAKE2b-512", () => {
  it("HMAC on random keys (including longer than the 128-byte block) and data", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 400 }), (key, data) => {
        expect(toHex(hmacBlake2b512(key, data))).toBe(toHex(hmac(blake2b, key, data)));
      }),
      { numRuns: 300 },
    );
  });

  it("HKDF on random inputs, salts (empty included) and lengths up to 4 blocks", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.integer({ min: 1, max: 256 }),
        (ikm, salt, info, length) => {
          expect(toHex(hkdfBlake2b512(ikm, salt, info, length))).toBe(toHex(hkdf(blake2b, ikm, salt, info, length)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("leaves its inputs untouched", () => {
    const key = Uint8Array.from({ length: 200 }, (_, i) => i);
    const data = utf8("data");
    const keyCopy = key.slice();
    hmacBlake2b512(key, data);
    hkdfBlake2b512(key, key, data, 100);
    expect(key).toEqual(keyCopy);
    expect(data).toEqual(utf8("data"));
  });
});
