/**
 * Noise's cipher and hash functions as data (Noise spec §4.2, §4.3, §12). A protocol name ends in its suite,
 * `25519_<cipher>_<hash>`, and that text alone selects the functions: ChaChaPoly or AESGCM, and BLAKE2b, BLAKE2s,
 * SHA256 or SHA512. The DH function is 25519 only (DHLEN 32).
 */
import type { CryptoProvider, HashName } from "../../crypto/provider.js";
import { NoiseError } from "./errors.js";

export type NoiseCipherName = "ChaChaPoly" | "AESGCM";
export type NoiseHashName = "BLAKE2b" | "BLAKE2s" | "SHA256" | "SHA512";

export interface NoiseCipher {
  readonly name: NoiseCipherName;
  /** ENCRYPT(k, n, ad, plaintext): ciphertext || 16-byte tag. */
  encrypt(crypto: CryptoProvider, k: Uint8Array, n: bigint, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** DECRYPT(k, n, ad, ciphertext). Throws CryptoError("auth-failed") when authentication fails. */
  decrypt(crypto: CryptoProvider, k: Uint8Array, n: bigint, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

export interface NoiseHash {
  readonly name: NoiseHashName;
  /** HASHLEN. */
  readonly hashLen: 32 | 64;
  hash(crypto: CryptoProvider, data: Uint8Array): Uint8Array;
  /** The provider's name of this hash, for HMAC-HASH and Noise's HKDF. */
  readonly hmac: HashName;
}

export interface NoiseSuite {
  /** The suite part of a protocol name, e.g. "25519_ChaChaPoly_BLAKE2b". */
  readonly name: string;
  readonly cipher: NoiseCipher;
  readonly hash: NoiseHash;
}

/** 32 bits of zeros, then the 64-bit counter: little-endian for ChaChaPoly, big-endian for AESGCM. */
function nonce(n: bigint, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(12);
  new DataView(out.buffer).setBigUint64(4, n, littleEndian);
  return out;
}

export const NOISE_CIPHERS: Readonly<Record<NoiseCipherName, NoiseCipher>> = {
  ChaChaPoly: {
    name: "ChaChaPoly",
    encrypt: (crypto, k, n, ad, plaintext) => crypto.aeadSeal(k, nonce(n, true), plaintext, ad),
    decrypt: (crypto, k, n, ad, ciphertext) => crypto.aeadOpen(k, nonce(n, true), ciphertext, ad),
  },
  AESGCM: {
    name: "AESGCM",
    encrypt: (crypto, k, n, ad, plaintext) => crypto.aesGcmSeal(k, nonce(n, false), plaintext, ad),
    decrypt: (crypto, k, n, ad, ciphertext) => crypto.aesGcmOpen(k, nonce(n, false), ciphertext, ad),
  },
};

export const NOISE_HASHES: Readonly<Record<NoiseHashName, NoiseHash>> = {
  BLAKE2b: { name: "BLAKE2b", hashLen: 64, hash: (crypto, data) => crypto.blake2b(data), hmac: "blake2b512" },
  BLAKE2s: { name: "BLAKE2s", hashLen: 32, hash: (crypto, data) => crypto.blake2s256(data), hmac: "blake2s256" },
  SHA256: { name: "SHA256", hashLen: 32, hash: (crypto, data) => crypto.sha256(data), hmac: "sha256" },
  SHA512: { name: "SHA512", hashLen: 64, hash: (crypto, data) => crypto.sha512(data), hmac: "sha512" },
};

/** Parses `25519_<cipher>_<hash>`; throws NoiseError("unsupported-protocol") for anything else. */
export function parseSuite(text: string): NoiseSuite {
  const [dh, cipher, hash, ...rest] = text.split("_");
  if (
    dh !== "25519" ||
    rest.length > 0 ||
    !Object.hasOwn(NOISE_CIPHERS, cipher ?? "") ||
    !Object.hasOwn(NOISE_HASHES, hash ?? "")
  ) {
    throw new NoiseError("unsupported-protocol", `unsupported Noise suite ${text}`);
  }
  return { name: text, cipher: NOISE_CIPHERS[cipher as NoiseCipherName], hash: NOISE_HASHES[hash as NoiseHashName] };
}

/** The suite of Parley's inbox and of every pattern that names none. */
export const DEFAULT_NOISE_SUITE: NoiseSuite = parseSuite("25519_ChaChaPoly_BLAKE2b");
