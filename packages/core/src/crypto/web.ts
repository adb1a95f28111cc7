/**
 * Crypto in browsers (`@parley/core/web`).
 *
 * Core's `CryptoProvider` is synchronous: every protocol step (a ratchet step, a Noise handshake, an SDS id)
 * runs inside one store transaction whose result must not depend on an await between two primitives.
 * WebCrypto only offers promises, so it cannot sit behind that interface. The split, measured in
 * docs/PERFORMANCE.md (section `browser`):
 * - the synchronous protocol operations run on noble (`WebCryptoProvider` is a `NobleCryptoProvider` whose
 *   randomness is WebCrypto's `getRandomValues`, the one synchronous WebCrypto call). WebCrypto has neither
 *   ChaCha20-Poly1305 nor BLAKE2, which carry every message, so the hot path could not move anyway;
 * - `WebCryptoProvider.subtle` runs on WebCrypto what the browser has natively (SHA-256, X25519, Ed25519,
 *   AES-256-GCM, PBKDF2), for callers that are asynchronous anyway: at-rest encryption and the passphrase
 *   key derivation of the browser store. Its results agree byte for byte with the synchronous provider (the
 *   agreement tests run it in Node and in Chromium), and it applies the same input rules: low-order X25519
 *   keys and non-canonical or small-order Ed25519 keys are refused before WebCrypto sees them.
 */
import { concatBytes } from "../base/bytes.js";
import { isAcceptableEd25519PublicKey } from "./ed25519.js";
import { CryptoError } from "./errors.js";
import { type CryptoProviderOptions, NobleCryptoProvider } from "./noble.js";
import {
  isAllZero,
  requireBytes,
  requireKey,
  requireNonce,
  requireNotLowOrder,
  requireOptionalBytes,
  requireSignature,
} from "./validate.js";

/** A WebCrypto key, opaque to us (core compiles without the DOM library, so this is the part we touch). */
export interface WebCryptoKey {
  readonly type: string;
  readonly extractable: boolean;
}

type Bytes = Uint8Array;

/** The slice of `SubtleCrypto` used here, typed locally (no DOM library in core). */
export interface SubtleLike {
  importKey(
    format: string,
    data: Bytes,
    algorithm: unknown,
    extractable: boolean,
    usages: string[],
  ): Promise<WebCryptoKey>;
  deriveBits(algorithm: unknown, key: WebCryptoKey, length: number): Promise<ArrayBuffer>;
  deriveKey(
    algorithm: unknown,
    key: WebCryptoKey,
    derived: unknown,
    extractable: boolean,
    usages: string[],
  ): Promise<WebCryptoKey>;
  digest(algorithm: string, data: Bytes): Promise<ArrayBuffer>;
  sign(algorithm: unknown, key: WebCryptoKey, data: Bytes): Promise<ArrayBuffer>;
  verify(algorithm: unknown, key: WebCryptoKey, signature: Bytes, data: Bytes): Promise<boolean>;
  encrypt(algorithm: unknown, key: WebCryptoKey, data: Bytes): Promise<ArrayBuffer>;
  decrypt(algorithm: unknown, key: WebCryptoKey, data: Bytes): Promise<ArrayBuffer>;
}

// RFC 8410 PKCS#8 prefixes that wrap a raw 32-byte private key: WebCrypto imports OKP private keys only so.
const X25519_PKCS8 = Uint8Array.of(0x30, 0x2e, 2, 1, 0, 0x30, 5, 6, 3, 0x2b, 0x65, 0x6e, 4, 0x22, 4, 0x20);
const ED25519_PKCS8 = Uint8Array.of(0x30, 0x2e, 2, 1, 0, 0x30, 5, 6, 3, 0x2b, 0x65, 0x70, 4, 0x22, 4, 0x20);

/** AES-GCM tag length in bytes (WebCrypto's default, 128 bits). */
const GCM_TAG = 16;
function platformSubtle(): SubtleLike {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleLike } }).crypto?.subtle;
  if (!subtle) throw new CryptoError("invalid-input", "WebCrypto (crypto.subtle) is not available here");
  return subtle;
}

/** The asynchronous WebCrypto primitives. */
export class SubtlePrimitives {
  constructor(private readonly subtle: SubtleLike = platformSubtle()) {}

  async sha256(data: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(await this.subtle.digest("SHA-256", requireBytes(data, "data")));
  }

