import { type CryptoProvider, NobleCryptoProvider } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { seededRandom } from "@parley/core/testing";

/** Both providers, seeded so every run is reproducible. */
export function bothProviders(seed: string): CryptoProvider[] {
  return [
    new NobleCryptoProvider({ random: seededRandom(`${seed}/noble`) }),
    new NodeCryptoProvider({ random: seededRandom(`${seed}/node`) }),
  ];
}

export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ""), "hex"));
}
