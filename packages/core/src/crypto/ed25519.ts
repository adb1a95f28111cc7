/**
 * Ed25519 verification rules shared by both providers, so they accept exactly the same signatures:
 * - public keys must be canonical (y < p) and not of small order (a small-order key lets anyone forge:
 *   with A = identity, (R = identity, s = 0) verifies for every message under a cofactorless check);
 * - the check is cofactorless and byte-exact, as OpenSSL (node:crypto) does: encode([s]B - [h]A) must equal R,
 *   with s < L. noble's own verify is cofactored, which accepts more signatures for mixed-order keys.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { concatBytes, constantTimeEqual } from "../base/bytes.js";

const Point = ed25519.Point;
const P = Point.Fp.ORDER;
const L = Point.Fn.ORDER;

function bytesToNumberLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/** y-coordinates of the 8 small-order points (identity, order 2, 4 and 8), either sign. */
const SMALL_ORDER_Y = new Set<bigint>([
  0n,
  1n,
  P - 1n,
  bytesToNumberLE(Uint8Array.from(hexBytes("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"))),
  bytesToNumberLE(Uint8Array.from(hexBytes("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"))),
]);

function hexBytes(hex: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hex.length; i += 2) out.push(Number.parseInt(hex.slice(i, i + 2), 16));
  return out;
}

/** Canonical and not of small order. Cheap: no point decompression. */
export function isAcceptableEd25519PublicKey(publicKey: Uint8Array): boolean {
  const y = bytesToNumberLE(publicKey) & ((1n << 255n) - 1n);
  return y < P && !SMALL_ORDER_Y.has(y);
}

/** RFC 8032 §5.1.7 verification, cofactorless, with the public-key rules above. Inputs have valid lengths. */
export function ed25519VerifyStrict(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!isAcceptableEd25519PublicKey(publicKey)) return false;
  const s = bytesToNumberLE(signature.subarray(32, 64));
  if (s >= L) return false;
  let A: ReturnType<typeof Point.fromBytes>;
  try {
    A = Point.fromBytes(publicKey, false);
  } catch {
    return false; // not a point on the curve
  }
  const R = signature.subarray(0, 32);
  const h = Point.Fn.create(bytesToNumberLE(sha512(concatBytes(R, publicKey, message))));
  const sB = s === 0n ? Point.ZERO : Point.BASE.multiply(s);
  const check = sB.subtract(A.multiplyUnsafe(h));
  return constantTimeEqual(check.toBytes(), R);
}
