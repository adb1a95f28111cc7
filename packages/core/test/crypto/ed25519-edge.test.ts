import { ED25519_TORSION_SUBGROUP, ed25519 } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { NobleCryptoProvider } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { seededRandom } from "@parley/core/testing";
import { describe, expect, it } from "vitest";
import { hex } from "./providers.js";

// Adversarial Ed25519 inputs where verifiers commonly disagree (small-order and mixed-order keys, malleable s,
// non-canonical encodings). Both providers must give the same answer, and the known forgeries must fail.
const noble = new NobleCryptoProvider();
const node = new NodeCryptoProvider();
const Point = ed25519.Point;
const L = Point.Fn.ORDER;
const P = Point.Fp.ORDER;

function le(n: bigint, length = 32): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}
function num(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}
function both(pk: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  const a = noble.ed25519Verify(pk, msg, sig);
  expect(node.ed25519Verify(pk, msg, sig)).toBe(a);
  return a;
}

describe("Ed25519 edge cases: both providers agree", () => {
  it("small-order public keys are refused, so the trivial forgeries fail", () => {
    const msg = new Uint8Array([1, 2, 3]);
    for (const a of ED25519_TORSION_SUBGROUP) {
      for (const r of ED25519_TORSION_SUBGROUP) {
        const sig = new Uint8Array(64);
        sig.set(hex(r));
        expect(both(hex(a), msg, sig)).toBe(false);
      }
    }
  });

  it("mixed-order keys (aB + T): the check is cofactorless in both", () => {
    const random = seededRandom("mixed-order");
    const T = Point.fromBytes(hex(ED25519_TORSION_SUBGROUP[1]!)); // order 8
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 64; i++) {
      const a = Point.Fn.create(num(random(64)));
      const A = Point.BASE.multiply(a).add(T).toBytes();
      const msg = random(20);
      const r = Point.Fn.create(num(random(64)));
      const R = Point.BASE.multiply(r).toBytes();
      const h = Point.Fn.create(num(sha512(Uint8Array.from([...R, ...A, ...msg]))));
      const s = Point.Fn.add(r, Point.Fn.mul(h, a));
      const sig = Uint8Array.from([...R, ...le(s)]);
      // Cofactorless: [s]B - [h]A = R - [h]T, equal to R only when 8 divides h.
      const ok = both(A, msg, sig);
      expect(ok).toBe(h % 8n === 0n);
      if (ok) accepted++;
      else rejected++;
    }
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });

  it("malleated s (s + L) and non-canonical encodings are refused", () => {
    const sk = new Uint8Array(32).fill(5);
    const pk = node.ed25519PublicKey(sk);
    const msg = new Uint8Array([9]);
    const sig = node.ed25519Sign(sk, msg);
    expect(both(pk, msg, sig)).toBe(true);
    const s = num(sig.subarray(32));
    const malleated = Uint8Array.from([...sig.subarray(0, 32), ...le(s + L)]);
    expect(both(pk, msg, malleated)).toBe(false);
    // Public keys whose y is >= p (non-canonical): y = p + k for the few k that are on the curve or not.
    for (let k = 0n; k < 19n; k++) {
      for (const sign of [0, 0x80]) {
        const enc = le(P + k);
        enc[31]! |= sign;
        expect(both(enc, msg, sig)).toBe(false);
      }
    }
  });

  it("random public keys (mostly not points) never verify and never throw", () => {
    const random = seededRandom("random-pk");
    for (let i = 0; i < 200; i++) expect(both(random(32), random(10), random(64))).toBe(false);
  });
});
