/// <reference types="node" />
/**
 * The node:crypto provider: the fast path on Node (OpenSSL for X25519, Ed25519, ChaCha20-Poly1305, SHA-256,
 * SHA-512, BLAKE2s-256, BLAKE2b-512, AES-256-GCM, HMAC and HKDF). Whatever OpenSSL cannot do (keyed/salted/personalized or short
 * BLAKE2b, Keccak-256, XEdDSA signing) is delegated to the noble provider, so both produce identical bytes.
 *
 * This is the only file in core allowed to import node:*; it is published as `@parley/core/node`.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
  hash as nodeHash,
  randomBytes as nodeRandomBytes,
  sign as nodeSign,
  verify as nodeVerify,
} from "node:crypto";
import { isAcceptableEd25519PublicKey } from "./ed25519.js";
import { CryptoError } from "./errors.js";
import { keccak256Kernel } from "./hash-kernels.js";
import { blake2bNormalized, type CryptoProviderOptions, NobleCryptoProvider } from "./noble.js";
import type {
  Blake2bOptions,
  CryptoProvider,
  Ed25519KeyPair,
  HashName,
  RandomSource,
  X25519KeyPair,
} from "./provider.js";
import {
  HASH_LENGTH,
  isAllZero,
  isPlainBlake2b512,
  normalizeBlake2b,
  requireBytes,
  requireHashName,
  requireHkdfLength,
  requireKey,
  requireLength,
  requireNonce,
  requireNotLowOrder,
  requireOptionalBytes,
  requireSignature,
} from "./validate.js";
import { xeddsaVerifyInputs } from "./xeddsa.js";

export type { CryptoProviderOptions } from "./noble.js";

// Fixed DER prefixes that wrap a raw 32-byte key (RFC 8410 SubjectPublicKeyInfo / PKCS#8 OneAsymmetricKey).
const X25519_SPKI = Buffer.from("302a300506032b656e032100", "hex");
const X25519_PKCS8 = Buffer.from("302e020100300506032b656e04220420", "hex");
const ED25519_SPKI = Buffer.from("302a300506032b6570032100", "hex");
const ED25519_PKCS8 = Buffer.from("302e020100300506032b657004220420", "hex");
/** Placeholder JWK "x" for private-key import: node derives the public key from "d" and ignores "x". */
const PLACEHOLDER_X = Buffer.alloc(32).toString("base64url");

type Curve = "X25519" | "Ed25519";

/**
 * Raw keys are imported as JWK first: under Node 20's OpenSSL 3 the DER decoder path costs ~10x more (measured
 * ~1.1 ms vs ~0.1 ms for a private key, ~180 µs vs ~30 µs for a public key). The fixed-prefix DER import stays
 * as the fallback should a Node version refuse the JWK form; both give the same key.
 */
function importPrivateKey(curve: Curve, secretKey: Uint8Array): KeyObject {
  try {
    const d = Buffer.from(secretKey.buffer, secretKey.byteOffset, secretKey.length).toString("base64url");
    return createPrivateKey({ key: { kty: "OKP", crv: curve, d, x: PLACEHOLDER_X }, format: "jwk" });
  } catch {
    const prefix = curve === "X25519" ? X25519_PKCS8 : ED25519_PKCS8;
    return createPrivateKey({ key: der(prefix, secretKey), format: "der", type: "pkcs8" });
  }
}

function importPublicKey(curve: Curve, publicKey: Uint8Array): KeyObject {
  try {
    const x = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString("base64url");
    return createPublicKey({ key: { kty: "OKP", crv: curve, x }, format: "jwk" });
  } catch {
    const prefix = curve === "X25519" ? X25519_SPKI : ED25519_SPKI;
    return createPublicKey({ key: der(prefix, publicKey), format: "der", type: "spki" });
  }
}

const TAG_LENGTH = 16;

const randomSource: RandomSource = (length) => {
  requireLength(length, 0, 0x7fffffff, "random length");
  const buf = nodeRandomBytes(length);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
};

/**
 * Small LRU of KeyObjects: importing a raw key costs more than the operation itself, and protocols reuse the
 * same keys (identity, ratchet keys). Secret keys are indexed by a keyed BLAKE2s digest under a per-process
 * random key, so the cache never holds a secret as an (unzeroizable) string.
 */
class KeyCache {
  readonly #entries = new Map<string, KeyObject>();
  readonly #indexKey = nodeRandomBytes(32);

  constructor(readonly capacity: number) {}

