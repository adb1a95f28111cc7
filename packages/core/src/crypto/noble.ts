/**
 * The pure-JavaScript provider (noble), for browsers and as the reference the node:crypto provider is tested
 * against. Byte-for-byte identical to `NodeCryptoProvider`.
 */
import { gcm } from "@noble/ciphers/aes.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { blake2b, blake2s } from "@noble/hashes/blake2.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { hkdfBlake2b512, hmacBlake2b512 } from "./blake2b-fast.js";
import { ed25519VerifyStrict } from "./ed25519.js";
import { CryptoError } from "./errors.js";
import { blake2bKernel, keccak256Kernel } from "./hash-kernels.js";
import type {
  Blake2bOptions,
  CryptoProvider,
  Ed25519KeyPair,
  HashName,
  RandomSource,
  X25519KeyPair,
} from "./provider.js";
import { defaultRandom } from "./random.js";
import {
  isAllZero,
  type NormalizedBlake2b,
  normalizeBlake2b,
  requireBytes,
  requireHashName,
  requireHkdfLength,
  requireKey,
  requireNonce,
  requireNotLowOrder,
  requireOptionalBytes,
  requireSignature,
} from "./validate.js";
import { xeddsaSignRaw, xeddsaVerifyInputs } from "./xeddsa.js";

export interface CryptoProviderOptions {
  /** Randomness for key generation and XEdDSA's Z; defaults to the platform CSPRNG. */
  readonly random?: RandomSource;
}

const TAG_LENGTH = 16;

const HASHES = { sha256, sha512, blake2b512: blake2b, blake2s256: blake2s } as const;

export class NobleCryptoProvider implements CryptoProvider {
  readonly name: string = "noble";
  readonly #random: RandomSource;

  constructor(options: CryptoProviderOptions = {}) {
    this.#random = options.random ?? defaultRandom;
  }

  randomBytes(length: number): Uint8Array {
    return this.#random(length);
  }

  x25519GenerateKeyPair(): X25519KeyPair {
    const secretKey = this.#random(32);
    return { publicKey: this.x25519PublicKey(secretKey), secretKey };
  }

