import { CryptoError, type CryptoErrorCode, type CryptoProvider, type HashName } from "@parley/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bothProviders, hex } from "./providers.js";

function codeOf(f: () => unknown): CryptoErrorCode | "no-error" {
  try {
    f();
    return "no-error";
  } catch (e) {
    if (!(e instanceof CryptoError)) throw new Error(`not a CryptoError: ${String(e)}`);
    return e.code;
  }
}

const P = 2n ** 255n - 19n;
function le(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}
function withHighBit(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out[31]! |= 0x80;
  return out;
}

// Small-order u-coordinates (order dividing 8, on the curve or its twist), and non-canonical encodings of them.
const ORDER_8_A = hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
const ORDER_8_B = hex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157");
const LOW_ORDER = [le(0n), le(1n), le(P - 1n), ORDER_8_A, ORDER_8_B, le(P), le(P + 1n)];
const LOW_ORDER_ALL = [...LOW_ORDER, ...LOW_ORDER.map(withHighBit)];

const key = new Uint8Array(32).fill(1);
const nonce = new Uint8Array(12);
const lengths = [0, 1, 16, 31, 33, 64];

describe.each(bothProviders("bad-input"))("bad input gives typed errors ($name)", (c: CryptoProvider) => {
  it("wrong key lengths", () => {
    for (const n of lengths) {
      const k = new Uint8Array(n).fill(9);
      expect(codeOf(() => c.x25519PublicKey(k))).toBe("invalid-key-length");
      expect(codeOf(() => c.x25519(k, key))).toBe("invalid-key-length");
      expect(codeOf(() => c.x25519(key, k))).toBe("invalid-key-length");
      expect(codeOf(() => c.ed25519PublicKey(k))).toBe("invalid-key-length");
      expect(codeOf(() => c.ed25519Sign(k, key))).toBe("invalid-key-length");
      expect(codeOf(() => c.ed25519Verify(k, key, new Uint8Array(64)))).toBe("invalid-key-length");
      expect(codeOf(() => c.xeddsaSign(k, key))).toBe("invalid-key-length");
      expect(codeOf(() => c.xeddsaVerify(k, key, new Uint8Array(64)))).toBe("invalid-key-length");
      expect(codeOf(() => c.aeadSeal(k, nonce, key))).toBe("invalid-key-length");
      expect(codeOf(() => c.aeadOpen(k, nonce, new Uint8Array(40)))).toBe("invalid-key-length");
      expect(codeOf(() => c.aesGcmSeal(k, nonce, key))).toBe("invalid-key-length");
      expect(codeOf(() => c.aesGcmOpen(k, nonce, new Uint8Array(40)))).toBe("invalid-key-length");
    }
  });

  it("wrong nonce and signature lengths", () => {
    for (const n of [0, 8, 11, 13, 24]) {
      expect(codeOf(() => c.aeadSeal(key, new Uint8Array(n), key))).toBe("invalid-nonce-length");
      expect(codeOf(() => c.aeadOpen(key, new Uint8Array(n), new Uint8Array(40)))).toBe("invalid-nonce-length");
      expect(codeOf(() => c.aesGcmSeal(key, new Uint8Array(n), key))).toBe("invalid-nonce-length");
      expect(codeOf(() => c.aesGcmOpen(key, new Uint8Array(n), new Uint8Array(40)))).toBe("invalid-nonce-length");
    }
    for (const n of [0, 32, 63, 65]) {
      expect(codeOf(() => c.ed25519Verify(key, key, new Uint8Array(n)))).toBe("invalid-signature-length");
      expect(codeOf(() => c.xeddsaVerify(key, key, new Uint8Array(n)))).toBe("invalid-signature-length");
    }
  });

  it("X25519 refuses every low-order point, including non-canonical and high-bit encodings", () => {
    expect(LOW_ORDER_ALL).toHaveLength(14);
    for (const sk of [key, new Uint8Array(32).fill(0xa5)]) {
      for (const u of LOW_ORDER_ALL) expect(codeOf(() => c.x25519(sk, u))).toBe("low-order-point");
    }
    // A valid point next to them still works (the filter is not over-broad).
    expect(codeOf(() => c.x25519(key, le(9n)))).toBe("no-error");
    expect(codeOf(() => c.x25519(key, le(2n)))).toBe("no-error");
  });

  it.each([
    ["ChaCha20-Poly1305", c.aeadSeal.bind(c), c.aeadOpen.bind(c)],
    ["AES-256-GCM", c.aesGcmSeal.bind(c), c.aesGcmOpen.bind(c)],
  ] as const)("truncated or modified %s ciphertexts fail with auth-failed", (_, seal, open) => {
    const sealed = seal(key, nonce, new Uint8Array(40).fill(3), key);
    for (let n = 0; n < sealed.length; n++) {
      expect(codeOf(() => open(key, nonce, sealed.subarray(0, n), key))).toBe("auth-failed");
    }
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i]! ^= 0x80;
      expect(codeOf(() => open(key, nonce, bad, key))).toBe("auth-failed");
    }
    expect(codeOf(() => open(key, nonce, sealed))).toBe("auth-failed"); // missing AAD
    expect(codeOf(() => open(key, new Uint8Array(12).fill(1), sealed, key))).toBe("auth-failed");
    expect(codeOf(() => open(key, nonce, sealed, key))).toBe("no-error");
  });

  it("BLAKE2b option ranges", () => {
    const d = new Uint8Array(3);
    for (const dkLen of [0, 65, -1, 1.5, Number.NaN]) {
      expect(codeOf(() => c.blake2b(d, { dkLen }))).toBe("invalid-option");
    }
    expect(codeOf(() => c.blake2b(d, { key: new Uint8Array(65) }))).toBe("invalid-option");
    expect(codeOf(() => c.blake2b(d, { salt: new Uint8Array(17) }))).toBe("invalid-option");
    expect(codeOf(() => c.blake2b(d, { personalization: new Uint8Array(17) }))).toBe("invalid-option");
    expect(codeOf(() => c.blake2b(d, { dkLen: 1, key: new Uint8Array(64) }))).toBe("no-error");
    expect(c.blake2b(d, { dkLen: 17 })).toHaveLength(17);
  });

  it("HMAC/HKDF hash names and output lengths", () => {
    expect(codeOf(() => c.hmac("md5" as HashName, key, key))).toBe("invalid-option");
    expect(codeOf(() => c.hkdf("sha1" as HashName, key, key, key, 32))).toBe("invalid-option");
    expect(codeOf(() => c.hkdf("sha256", key, key, key, 0))).toBe("invalid-length");
    expect(codeOf(() => c.hkdf("sha256", key, key, key, 255 * 32 + 1))).toBe("invalid-length");
    expect(codeOf(() => c.hkdf("blake2b512", key, key, key, 255 * 64 + 1))).toBe("invalid-length");
    expect(codeOf(() => c.hkdf("blake2b512", key, key, key, 255 * 64))).toBe("no-error");
    expect(codeOf(() => c.hkdf("sha512", key, key, key, 255 * 64 + 1))).toBe("invalid-length");
    expect(codeOf(() => c.hkdf("sha512", key, key, key, 255 * 64))).toBe("no-error");
    expect(codeOf(() => c.randomBytes(-1))).toBe("invalid-length");
  });

  it("non-byte arguments are refused with invalid-input, never a TypeError", () => {
    const junk = [undefined, null, "abc", 42, [1, 2, 3], {}] as unknown as Uint8Array[];
    for (const j of junk) {
      expect(codeOf(() => c.x25519(j, key))).toBe("invalid-input");
      expect(codeOf(() => c.ed25519Sign(key, j))).toBe("invalid-input");
      expect(codeOf(() => c.sha256(j))).toBe("invalid-input");
      expect(codeOf(() => c.sha512(j))).toBe("invalid-input");
      expect(codeOf(() => c.blake2b(j))).toBe("invalid-input");
      expect(codeOf(() => c.hkdf("sha256", j, key, key, 32))).toBe("invalid-input");
      expect(codeOf(() => c.aeadSeal(key, nonce, j))).toBe("invalid-input");
      expect(codeOf(() => c.aesGcmSeal(key, nonce, j))).toBe("invalid-input");
    }
  });

  it("random garbage of any length never throws anything but a CryptoError", () => {
    const anyBytes = fc.uint8Array({ maxLength: 80 });
    fc.assert(
      fc.property(anyBytes, anyBytes, anyBytes, anyBytes, (a, b, d, e) => {
        codeOf(() => c.x25519(a, b));
        codeOf(() => c.x25519PublicKey(a));
        codeOf(() => c.ed25519PublicKey(a));
        codeOf(() => c.ed25519Sign(a, b));
        codeOf(() => c.ed25519Verify(a, b, d));
        codeOf(() => c.xeddsaSign(a, b));
        codeOf(() => c.xeddsaVerify(a, b, d));
        codeOf(() => c.aeadSeal(a, b, d, e));
        codeOf(() => c.aeadOpen(a, b, d, e));
        codeOf(() => c.aesGcmSeal(a, b, d, e));
        codeOf(() => c.aesGcmOpen(a, b, d, e));
        codeOf(() => c.blake2b(a, { key: b, salt: d, personalization: e, dkLen: a.length }));
        codeOf(() => c.hkdf("blake2b512", a, b, d, e.length));
      }),
      { numRuns: 300, seed: 3 },
    );
  });
});
