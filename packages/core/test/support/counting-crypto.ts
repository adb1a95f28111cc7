import type {
  Blake2bOptions,
  CryptoProvider,
  Ed25519KeyPair,
  HashName,
  X25519KeyPair,
} from "../../src/crypto/provider.js";

/** Primitive calls a `CountingCrypto` has seen, by kind. */
export interface CryptoCounts {
  x25519: number;
  /** Every BLAKE2b call (the ratchet's chain and message KDFs are one each). */
  blake2b: number;
  blake2s: number;
  sha256: number;
  sha512: number;
  hmac: number;
  hkdf: number;
  aeadSeal: number;
  aeadOpen: number;
  signatures: number;
}

const ZERO: CryptoCounts = {
  x25519: 0,
  blake2b: 0,
  blake2s: 0,
  sha256: 0,
  sha512: 0,
  hmac: 0,
  hkdf: 0,
  aeadSeal: 0,
  aeadOpen: 0,
  signatures: 0,
};

/**
 * A CryptoProvider that counts the primitive operations it performs and delegates each one to a real provider,
 * so tests can bound work by counts instead of time.
 */
export class CountingCrypto implements CryptoProvider {
  readonly name: string;
  readonly counts: CryptoCounts = { ...ZERO };

  constructor(readonly inner: CryptoProvider) {
    this.name = `counting ${inner.name}`;
  }

  /** The operations `fn` performed (its result comes back too). */
  measure<T>(fn: () => T): { result: T; ops: CryptoCounts } {
    const before = { ...this.counts };
    const result = fn();
    const ops = { ...ZERO };
    for (const k of Object.keys(ZERO) as (keyof CryptoCounts)[]) ops[k] = this.counts[k] - before[k];
    return { result, ops };
  }

  randomBytes(length: number): Uint8Array {
    return this.inner.randomBytes(length);
  }
  x25519GenerateKeyPair(): X25519KeyPair {
    this.counts.x25519++;
    return this.inner.x25519GenerateKeyPair();
  }
  x25519PublicKey(secretKey: Uint8Array): Uint8Array {
    this.counts.x25519++;
    return this.inner.x25519PublicKey(secretKey);
  }
  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    this.counts.x25519++;
    return this.inner.x25519(secretKey, publicKey);
  }
  ed25519GenerateKeyPair(): Ed25519KeyPair {
    return this.inner.ed25519GenerateKeyPair();
  }
  ed25519PublicKey(secretKey: Uint8Array): Uint8Array {
    return this.inner.ed25519PublicKey(secretKey);
  }
  ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
    this.counts.signatures++;
    return this.inner.ed25519Sign(secretKey, message);
  }
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    this.counts.signatures++;
    return this.inner.ed25519Verify(publicKey, message, signature);
  }
  xeddsaSign(x25519SecretKey: Uint8Array, message: Uint8Array): Uint8Array {
    this.counts.signatures++;
    return this.inner.xeddsaSign(x25519SecretKey, message);
  }
  xeddsaVerify(x25519PublicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    this.counts.signatures++;
    return this.inner.xeddsaVerify(x25519PublicKey, message, signature);
  }
  aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    this.counts.aeadSeal++;
    return this.inner.aeadSeal(key, nonce, plaintext, aad);
  }
  aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array {
    this.counts.aeadOpen++;
    return this.inner.aeadOpen(key, nonce, ciphertext, aad);
  }
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    this.counts.aeadSeal++;
    return this.inner.aesGcmSeal(key, nonce, plaintext, aad);
  }
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array {
    this.counts.aeadOpen++;
    return this.inner.aesGcmOpen(key, nonce, ciphertext, aad);
  }
  blake2b(data: Uint8Array, options?: Blake2bOptions): Uint8Array {
    this.counts.blake2b++;
    return this.inner.blake2b(data, options);
  }
  blake2s256(data: Uint8Array): Uint8Array {
    this.counts.blake2s++;
    return this.inner.blake2s256(data);
  }
  sha256(data: Uint8Array): Uint8Array {
    this.counts.sha256++;
    return this.inner.sha256(data);
  }
  sha512(data: Uint8Array): Uint8Array {
    this.counts.sha512++;
    return this.inner.sha512(data);
  }
  keccak256(data: Uint8Array): Uint8Array {
    return this.inner.keccak256(data);
  }
  hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
    this.counts.hmac++;
    return this.inner.hmac(hash, key, data);
  }
  hkdf(hash: HashName, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    this.counts.hkdf++;
    return this.inner.hkdf(hash, ikm, salt, info, length);
  }
}