  x25519PublicKey(secretKey: Uint8Array): Uint8Array {
    requireKey(secretKey, 32, "X25519 secret key");
    return x25519.getPublicKey(secretKey);
  }

  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    requireKey(secretKey, 32, "X25519 secret key");
    requireKey(publicKey, 32, "X25519 public key");
    requireNotLowOrder(publicKey);
    let shared: Uint8Array;
    try {
      shared = x25519.getSharedSecret(secretKey, publicKey);
    } catch {
      throw new CryptoError("low-order-point", "X25519 result is all zeros");
    }
    if (isAllZero(shared)) throw new CryptoError("low-order-point", "X25519 result is all zeros");
    return shared;
  }

  ed25519GenerateKeyPair(): Ed25519KeyPair {
    const secretKey = this.#random(32);
    return { publicKey: this.ed25519PublicKey(secretKey), secretKey };
  }

  ed25519PublicKey(secretKey: Uint8Array): Uint8Array {
    requireKey(secretKey, 32, "Ed25519 secret key");
    return ed25519.getPublicKey(secretKey);
  }

  ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
    requireKey(secretKey, 32, "Ed25519 secret key");
    requireBytes(message, "message");
    return ed25519.sign(message, secretKey);
  }

  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    requireKey(publicKey, 32, "Ed25519 public key");
    requireBytes(message, "message");
    requireSignature(signature);
    return strictVerify(publicKey, message, signature);
  }

  xeddsaSign(x25519SecretKey: Uint8Array, message: Uint8Array): Uint8Array {
    requireKey(x25519SecretKey, 32, "X25519 secret key");
    requireBytes(message, "message");
    const z = this.#random(64);
    try {
      return xeddsaSignRaw(x25519SecretKey, message, z);
    } finally {
      z.fill(0);
    }
  }

  xeddsaVerify(x25519PublicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    requireKey(x25519PublicKey, 32, "X25519 public key");
    requireBytes(message, "message");
    requireSignature(signature);
    const inputs = xeddsaVerifyInputs(x25519PublicKey, signature);
    if (inputs === undefined) return false;
    return strictVerify(inputs.edwardsPublic, message, inputs.signature);
  }

  aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    requireKey(key, 32, "ChaCha20-Poly1305 key");
    requireNonce(nonce, 12);
    requireBytes(plaintext, "plaintext");
    const ad = requireOptionalBytes(aad, "associated data");
    return chacha20poly1305(key, nonce, ad).encrypt(plaintext);
  }

  aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array {
    requireKey(key, 32, "ChaCha20-Poly1305 key");
    requireNonce(nonce, 12);
    requireBytes(ciphertext, "ciphertext");
    const ad = requireOptionalBytes(aad, "associated data");
    if (ciphertext.length < TAG_LENGTH) throw new CryptoError("auth-failed", "ciphertext shorter than the tag");
    try {
      return chacha20poly1305(key, nonce, ad).decrypt(ciphertext);
    } catch {
      throw new CryptoError("auth-failed", "authentication failed");
    }
  }

  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    requireKey(key, 32, "AES-256-GCM key");
    requireNonce(nonce, 12);
    requireBytes(plaintext, "plaintext");
    const ad = requireOptionalBytes(aad, "associated data");
    return gcm(key, nonce, ad).encrypt(plaintext);
  }

  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array {
    requireKey(key, 32, "AES-256-GCM key");
    requireNonce(nonce, 12);
    requireBytes(ciphertext, "ciphertext");
    const ad = requireOptionalBytes(aad, "associated data");
    if (ciphertext.length < TAG_LENGTH) throw new CryptoError("auth-failed", "ciphertext shorter than the tag");
    try {
      return gcm(key, nonce, ad).decrypt(ciphertext);
    } catch {
      throw new CryptoError("auth-failed", "authentication failed");
    }
  }

  blake2b(data: Uint8Array, options?: Blake2bOptions): Uint8Array {
    requireBytes(data, "data");
    return blake2bNormalized(data, normalizeBlake2b(options));
  }

  blake2s256(data: Uint8Array): Uint8Array {
    return blake2s(requireBytes(data, "data"));
  }

  sha256(data: Uint8Array): Uint8Array {
    return sha256(requireBytes(data, "data"));
  }

  sha512(data: Uint8Array): Uint8Array {
    return sha512(requireBytes(data, "data"));
  }

  keccak256(data: Uint8Array): Uint8Array {
    return keccak256Kernel(requireBytes(data, "data"));
  }

  hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
    const name = requireHashName(hash);
    requireBytes(key, "HMAC key");
    requireBytes(data, "data");
    // HMAC-BLAKE2b (ratchet root KDF, Noise) over blake2bFast: noble's costs ~15x more per call.
    if (name === "blake2b512") return hmacBlake2b512(key, data);
    return hmac(HASHES[name], key, data);
  }

  hkdf(hash: HashName, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    const name = requireHashName(hash);
    requireBytes(ikm, "HKDF input key material");
    requireBytes(salt, "HKDF salt");
    requireBytes(info, "HKDF info");
    requireHkdfLength(name, length);
    if (name === "blake2b512") return hkdfBlake2b512(ikm, salt, info, length);
    return hkdf(HASHES[name], ikm, salt, info, length);
  }
}

/**
 * BLAKE2b on already-validated input (shared with the node provider's fallback, to validate only once).
 * Computed by our kernels (hash-kernels.ts): noble's general-purpose BLAKE2b costs ~10x more per call on the
 * short keyed inputs of the ratchet chain KDF and message ids, and ~10x more per byte on large content.
 */
export function blake2bNormalized(data: Uint8Array, o: NormalizedBlake2b): Uint8Array {
  return blake2bKernel(data, o.dkLen, o.key, o.salt, o.personalization);
}

function strictVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return ed25519VerifyStrict(publicKey, message, signature);
  } catch {
    return false;
  }
}
