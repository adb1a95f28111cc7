/**
 * The browser provider's agreement tests. This file imports nothing from Node, so the same tests run under
 * Node (its WebCrypto is OpenSSL) and in Chromium (BoringSSL), through packages/web/vitest.browser.config.ts.
 * WebCrypto and noble are independent implementations: agreement between them is a real check.
 */
import { gcm } from "@noble/ciphers/aes.js";
import { pbkdf2 } from "@noble/hashes/pbkdf2.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { CryptoError, fromHex, NobleCryptoProvider, toHex } from "@parley/core";
import { WebCryptoProvider } from "@parley/core/web";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const web = new WebCryptoProvider();
const noble = new NobleCryptoProvider();
const RUNS = { numRuns: 60, seed: 0x3eb } as const;
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const key32 = bytes(32, 32);

/** Both must return equal bytes (or booleans) or both throw a CryptoError with the same code. */
async function agree(sync: () => unknown, async: () => Promise<unknown>): Promise<void> {
  const outcome = async (f: () => unknown) => {
    try {
      const v = await f();
      return v instanceof Uint8Array ? `ok:${toHex(v)}` : `ok:${String(v)}`;
    } catch (e) {
      expect(e).toBeInstanceOf(CryptoError);
      return `err:${(e as CryptoError).code}`;
    }
  };
  expect(await outcome(async)).toBe(await outcome(sync));
}