  get(kind: string, bytes: Uint8Array, secret: boolean, make: () => KeyObject): KeyObject {
    const id = secret
      ? kind + createHmac("blake2s256", this.#indexKey).update(bytes).digest("base64")
      : kind + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64");
    const hit = this.#entries.get(id);
    if (hit !== undefined) {
      // Refresh recency: Map iteration order is insertion order.
      this.#entries.delete(id);
      this.#entries.set(id, hit);
      return hit;
    }
    const made = make();
    this.#entries.set(id, made);
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
    return made;
  }
}

function der(prefix: Buffer, key: Uint8Array): Buffer {
  return Buffer.concat([prefix, key]);
}

function toBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** The raw public key of a private KeyObject (JWK export: far cheaper than re-encoding DER). */
function rawPublic(privateKey: KeyObject): Uint8Array {
  const jwk = createPublicKey(privateKey).export({ format: "jwk" });
  return toBytes(Buffer.from(jwk.x!, "base64url"));
}

type Aead = "chacha20-poly1305" | "aes-256-gcm";
const AEAD_KEY_NAME: Readonly<Record<Aead, string>> = {
  "chacha20-poly1305": "ChaCha20-Poly1305 key",
  "aes-256-gcm": "AES-256-GCM key",
};

function seal(aead: Aead, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  requireKey(key, 32, AEAD_KEY_NAME[aead]);
  requireNonce(nonce, 12);
  requireBytes(plaintext, "plaintext");
  const ad = requireOptionalBytes(aad, "associated data");
  const options = { authTagLength: TAG_LENGTH };
  // One call per algorithm: node's typings pick the AEAD overload by the literal name.
  const cipher =
    aead === "aes-256-gcm" ? createCipheriv(aead, key, nonce, options) : createCipheriv(aead, key, nonce, options);
  cipher.setAAD(ad, { plaintextLength: plaintext.length });
  return toBytes(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
}

function open(aead: Aead, key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array {
  requireKey(key, 32, AEAD_KEY_NAME[aead]);
  requireNonce(nonce, 12);
  requireBytes(ciphertext, "ciphertext");
  const ad = requireOptionalBytes(aad, "associated data");
  if (ciphertext.length < TAG_LENGTH) throw new CryptoError("auth-failed", "ciphertext shorter than the tag");
  const bodyLength = ciphertext.length - TAG_LENGTH;
  try {
    const options = { authTagLength: TAG_LENGTH };
    const decipher =
      aead === "aes-256-gcm"
        ? createDecipheriv(aead, key, nonce, options)
        : createDecipheriv(aead, key, nonce, options);
    decipher.setAuthTag(ciphertext.subarray(bodyLength));
    decipher.setAAD(ad, { plaintextLength: bodyLength });
    const body = decipher.update(ciphertext.subarray(0, bodyLength));
    // final() throws on a bad tag; the unauthenticated plaintext is wiped before anything sees it.
    try {
      decipher.final();
    } catch (e) {
      body.fill(0);
      throw e;
    }
    return toBytes(body);
  } catch {
    throw new CryptoError("auth-failed", "authentication failed");
  }
}

export interface NodeCryptoProviderOptions extends CryptoProviderOptions {
  /** Number of imported KeyObjects kept (default 256). */
  readonly keyCacheSize?: number;
}

export class NodeCryptoProvider implements CryptoProvider {
  readonly name: string = "node";
  readonly #random: RandomSource;
  readonly #noble: NobleCryptoProvider;
  readonly #keys: KeyCache;

  constructor(options: NodeCryptoProviderOptions = {}) {
    this.#random = options.random ?? randomSource;
    this.#noble = new NobleCryptoProvider({ random: this.#random });
    this.#keys = new KeyCache(options.keyCacheSize ?? 256);
  }

  randomBytes(length: number): Uint8Array {
    return this.#random(length);
  }

  #x25519Private(secretKey: Uint8Array): KeyObject {
    return this.#keys.get("xs", secretKey, true, () => importPrivateKey("X25519", secretKey));
  }

  #x25519Public(publicKey: Uint8Array): KeyObject {
    return this.#keys.get("xp", publicKey, false, () => importPublicKey("X25519", publicKey));
  }

  #ed25519Private(secretKey: Uint8Array): KeyObject {
    return this.#keys.get("es", secretKey, true, () => importPrivateKey("Ed25519", secretKey));
  }