  /** X25519 with the same rules as `CryptoProvider.x25519`: low-order public keys and all-zero results refused. */
  async x25519(secretKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array> {
    requireKey(secretKey, 32, "X25519 secret key");
    requireKey(publicKey, 32, "X25519 public key");
    requireNotLowOrder(publicKey);
    const alg = { name: "X25519" };
    const priv = await this.subtle.importKey("pkcs8", concatBytes(X25519_PKCS8, secretKey), alg, false, ["deriveBits"]);
    const pub = await this.subtle.importKey("raw", publicKey.slice(), alg, true, []);
    let shared: Uint8Array;
    try {
      shared = new Uint8Array(await this.subtle.deriveBits({ name: "X25519", public: pub }, priv, 256));
    } catch {
      // WebCrypto refuses an all-zero result itself (OperationError).
      throw new CryptoError("low-order-point", "X25519 result is all zeros");
    }
    if (isAllZero(shared)) throw new CryptoError("low-order-point", "X25519 result is all zeros");
    return shared;
  }

  async ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
    requireKey(secretKey, 32, "Ed25519 secret key");
    requireBytes(message, "message");
    const key = await this.subtle.importKey("pkcs8", concatBytes(ED25519_PKCS8, secretKey), "Ed25519", false, ["sign"]);
    return new Uint8Array(await this.subtle.sign("Ed25519", key, message));
  }

  /** The synchronous provider's rules (canonical, not small-order key; s < L), then WebCrypto's cofactorless check. */
  async ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    requireKey(publicKey, 32, "Ed25519 public key");
    requireBytes(message, "message");
    requireSignature(signature);
    if (!isAcceptableEd25519PublicKey(publicKey) || !scalarIsCanonical(signature.subarray(32))) return false;
    try {
      const key = await this.subtle.importKey("raw", publicKey.slice(), "Ed25519", true, ["verify"]);
      return await this.subtle.verify("Ed25519", key, signature, message);
    } catch {
      return false; // not a point on the curve
    }
  }

  /** A non-extractable AES-256-GCM key from 32 raw bytes. */
  async aesGcmKey(raw: Uint8Array): Promise<WebCryptoKey> {
    requireKey(raw, 32, "AES-256-GCM key");
    return this.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  }

  /** AES-256-GCM, 12-byte nonce: ciphertext || 16-byte tag. */
  async aesGcmSeal(key: WebCryptoKey, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array> {
    requireNonce(nonce, 12);
    requireBytes(plaintext, "plaintext");
    const additionalData = requireOptionalBytes(aad, "associated data");
    return new Uint8Array(await this.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData }, key, plaintext));
  }

  /** Throws CryptoError("auth-failed") on a bad tag, a wrong key or a truncated input. */
  async aesGcmOpen(
    key: WebCryptoKey,
    nonce: Uint8Array,
    ciphertext: Uint8Array,
    aad?: Uint8Array,
  ): Promise<Uint8Array> {
    requireNonce(nonce, 12);
    requireBytes(ciphertext, "ciphertext");
    const additionalData = requireOptionalBytes(aad, "associated data");
    if (ciphertext.length < GCM_TAG) throw new CryptoError("auth-failed", "ciphertext shorter than the tag");
    try {
      return new Uint8Array(await this.subtle.decrypt({ name: "AES-GCM", iv: nonce, additionalData }, key, ciphertext));
    } catch {
      throw new CryptoError("auth-failed", "authentication failed");
    }
  }

  /** PBKDF2-HMAC-SHA256 of a passphrase: `length` raw bytes (for a key-encryption key). */
  async pbkdf2Sha256(passphrase: string, salt: Uint8Array, iterations: number, length = 32): Promise<Uint8Array> {
    if (typeof passphrase !== "string" || passphrase.length === 0)
      throw new CryptoError("invalid-input", "the passphrase must be a non-empty string");
    requireBytes(salt, "salt");
    if (!Number.isSafeInteger(iterations) || iterations < 1)
      throw new CryptoError("invalid-input", "PBKDF2 iterations must be a positive integer");
    if (!Number.isSafeInteger(length) || length < 1 || length > 64)
      throw new CryptoError("invalid-input", "PBKDF2 output length must be 1..64 bytes");
    const base = await this.subtle.importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false, [
      "deriveBits",
    ]);
    const bits = await this.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, base, length * 8);
    return new Uint8Array(bits);
  }
}

/** s < L (the group order), little-endian: WebCrypto implementations differ on whether they check it. */
function scalarIsCanonical(s: Uint8Array): boolean {
  // L = 2^252 + 27742317777372353535851937790883648493, little-endian bytes.
  const L = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0x10,
  ];
  for (let i = 31; i >= 0; i--) {
    if (s[i]! < L[i]!) return true;
    if (s[i]! > L[i]!) return false;
  }
  return false; // s == L
}

/**
 * The browser's provider: the synchronous `CryptoProvider` on noble (see the header for why), plus `subtle`,
 * WebCrypto's native primitives for asynchronous callers.
 */
export class WebCryptoProvider extends NobleCryptoProvider {
  override readonly name: string = "web (noble + WebCrypto)";
  readonly subtle: SubtlePrimitives;

  constructor(options: CryptoProviderOptions & { readonly subtle?: SubtleLike } = {}) {
    super(options);
    this.subtle = new SubtlePrimitives(options.subtle ?? platformSubtle());
  }
}

export type { CryptoProviderOptions };
