/**
 * GroupV1's MLS suite with hash, KDF and signatures on the CryptoProvider (suite.ts) gives exactly the bytes
 * of ts-mls's own implementations, on node:crypto and on noble, so nothing on the wire or in the store
 * changes; members on either backend share a group, and a group whose keys ts-mls made goes on under it.
 */
import { describe, expect, it } from "vitest";
import { loadSuite } from "../../src/conversations/group-v1/mls.js";
import { providerSuite } from "../../src/conversations/group-v1/suite.js";
import { NobleCryptoProvider } from "../../src/crypto/noble.js";
import { NodeCryptoProvider } from "../../src/crypto/node.js";
import { seededRandom } from "../../src/crypto/random.js";
import { createGroup, Net, sendText } from "./harness.js";

const SUITE = "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519" as const;

describe("GroupV1's MLS suite on the CryptoProvider", () => {
  for (const provider of [new NodeCryptoProvider(), new NobleCryptoProvider()])
    it(`hash, KDF and signatures give ts-mls's own bytes (${provider.name})`, async () => {
      const stock = await loadSuite(SUITE, "noble");
      const ours = providerSuite(stock, provider);
      expect(ours.hash).not.toBe(stock.hash);
      const random = seededRandom("suite");
      for (const n of [0, 1, 31, 32, 33, 64, 65, 200]) {
        const [a, b] = [random(n), random(n + 7)];
        expect(await ours.hash.digest(a)).toEqual(await stock.hash.digest(a));
        const tag = await stock.hash.mac(b, a);
        expect(await ours.hash.mac(b, a)).toEqual(tag);
        expect(await ours.hash.verifyMac(b, tag, a)).toBe(true);
        expect(
          await ours.hash.verifyMac(
            b,
            tag.map((x, i) => (i === 0 ? x ^ 1 : x)),
            a,
          ),
        ).toBe(false);
        const salt = n === 0 ? a : random(32);
        const prk = await stock.kdf.extract(salt, b);
        expect(await ours.kdf.extract(salt, b)).toEqual(prk);
        if (n !== 0 && n !== 32) await expect(ours.kdf.extract(a, b)).rejects.toThrow();
        for (const len of [1, 16, 32, 33, 64, 100])
          expect(await ours.kdf.expand(prk, a, len)).toEqual(await stock.kdf.expand(prk, a, len));
      }
      expect(ours.kdf.size).toBe(stock.kdf.size);
      // Keys from either keygen sign the same bytes under either implementation, and each verifies the other.
      for (const keys of [await stock.signature.keygen(), await ours.signature.keygen()]) {
        const message = random(300);
        const sig = await stock.signature.sign(keys.signKey, message);
        expect(await ours.signature.sign(keys.signKey, message)).toEqual(sig);
        expect(await ours.signature.verify(keys.publicKey, message, sig)).toBe(true);
        expect(await stock.signature.verify(keys.publicKey, message, sig)).toBe(true);
        expect(await ours.signature.verify(keys.publicKey, random(300), sig)).toBe(false);
      }
      // Malformed keys and signatures are failed verifications, never exceptions.
      const k = await ours.signature.keygen();
      const sig = await ours.signature.sign(k.signKey, random(10));
      expect(await ours.signature.verify(k.publicKey.subarray(1), random(10), sig)).toBe(false);
      expect(await ours.signature.verify(k.publicKey, random(10), sig.subarray(1))).toBe(false);
      expect(await ours.signature.verify(new Uint8Array(32).fill(0xff), random(10), sig)).toBe(false);
    });

  it("members on either backend share a group; one whose keys ts-mls made goes on under the provider's", async () => {
    const net = new Net(41, { mlsCrypto: "noble" });
    const [a, b, c] = [await net.addMember("a"), await net.addMember("b"), await net.addMember("c")];
    const cid = await createGroup(a!, [b!, c!], "mixed");
    await net.settle();
    await sendText(a!, cid, "under ts-mls's own");
    await net.settle();
    // b now runs on the provider over the same store: its keys and states were made by ts-mls's implementations.
    await b!.start({ mlsCrypto: "provider" });
    await c!.start({ mlsCrypto: "webcrypto" });
    await sendText(b!, cid, "from the provider");
    await sendText(c!, cid, "from webcrypto");
    await net.settle();
    expect(a!.text(cid).sort()).toEqual(["from the provider", "from webcrypto"]);
    expect(b!.text(cid).sort()).toEqual(["from webcrypto", "under ts-mls's own"]);
    expect(c!.text(cid).sort()).toEqual(["from the provider", "under ts-mls's own"]);
  });
});
