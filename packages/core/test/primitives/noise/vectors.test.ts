import { NobleCryptoProvider } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { parseProtocolName } from "@parley/core/primitives";
import { describe, expect, it } from "vitest";
import { cacophonyVectors, flynnVectors, type NoiseVector, runVector } from "./vector-files.js";

const SUITES = [
  "25519_ChaChaPoly_BLAKE2b",
  "25519_ChaChaPoly_BLAKE2s",
  "25519_ChaChaPoly_SHA256",
  "25519_ChaChaPoly_SHA512",
  "25519_AESGCM_BLAKE2b",
  "25519_AESGCM_BLAKE2s",
  "25519_AESGCM_SHA256",
  "25519_AESGCM_SHA512",
];
const FUNDAMENTAL = ["IK", "IN", "IX", "K", "KK", "KN", "KX", "N", "NK", "NN", "NX", "X", "XK", "XN", "XX"];
const DEFERRED = ["NK1", "NX1", "X1N", "X1K", "XK1", "X1K1", "X1X", "XX1", "X1X1", "K1N", "K1K", "KK1", "K1K1"]
  .concat(["K1X", "KX1", "K1X1", "I1N", "I1K", "IK1", "I1K1", "I1X", "IX1", "I1X1"])
  .sort();
const node = new NodeCryptoProvider();
const noble = new NobleCryptoProvider();
const DEFAULT = "25519_ChaChaPoly_BLAKE2b";

const suiteOf = (v: NoiseVector) => v.protocolName.replace(/^Noise_[^_]+_/, "");
const baseOf = (v: NoiseVector) => v.protocolName.replace(/^Noise_([A-Z0-9]+?)(psk.*)?_.*$/, "$1");

function runAll(vectors: readonly NoiseVector[], crypto: NodeCryptoProvider | NobleCryptoProvider) {
  let messages = 0;
  for (const v of vectors) messages += runVector(crypto, v);
  return messages;
}

describe("Noise test vectors of flynn/noise: every pattern with every 25519 suite", () => {
  for (const suite of SUITES) {
    const file = `noise-${suite.toLowerCase().replaceAll("_", "-")}.txt`;
    const vectors = flynnVectors(file);

    it(`${file} holds 240 vectors of ${suite}, covering the 15 fundamental patterns`, () => {
      expect(vectors).toHaveLength(240);
      expect(new Set(vectors.map(suiteOf))).toEqual(new Set([suite]));
      expect([...new Set(vectors.map(baseOf))].sort()).toEqual([...FUNDAMENTAL].sort());
      expect(parseProtocolName(vectors[0]!.protocolName).suite.name).toBe(suite);
    });

    it(`all 240 ${suite} vectors pass with the node provider (handshake and transport)`, () => {
      expect(runAll(vectors, node)).toBe(984);
    });

    // The pure-JS provider's X25519 makes each vector cost ~10 ms: it runs the whole default suite, and every
    // fourth vector (all 15 patterns, plain and psk) of the others; agreement.test.ts compares the primitives.
    const sample = suite === DEFAULT ? vectors : vectors.filter((_, i) => i % 4 === 0);
    it(`${sample.length} of them pass with the noble provider`, () => {
      expect(new Set(sample.map(baseOf)).size).toBe(FUNDAMENTAL.length);
      expect(runAll(sample, noble)).toBeGreaterThan(sample.length * 2);
    });
  }
});

describe("Noise test vectors of cacophony: 25519 suites, fundamental, deferred and psk patterns", () => {
  const vectors = cacophonyVectors("cacophony-25519.json");

  it("the fixture holds cacophony's 472 vectors for 25519: 59 for each of the 8 suites", () => {
    expect(vectors).toHaveLength(472);
    for (const suite of SUITES) expect(vectors.filter((v) => suiteOf(v) === suite)).toHaveLength(59);
    expect([...new Set(vectors.map(baseOf))].sort()).toEqual([...FUNDAMENTAL, ...DEFERRED].sort());
    expect(vectors.every((v) => v.handshakeHash !== undefined)).toBe(true);
  });

  for (const crypto of [node, noble]) {
    it(`all 472 pass with the ${crypto.name} provider, handshake hashes included`, () => {
      expect(runAll(vectors, crypto)).toBe(vectors.reduce((n, v) => n + v.messages.length, 0));
    });
  }
});
