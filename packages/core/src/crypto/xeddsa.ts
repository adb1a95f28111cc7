/**
 * XEdDSA over Curve25519 (Signal's XEd25519 specification), built on noble's Edwards arithmetic. libchat signs
 * intro bundles with it (crate `xeddsa` 1.0.2): an X25519 identity key can sign without a separate Ed25519 key.
 *
 * The signature is a standard Ed25519 signature under the Edwards form of the X25519 public key with sign bit 0,
 * so any strict Ed25519 verifier accepts it given `xeddsaEdwardsPublicKey(u)`.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { concatBytes } from "../base/bytes.js";
import { CryptoError } from "./errors.js";
import { requireKey } from "./validate.js";

const Point = ed25519.Point;
const Fn = Point.Fn;
const Fp = Point.Fp;
const P = Fp.ORDER;

/** hash1 prefix: the 32-byte little-endian encoding of 2^256 - 1 - 1 (0xFE then 31 × 0xFF). */
const HASH1_PREFIX = (() => {
  const prefix = new Uint8Array(32).fill(0xff);
  prefix[0] = 0xfe;
  return prefix;
})();

function bytesToNumberLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function numberToBytesLE(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** RFC 7748 clamping: the scalar X25519 actually uses, so the Edwards key matches the X25519 public key. */
function clampedScalar(secretKey: Uint8Array): bigint {
  const k = secretKey.slice();
  k[0]! &= 248;
  k[31]! &= 127;
  k[31]! |= 64;
  return bytesToNumberLE(k);
}

/**
 * calculate_key_pair(k): E = kB; A = E with its sign bit forced to 0; a = k, or -k when E's sign bit was 1
 * (so that aB = A).
 */
function calculateKeyPair(secretKey: Uint8Array): { A: Uint8Array; a: bigint } {
  const k = Fn.create(clampedScalar(secretKey));
  const E = Point.BASE.multiply(k);
  const A = E.toBytes();
  const signBit = A[31]! >> 7;
  A[31]! &= 0x7f;
  return { A, a: signBit === 1 ? Fn.neg(k) : k };
}

/**
 * xeddsa_sign(k, M, Z) with 64 random bytes Z. Inputs are validated by the provider.
 * r = hash1(a || M || Z) mod q, R = rB, h = SHA-512(R || A || M) mod q, s = r + h·a mod q.
 */
export function xeddsaSignRaw(secretKey: Uint8Array, message: Uint8Array, z: Uint8Array): Uint8Array {
  const { A, a } = calculateKeyPair(secretKey);
  const aBytes = numberToBytesLE(a, 32);
  const r = Fn.create(bytesToNumberLE(sha512(concatBytes(HASH1_PREFIX, aBytes, message, z))));
  // r = 0 has probability ~2^-252; multiply() refuses 0, the identity is the correct result.
  const R = (r === 0n ? Point.ZERO : Point.BASE.multiply(r)).toBytes();
  const h = Fn.create(bytesToNumberLE(sha512(concatBytes(R, A, message))));
  const s = Fn.add(r, Fn.mul(h, a));
  aBytes.fill(0);
  return concatBytes(R, numberToBytesLE(s, 32));
}

/**
 * The Ed25519 public key of an X25519 public key u: y = (u - 1)/(u + 1) with sign bit `signBit` (0 for spec
 * XEdDSA). Returns undefined when u is not canonical (u >= p) or u = -1 (no Edwards point).
 */
export function montgomeryToEdwards(x25519Public: Uint8Array, signBit = 0): Uint8Array | undefined {
  const u = bytesToNumberLE(x25519Public);
  if (u >= P) return undefined;
  const denominator = Fp.add(u, 1n);
  if (denominator === 0n) return undefined;
  const y = Fp.mul(Fp.sub(u, 1n), Fp.inv(denominator));
  const out = numberToBytesLE(y, 32);
  out[31]! |= (signBit & 1) << 7;
  return out;
}

/**
 * Splits an XEdDSA signature the way libchat's verifier does: the Edwards key's sign bit is read from sig[63]
 * (always 0 for spec signatures) and cleared before standard verification. Returns the Edwards public key and
 * the signature to check, or undefined when u has no Edwards form.
 */
export function xeddsaVerifyInputs(
  x25519Public: Uint8Array,
  signature: Uint8Array,
): { edwardsPublic: Uint8Array; signature: Uint8Array } | undefined {
  const signBit = signature[63]! >> 7;
  const edwardsPublic = montgomeryToEdwards(x25519Public, signBit);
  if (edwardsPublic === undefined) return undefined;
  const cleared = signature.slice();
  cleared[63]! &= 0x7f;
  return { edwardsPublic, signature: cleared };
}

/**
 * The Ed25519 public key under which XEdDSA signatures by `x25519Public`'s owner verify (sign bit 0).
 * Lets any standard Ed25519 verifier (node:crypto, WebCrypto) check XEdDSA signatures.
 */
export function xeddsaEdwardsPublicKey(x25519Public: Uint8Array): Uint8Array {
  const u = requireKey(x25519Public, 32, "X25519 public key");
  const edwards = montgomeryToEdwards(u, 0);
  if (edwards === undefined) throw new CryptoError("invalid-key", "X25519 public key has no Edwards form");
  return edwards;
}
