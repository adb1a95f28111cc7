import { CryptoError, type HashName, NobleCryptoProvider, toHex } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

// Both providers must produce identical bytes for every deterministic primitive (property tests over random
// inputs). node:crypto (OpenSSL) and noble are independent implementations, so agreement is a real check.
const noble = new NobleCryptoProvider();
const node = new NodeCryptoProvider();

const RUNS = { numRuns: 200, seed: 0x5eed } as const;
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const key32 = bytes(32, 32);
const hashName = fc.constantFrom<HashName>("sha256", "sha512", "blake2b512", "blake2s256");

/** Runs both sides; they must both return equal bytes or both throw the same CryptoError code. */
function same<T>(f: (c: NobleCryptoProvider | NodeCryptoProvider) => T): void {
  const outcome = (c: NobleCryptoProvider | NodeCryptoProvider) => {
    try {
      const v = f(c);
      return v instanceof Uint8Array ? `ok:${toHex(v)}` : `ok:${String(v)}`;
    } catch (e) {
      expect(e).toBeInstanceOf(CryptoError);
      return `err:${(e as CryptoError).code}`;
    }
  };
  expect(outcome(node)).toBe(outcome(noble));
}

describe("node and noble providers agree byte for byte", () => {
  it("X25519 public keys", () => {
    fc.assert(
      fc.property(key32, (sk) => same((c) => c.x25519PublicKey(sk))),
      RUNS,
    );
  });

  it("X25519 DH with arbitrary 32-byte public keys (points on the curve and on the twist)", () => {
    fc.assert(
      fc.property(key32, key32, (sk, pk) => same((c) => c.x25519(sk, pk))),
      RUNS,
    );
  });

  it("X25519 DH between generated key pairs is symmetric across providers", () => {
    fc.assert(
      fc.property(key32, key32, (a, b) => {
        const shared = node.x25519(a, noble.x25519PublicKey(b));
        expect(noble.x25519(b, node.x25519PublicKey(a))).toEqual(shared);
      }),
      { ...RUNS, numRuns: 100 },
    );
  });

  it("Ed25519 public keys, signatures and verification", () => {
    fc.assert(
      fc.property(key32, bytes(0, 300), fc.nat(63), (sk, msg, flip) => {
        same((c) => c.ed25519PublicKey(sk));
        same((c) => c.ed25519Sign(sk, msg));
        const pk = noble.ed25519PublicKey(sk);
        const sig = node.ed25519Sign(sk, msg);
        expect(noble.ed25519Verify(pk, msg, sig)).toBe(true);
        expect(node.ed25519Verify(pk, msg, sig)).toBe(true);
        const bad = sig.slice();
        bad[flip]! ^= 0x20;
        same((c) => c.ed25519Verify(pk, msg, bad));
        expect(node.ed25519Verify(pk, msg, bad)).toBe(false);
      }),
      { ...RUNS, numRuns: 100 },
    );
  });

  it("Ed25519 verification of arbitrary bytes (random public keys and signatures)", () => {
    fc.assert(
      fc.property(key32, bytes(0, 64), bytes(64, 64), (pk, msg, sig) => same((c) => c.ed25519Verify(pk, msg, sig))),
      RUNS,
    );
  });

  it("ChaCha20-Poly1305 seal, and open by the other provider", () => {
    fc.assert(
      fc.property(key32, bytes(12, 12), bytes(0, 600), fc.option(bytes(0, 100), { nil: undefined }), (k, n, pt, ad) => {
        same((c) => c.aeadSeal(k, n, pt, ad));
        expect(node.aeadOpen(k, n, noble.aeadSeal(k, n, pt, ad), ad)).toEqual(pt);
        expect(noble.aeadOpen(k, n, node.aeadSeal(k, n, pt, ad), ad)).toEqual(pt);
      }),
      RUNS,
    );
  });

  it("ChaCha20-Poly1305 open of arbitrary ciphertexts (both refuse with auth-failed)", () => {
    fc.assert(
      fc.property(key32, bytes(12, 12), bytes(0, 80), (k, n, ct) => same((c) => c.aeadOpen(k, n, ct))),
      RUNS,
    );
  });

  it("AES-256-GCM seal, and open by the other provider", () => {
    fc.assert(
      fc.property(key32, bytes(12, 12), bytes(0, 600), fc.option(bytes(0, 100), { nil: undefined }), (k, n, pt, ad) => {
        same((c) => c.aesGcmSeal(k, n, pt, ad));
        expect(node.aesGcmOpen(k, n, noble.aesGcmSeal(k, n, pt, ad), ad)).toEqual(pt);
        expect(noble.aesGcmOpen(k, n, node.aesGcmSeal(k, n, pt, ad), ad)).toEqual(pt);
      }),
      RUNS,
    );
  });

  it("AES-256-GCM open of arbitrary ciphertexts (both refuse with auth-failed)", () => {
    fc.assert(
      fc.property(key32, bytes(12, 12), bytes(0, 80), (k, n, ct) => same((c) => c.aesGcmOpen(k, n, ct))),
      RUNS,
    );
  });

  it("BLAKE2b-512 (the node fast path)", () => {
    fc.assert(
      fc.property(bytes(0, 1000), (d) => same((c) => c.blake2b(d))),
      RUNS,
    );
  });

  it("BLAKE2b with any length, key, salt and personalization", () => {
    const options = fc.record(
      {
        dkLen: fc.integer({ min: 1, max: 64 }),
        key: bytes(0, 64),
        salt: bytes(0, 16),
        personalization: bytes(0, 16),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(bytes(0, 300), options, (d, o) => same((c) => c.blake2b(d, o))),
      RUNS,
    );
  });

  it("BLAKE2s-256, SHA-256, SHA-512, Keccak-256", () => {
    fc.assert(
      fc.property(bytes(0, 1000), (d) => {
        same((c) => c.blake2s256(d));
        same((c) => c.sha256(d));
        same((c) => c.sha512(d));
        same((c) => c.keccak256(d));
      }),
      RUNS,
    );
  });

  it("HMAC over SHA-256, SHA-512, BLAKE2b-512, BLAKE2s-256 (keys shorter and longer than a block)", () => {
    fc.assert(
      fc.property(hashName, bytes(0, 200), bytes(0, 300), (h, k, d) => same((c) => c.hmac(h, k, d))),
      RUNS,
    );
  });

  it("HKDF over SHA-256, SHA-512, BLAKE2b-512, BLAKE2s-256 (any valid length, long infos)", () => {
    fc.assert(
      fc.property(
        hashName,
        bytes(0, 100),
        bytes(0, 100),
        fc.oneof(bytes(0, 100), bytes(1020, 1100)),
        fc.integer({ min: 1, max: 255 * 32 }),
        (h, ikm, salt, info, length) => same((c) => c.hkdf(h, ikm, salt, info, length)),
      ),
      { ...RUNS, numRuns: 150 },
    );
  });
});
