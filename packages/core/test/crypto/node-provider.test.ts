import { createPrivateKey, createPublicKey, diffieHellman, sign } from "node:crypto";
import { NobleCryptoProvider } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const X25519_SPKI = Buffer.from("302a300506032b656e032100", "hex");
const X25519_PKCS8 = Buffer.from("302e020100300506032b656e04220420", "hex");
const ED25519_PKCS8 = Buffer.from("302e020100300506032b657004220420", "hex");
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("NodeCryptoProvider key import", () => {
  it("its JWK key import gives the same keys as the fixed-prefix DER import (its fallback)", () => {
    const node = new NodeCryptoProvider();
    fc.assert(
      fc.property(key32, key32, (sk, other) => {
        const derPrivate = createPrivateKey({ key: Buffer.concat([X25519_PKCS8, sk]), format: "der", type: "pkcs8" });
        const derPublic = createPublicKey(derPrivate).export({ format: "der", type: "spki" });
        expect(Buffer.from(node.x25519PublicKey(sk))).toEqual(derPublic.subarray(12));
        const peer = node.x25519PublicKey(other);
        const peerKey = createPublicKey({ key: Buffer.concat([X25519_SPKI, peer]), format: "der", type: "spki" });
        expect(Buffer.from(node.x25519(sk, peer))).toEqual(
          diffieHellman({ privateKey: derPrivate, publicKey: peerKey }),
        );
        const edPrivate = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, sk]), format: "der", type: "pkcs8" });
        expect(Buffer.from(node.ed25519Sign(sk, other))).toEqual(sign(null, other, edPrivate));
      }),
      { numRuns: 30, seed: 21 },
    );
  });

  it("stays correct when its KeyObject cache evicts (capacity 2, many keys, repeated keys)", () => {
    const small = new NodeCryptoProvider({ keyCacheSize: 2 });
    const noble = new NobleCryptoProvider();
    const keys = Array.from({ length: 6 }, (_, i) => new Uint8Array(32).fill(i + 1));
    for (let round = 0; round < 3; round++) {
      for (const a of keys) {
        for (const b of keys) {
          const pb = noble.x25519PublicKey(b);
          expect(small.x25519(a, pb)).toEqual(noble.x25519(a, pb));
        }
        expect(small.ed25519PublicKey(a)).toEqual(noble.ed25519PublicKey(a));
      }
    }
  });
});
