/**
 * The MLS suite's hash, KDF and signature on Parley's CryptoProvider (node:crypto in Node, noble elsewhere).
 * ts-mls's own implementations go through WebCrypto wherever it exists, importing a key for every HMAC and
 * every signature and awaiting each operation on a worker: most of the time of a group message at 10 members
 * (issue 17). These are the same algorithms with deterministic outputs (HMAC-SHA-256, RFC 5869 HKDF, RFC 8032
 * Ed25519), so the bytes on the wire and in the store do not change (test/group-v1/suite.test.ts). HPKE and
 * the AEAD stay ts-mls's. Only the suites on SHA-256 and Ed25519 are served; any other keeps ts-mls's own.
 */
import type { CiphersuiteImpl, CiphersuiteName } from "ts-mls";
import { concatBytes, constantTimeEqual } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";

const SERVED: readonly CiphersuiteName[] = [
  "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
  "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519",
];

/** How ts-mls's WebCrypto keygen exports an Ed25519 signing key (PKCS#8): this prefix, then the 32-byte seed. */
const PKCS8_ED25519 = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
);
const HASH_LEN = 32;

/** The 32-byte seed of a signing key in either form ts-mls keeps (raw, or PKCS#8 from its WebCrypto keygen). */
function seedOf(signKey: Uint8Array): Uint8Array {
  if (signKey.length === 32) return signKey;
  const prefix = signKey.subarray(0, PKCS8_ED25519.length);
  if (signKey.length !== PKCS8_ED25519.length + 32 || !constantTimeEqual(prefix, PKCS8_ED25519))
    throw new Error("unsupported Ed25519 signing key encoding");
  return signKey.subarray(PKCS8_ED25519.length);
}

export function providerSuite(base: CiphersuiteImpl, crypto: CryptoProvider): CiphersuiteImpl {
  if (!SERVED.includes(base.name)) return base;
  const mac = (key: Uint8Array, data: Uint8Array) => crypto.hmac("sha256", key, data);
  return {
    ...base,
    hash: {
      digest: async (data) => crypto.sha256(data),
      mac: async (key, data) => mac(key, data),
      verifyMac: async (key, tag, data) => constantTimeEqual(mac(key, data), tag),
    },
    kdf: {
      size: HASH_LEN,
      // RFC 5869: an absent salt is HashLen zeros. Like ts-mls's (@hpke's) HKDF, any other length is refused.
      extract: async (salt, ikm) => {
        if (salt.length !== 0 && salt.length !== HASH_LEN) throw new Error("HKDF salt must be HashLen bytes");
        return mac(salt.length > 0 ? salt : new Uint8Array(HASH_LEN), ikm);
      },
      expand: async (prk, info, length) => {
        if (length > 255 * HASH_LEN) throw new Error("HKDF-Expand length too large");
        const out = new Uint8Array(length);
        let block: Uint8Array = new Uint8Array(0);
        for (let i = 0, at = 0; at < length; i++) {
          block = mac(prk, concatBytes(block, info, Uint8Array.of(i + 1)));
          out.set(block.subarray(0, Math.min(HASH_LEN, length - at)), at);
          at += HASH_LEN;
        }
        return out;
      },
    },
    signature: {
      sign: async (signKey, message) => crypto.ed25519Sign(seedOf(signKey), message),
      // A key or signature of the wrong length is a failed verification, as with WebCrypto's refusal.
      verify: async (publicKey, message, signature) => {
        if (publicKey.length !== 32 || signature.length !== 64) return false;
        try {
          return crypto.ed25519Verify(publicKey, message, signature);
        } catch {
          return false; // a public key that is no curve point
        }
      },
      keygen: async () => {
        const k = crypto.ed25519GenerateKeyPair();
        // Kept in ts-mls's own form, so a state written here reads the same under either implementation.
        return { publicKey: k.publicKey, signKey: concatBytes(PKCS8_ED25519, k.secretKey) };
      },
    },
  };
}