describe("WebCryptoProvider: synchronous operations (noble) give the standard answers here", () => {
  it("X25519 (RFC 7748 §5.2), Ed25519 (RFC 8032 §7.1 test 1), ChaCha20-Poly1305 (RFC 8439 §2.8.2), SHA-256", () => {
    expect(
      toHex(
        web.x25519(
          fromHex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
          fromHex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"),
        ),
      ),
    ).toBe("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
    const seed = fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    expect(toHex(web.ed25519PublicKey(seed))).toBe("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    expect(toHex(web.ed25519Sign(seed, new Uint8Array(0)))).toBe(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
    const sealed = web.aeadSeal(
      fromHex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"),
      fromHex("070000004041424344454647"),
      new TextEncoder().encode(
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
      ),
      fromHex("50515253c0c1c2c3c4c5c6c7"),
    );
    expect(toHex(sealed.subarray(sealed.length - 16))).toBe("1ae10b594f09e26a7e902ecbd0600691");
    expect(toHex(web.sha256(new TextEncoder().encode("abc")))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("randomness comes from the platform and is not constant", () => {
    const a = web.randomBytes(32);
    const b = web.randomBytes(32);
    expect(a.length).toBe(32);
    expect(toHex(a)).not.toBe(toHex(b));
  });
});

describe("WebCryptoProvider.subtle (WebCrypto) agrees with the synchronous provider (noble)", () => {
  it("SHA-256", async () => {
    await fc.assert(
      fc.asyncProperty(bytes(0, 2000), (d) =>
        agree(
          () => noble.sha256(d),
          () => web.subtle.sha256(d),
        ),
      ),
      RUNS,
    );
  });

  it("X25519 with arbitrary public keys (on the curve, on the twist, low order: same answer or same error)", async () => {
    await fc.assert(
      fc.asyncProperty(key32, key32, (sk, pk) =>
        agree(
          () => noble.x25519(sk, pk),
          () => web.subtle.x25519(sk, pk),
        ),
      ),
      RUNS,
    );
  });

  it("X25519 refuses the low-order points as the synchronous provider does", async () => {
    const sk = new Uint8Array(32).fill(7);
    for (const hex of [
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ]) {
      await expect(web.subtle.x25519(sk, fromHex(hex))).rejects.toMatchObject({ code: "low-order-point" });
    }
  });

  it("Ed25519 signatures are identical, and both accept and reject the same ones", async () => {
    await fc.assert(
      fc.asyncProperty(key32, bytes(0, 300), fc.nat(63), async (sk, msg, flip) => {
        await agree(
          () => noble.ed25519Sign(sk, msg),
          () => web.subtle.ed25519Sign(sk, msg),
        );
        const pk = noble.ed25519PublicKey(sk);
        const sig = noble.ed25519Sign(sk, msg);
        expect(await web.subtle.ed25519Verify(pk, msg, sig)).toBe(true);
        const bad = sig.slice();
        bad[flip]! ^= 0x20;
        await agree(
          () => noble.ed25519Verify(pk, msg, bad),
          () => web.subtle.ed25519Verify(pk, msg, bad),
        );
      }),
      RUNS,
    );
  });

  it("Ed25519 verification of arbitrary keys and signatures, small-order keys and s >= L", async () => {
    await fc.assert(
      fc.asyncProperty(key32, bytes(0, 64), bytes(64, 64), (pk, msg, sig) =>
        agree(
          () => noble.ed25519Verify(pk, msg, sig),
          () => web.subtle.ed25519Verify(pk, msg, sig),
        ),
      ),
      RUNS,
    );
    // The identity key with (R = identity, s = 0) verifies every message under a plain cofactorless check.
    const identity = fromHex("0100000000000000000000000000000000000000000000000000000000000000");
    const forged = new Uint8Array(64);
    forged[0] = 1;
    expect(await web.subtle.ed25519Verify(identity, new Uint8Array([1]), forged)).toBe(false);
    const sk = new Uint8Array(32).fill(3);
    const msg = new Uint8Array([1, 2, 3]);
    const sig = noble.ed25519Sign(sk, msg);
    // s + L: the same point equation holds, but a strict verifier refuses the non-canonical scalar.
    const L = fromHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
    const high = sig.slice();
    let carry = 0;
    for (let i = 0; i < 32; i++) {
      const v = high[32 + i]! + L[i]! + carry;
      high[32 + i] = v & 0xff;
      carry = v >> 8;
    }
    expect(noble.ed25519Verify(noble.ed25519PublicKey(sk), msg, high)).toBe(false);
    expect(await web.subtle.ed25519Verify(noble.ed25519PublicKey(sk), msg, high)).toBe(false);
  });

  it("AES-256-GCM matches noble's, opens noble's, and refuses a changed byte", async () => {
    await fc.assert(
      fc.asyncProperty(
        key32,
        bytes(12, 12),
        bytes(0, 600),
        fc.option(bytes(0, 64), { nil: undefined }),
        fc.nat(),
        async (k, n, pt, ad, at) => {
          const key = await web.subtle.aesGcmKey(k);
          const sealed = await web.subtle.aesGcmSeal(key, n, pt, ad);
          expect(toHex(sealed)).toBe(toHex(gcm(k, n, ad).encrypt(pt)));
          expect(toHex(await web.subtle.aesGcmOpen(key, n, gcm(k, n, ad).encrypt(pt), ad))).toBe(toHex(pt));
          const bad = sealed.slice();
          bad[at % bad.length]! ^= 1;
          await expect(web.subtle.aesGcmOpen(key, n, bad, ad)).rejects.toMatchObject({ code: "auth-failed" });
        },
      ),
      RUNS,
    );
    const key = await web.subtle.aesGcmKey(new Uint8Array(32));
    await expect(web.subtle.aesGcmOpen(key, new Uint8Array(12), new Uint8Array(15))).rejects.toMatchObject({
      code: "auth-failed",
    });
  });

  it("PBKDF2-HMAC-SHA256: RFC 7914 §11 vector and agreement with noble", async () => {
    const out = await web.subtle.pbkdf2Sha256("passwd", new TextEncoder().encode("salt"), 1, 64);
    expect(toHex(out)).toBe(
      "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }),
        bytes(0, 32),
        fc.integer({ min: 1, max: 50 }),
        async (p, s, c) => {
          const expected = pbkdf2(sha256, new TextEncoder().encode(p), s, { c, dkLen: 32 });
          expect(toHex(await web.subtle.pbkdf2Sha256(p, s, c))).toBe(toHex(expected));
        },
      ),
      { ...RUNS, numRuns: 30 },
    );
    await expect(web.subtle.pbkdf2Sha256("", new Uint8Array(8), 1)).rejects.toMatchObject({ code: "invalid-input" });
    await expect(web.subtle.pbkdf2Sha256("x", new Uint8Array(8), 0)).rejects.toMatchObject({ code: "invalid-input" });
  });

  it("bad input gets the synchronous provider's typed errors, never a WebCrypto DOMException", async () => {
    await agree(
      () => noble.x25519(new Uint8Array(31), new Uint8Array(32)),
      () => web.subtle.x25519(new Uint8Array(31), new Uint8Array(32)),
    );
    await agree(
      () => noble.ed25519Verify(new Uint8Array(32), new Uint8Array(0), new Uint8Array(63)),
      () => web.subtle.ed25519Verify(new Uint8Array(32), new Uint8Array(0), new Uint8Array(63)),
    );
    await agree(
      () => noble.sha256("text" as unknown as Uint8Array),
      () => web.subtle.sha256("text" as unknown as Uint8Array),
    );
  });
});