  #ed25519Public(publicKey: Uint8Array): KeyObject {
    return this.#keys.get("ep", publicKey, false, () => importPublicKey("Ed25519", publicKey));
  }

  x25519GenerateKeyPair(): X25519KeyPair {
    const secretKey = this.#random(32);
    return { publicKey: this.x25519PublicKey(secretKey), secretKey };
  }

  x25519PublicKey(secretKey: Uint8Array): Uint8Array {
    requireKey(secretKey, 32, "X25519 secret key");
    return rawPublic(this.#x25519Private(secretKey));
  }

  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    requireKey(secretKey, 32, "X25519 secret key");
    requireKey(publicKey, 32, "X25519 public key");
    requireNotLowOrder(publicKey);
    let shared: Uint8Array;
    try {
      shared = toBytes(
        diffieHellman({ privateKey: this.#x25519Private(secretKey), publicKey: this.#x25519Public(publicKey) }),
      );
    } catch {
      // OpenSSL refuses an all-zero result; the low-order filter above should already have caught it.
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
    return rawPublic(this.#ed25519Private(secretKey));
  }

  ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
    requireKey(secretKey, 32, "Ed25519 secret key");
    requireBytes(message, "message");
    return toBytes(nodeSign(null, message, this.#ed25519Private(secretKey)));
  }

  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    requireKey(publicKey, 32, "Ed25519 public key");
    requireBytes(message, "message");
    requireSignature(signature);
    return this.#verify(publicKey, message, signature);
  }

  #verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    // OpenSSL accepts small-order keys; refuse them (and non-canonical encodings) exactly as the noble provider.
    if (!isAcceptableEd25519PublicKey(publicKey)) return false;
    try {
      return nodeVerify(null, message, this.#ed25519Public(publicKey), signature);
    } catch {
      // An encoding OpenSSL cannot import is not a valid public key.
      return false;
    }
  }

  xeddsaSign(x25519SecretKey: Uint8Array, message: Uint8Array): Uint8Array {
    return this.#noble.xeddsaSign(x25519SecretKey, message);
  }

  xeddsaVerify(x25519PublicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    requireKey(x25519PublicKey, 32, "X25519 public key");
    requireBytes(message, "message");
    requireSignature(signature);
    const inputs = xeddsaVerifyInputs(x25519PublicKey, signature);
    if (inputs === undefined) return false;
    return this.#verify(inputs.edwardsPublic, message, inputs.signature);
  }

  aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    return seal("chacha20-poly1305", key, nonce, plaintext, aad);
  }

  aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array {
    return open("chacha20-poly1305", key, nonce, ciphertext, aad);
  }

  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    return seal("aes-256-gcm", key, nonce, plaintext, aad);
  }

  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array {
    return open("aes-256-gcm", key, nonce, ciphertext, aad);
  }

  blake2b(data: Uint8Array, options?: Blake2bOptions): Uint8Array {
    requireBytes(data, "data");
    const o = normalizeBlake2b(options);
    if (!isPlainBlake2b512(o)) return blake2bNormalized(data, o);
    return toBytes(nodeHash("blake2b512", data, "buffer"));
  }

  blake2s256(data: Uint8Array): Uint8Array {
    return toBytes(nodeHash("blake2s256", requireBytes(data, "data"), "buffer"));
  }

  sha256(data: Uint8Array): Uint8Array {
    return toBytes(nodeHash("sha256", requireBytes(data, "data"), "buffer"));
  }

  sha512(data: Uint8Array): Uint8Array {
    return toBytes(nodeHash("sha512", requireBytes(data, "data"), "buffer"));
  }

  keccak256(data: Uint8Array): Uint8Array {
    // OpenSSL's sha3-256 uses the FIPS 202 padding; Keccak-256 (Ethereum's) differs, so ours computes it.
    return keccak256Kernel(requireBytes(data, "data"));
  }

  hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
    const name = requireHashName(hash);
    requireBytes(key, "HMAC key");
    requireBytes(data, "data");
    return toBytes(createHmac(name, key).update(data).digest());
  }

  hkdf(hash: HashName, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    const name = requireHashName(hash);
    requireBytes(ikm, "HKDF input key material");
    requireBytes(salt, "HKDF salt");
    requireBytes(info, "HKDF info");
    requireHkdfLength(name, length);
    // RFC 5869 spelled out over createHmac: for the short outputs protocols use this is about twice as fast as
    // hkdfSync (which also caps info at 1024 bytes).
    const hashLength = HASH_LENGTH[name];
    const prk = createHmac(name, salt).update(ikm).digest();
    const blocks = Math.ceil(length / hashLength);
    const okm = new Uint8Array(blocks * hashLength);
    let t: Uint8Array = new Uint8Array(0);
    for (let i = 1; i <= blocks; i++) {
      t = createHmac(name, prk).update(t).update(info).update(Uint8Array.of(i)).digest();
      okm.set(t, (i - 1) * hashLength);
    }
    prk.fill(0);
    const out = okm.slice(0, length);
    okm.fill(0);
    return out;
  }
}
