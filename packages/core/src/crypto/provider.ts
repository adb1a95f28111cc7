/**
 * One synchronous interface over every primitive Parley uses. Two implementations produce identical bytes:
 * `NodeCryptoProvider` (node:crypto, fast) in `@parley/core/node` and `NobleCryptoProvider` (pure JS, browsers).
 *
 * Every method validates its inputs and throws a `CryptoError` with a stable code on bad input; none of them
 * puts key material into an error message.
 */
export interface X25519KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export interface Ed25519KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export type HashName = "sha256" | "sha512" | "blake2b512" | "blake2s256";

export interface Blake2bOptions {
  /** Output length in bytes, 1..64 (a parameter of the hash, not a truncation). Default 64. */
  readonly dkLen?: number;
  /** MAC key, 0..64 bytes. */
  readonly key?: Uint8Array;
  /** Salt, at most 16 bytes (zero-padded). */
  readonly salt?: Uint8Array;
  /** Personalization, at most 16 bytes (zero-padded). */
  readonly personalization?: Uint8Array;
}

/** Source of randomness; injectable so tests and vectors are deterministic. */
export type RandomSource = (length: number) => Uint8Array;

export interface CryptoProvider {
  readonly name: string;

  randomBytes(length: number): Uint8Array;

  /** X25519 (RFC 7748). Secret keys are 32 raw bytes; public keys are 32-byte u-coordinates. */
  x25519GenerateKeyPair(): X25519KeyPair;
  x25519PublicKey(secretKey: Uint8Array): Uint8Array;
  /**
   * Diffie-Hellman. Throws CryptoError("low-order-point") for a public key of small order (checked before the
   * DH, non-canonical encodings included) and, as a backstop, when the result is all zeros.
   */
  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;

  /** Ed25519 (RFC 8032). Secret keys are the 32-byte seed. */
  ed25519GenerateKeyPair(): Ed25519KeyPair;
  ed25519PublicKey(secretKey: Uint8Array): Uint8Array;
  ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /**
   * RFC 8032, cofactorless (as OpenSSL), s < L; non-canonical and small-order public keys are refused (false).
   * Throws only on wrong lengths.
   */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;

  /**
   * XEdDSA (Signal's XEd25519) with an X25519 key pair: 64 random bytes Z per signature. Verification reads the
   * Edwards sign bit from sig[63] (0 for spec signatures) as libchat's `xeddsa` crate does, then runs
   * `ed25519Verify` under the converted key (see `xeddsaEdwardsPublicKey`).
   */
  xeddsaSign(x25519SecretKey: Uint8Array, message: Uint8Array): Uint8Array;
  xeddsaVerify(x25519PublicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;

  /** ChaCha20-Poly1305 (RFC 8439), 32-byte key, 12-byte nonce. Output is ciphertext || 16-byte tag. */
  aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  /** Throws CryptoError("auth-failed") on a bad tag or a truncated input. */
  aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array;

  /** AES-256-GCM (NIST SP 800-38D), 32-byte key, 12-byte nonce. Output is ciphertext || 16-byte tag. */
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  /** Throws CryptoError("auth-failed") on a bad tag or a truncated input. */
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array;

  blake2b(data: Uint8Array, options?: Blake2bOptions): Uint8Array;
  blake2s256(data: Uint8Array): Uint8Array;
  sha256(data: Uint8Array): Uint8Array;
  sha512(data: Uint8Array): Uint8Array;
  keccak256(data: Uint8Array): Uint8Array;
  hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** RFC 5869 HKDF (extract + expand) over HMAC with the named hash. */
  hkdf(hash: HashName, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
}
