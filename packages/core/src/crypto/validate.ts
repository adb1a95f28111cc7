/**
 * Input checks shared by both providers, so that both reject exactly the same inputs with the same codes.
 * Internal to the crypto layer (not exported from the package).
 */

import { CryptoError } from "./errors.js";
import type { Blake2bOptions, HashName } from "./provider.js";

export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

export function requireBytes(value: unknown, what: string): Uint8Array {
  if (!isBytes(value)) throw new CryptoError("invalid-input", `${what} must be a Uint8Array`);
  return value;
}

export function requireKey(value: unknown, length: number, what: string): Uint8Array {
  const bytes = requireBytes(value, what);
  if (bytes.length !== length) throw new CryptoError("invalid-key-length", `${what} must be ${length} bytes`);
  return bytes;
}

export function requireNonce(value: unknown, length: number): Uint8Array {
  const bytes = requireBytes(value, "nonce");
  if (bytes.length !== length) throw new CryptoError("invalid-nonce-length", `nonce must be ${length} bytes`);
  return bytes;
}

export function requireSignature(value: unknown): Uint8Array {
  const bytes = requireBytes(value, "signature");
  if (bytes.length !== 64) throw new CryptoError("invalid-signature-length", "signature must be 64 bytes");
  return bytes;
}

export function requireOptionalBytes(value: unknown, what: string): Uint8Array {
  return value === undefined ? EMPTY : requireBytes(value, what);
}

export function requireLength(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new CryptoError("invalid-length", `${what} must be an integer in ${min}..${max}`);
  }
  return value;
}

export const EMPTY = new Uint8Array(0);

export const HASH_LENGTH: Readonly<Record<HashName, number>> = {
  sha256: 32,
  sha512: 64,
  blake2b512: 64,
  blake2s256: 32,
};

export function requireHashName(value: unknown): HashName {
  if (typeof value !== "string" || !Object.hasOwn(HASH_LENGTH, value)) {
    throw new CryptoError("invalid-option", "unknown hash name");
  }
  return value as HashName;
}

/** RFC 5869: L <= 255 * HashLen. A zero-length output is refused as a caller bug. */
export function requireHkdfLength(hash: HashName, length: unknown): number {
  return requireLength(length, 1, 255 * HASH_LENGTH[hash], "HKDF output length");
}

/** BLAKE2b options with the defaults applied and salt/personalization zero-padded to 16 bytes. */
export interface NormalizedBlake2b {
  readonly dkLen: number;
  /** undefined when unkeyed (an empty key is the same as no key in BLAKE2's parameter block). */
  readonly key: Uint8Array | undefined;
  readonly salt: Uint8Array | undefined;
  readonly personalization: Uint8Array | undefined;
}

export function normalizeBlake2b(options: Blake2bOptions | undefined): NormalizedBlake2b {
  if (options === undefined) return { dkLen: 64, key: undefined, salt: undefined, personalization: undefined };
  if (typeof options !== "object" || options === null)
    throw new CryptoError("invalid-option", "options must be an object");
  const dkLen = options.dkLen ?? 64;
  if (typeof dkLen !== "number" || !Number.isInteger(dkLen) || dkLen < 1 || dkLen > 64) {
    throw new CryptoError("invalid-option", "BLAKE2b dkLen must be an integer in 1..64");
  }
  const key = optionalField(options.key, 64, "BLAKE2b key");
  const salt = optionalField(options.salt, 16, "BLAKE2b salt");
  const personalization = optionalField(options.personalization, 16, "BLAKE2b personalization");
  return {
    dkLen,
    key: key === undefined || key.length === 0 ? undefined : key,
    salt: salt === undefined ? undefined : pad16(salt),
    personalization: personalization === undefined ? undefined : pad16(personalization),
  };
}

function optionalField(value: unknown, max: number, what: string): Uint8Array | undefined {
  if (value === undefined) return undefined;
  if (!isBytes(value)) throw new CryptoError("invalid-option", `${what} must be a Uint8Array`);
  if (value.length > max) throw new CryptoError("invalid-option", `${what} must be at most ${max} bytes`);
  return value;
}

function pad16(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  out.set(bytes);
  return out;
}

/** True when the normalized options are plain BLAKE2b-512 (what node:crypto can compute natively). */
export function isPlainBlake2b512(o: NormalizedBlake2b): boolean {
  return o.dkLen === 64 && o.key === undefined && isZeroOrAbsent(o.salt) && isZeroOrAbsent(o.personalization);
}

function isZeroOrAbsent(bytes: Uint8Array | undefined): boolean {
  if (bytes === undefined) return true;
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

const P = 2n ** 255n - 19n;

/**
 * The u-coordinates (mod p) of the points whose order divides the cofactor 8, on the curve or its twist.
 * A clamped scalar sends every one of them to zero, so they are refused up front in both providers (identical
 * behaviour, and no DH is run against the long-term secret for them).
 */
const LOW_ORDER_U = new Set<bigint>([
  0n,
  1n,
  P - 1n,
  // Order-8 points: 0xe0eb7a7c…b800 and 0x5f9c95bc…1157 (as little-endian encodings).
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
]);

/** RFC 7748 decoding: ignore the top bit, reduce mod p (non-canonical encodings map to the same point). */
export function decodeU(publicKey: Uint8Array): bigint {
  let u = 0n;
  for (let i = 31; i >= 0; i--) u = (u << 8n) | BigInt(publicKey[i]!);
  u &= (1n << 255n) - 1n;
  return u % P;
}

export function requireNotLowOrder(publicKey: Uint8Array): void {
  if (LOW_ORDER_U.has(decodeU(publicKey))) throw new CryptoError("low-order-point", "public key has small order");
}

export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}
