/**
 * Randomness sources. Production code uses `defaultRandom`; tests and vectors use `seededRandom` so that key
 * generation, nonces and XEdDSA's Z are reproducible.
 */
import { chacha20 } from "@noble/ciphers/chacha.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { utf8 } from "../base/bytes.js";
import { CryptoError } from "./errors.js";
import type { RandomSource } from "./provider.js";

/** The platform CSPRNG (Web Crypto `getRandomValues`, present in Node >= 20 and every browser). */
export const defaultRandom: RandomSource = (length) => {
  checkLength(length);
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65536 bytes per call.
  for (let offset = 0; offset < length; offset += 65536) {
    crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + 65536)));
  }
  return out;
};

const BLOCK = 64;
const CHUNK_BLOCKS = 64;
const DRBG_PERSONALIZATION = utf8("parley-drbg-v1").slice(0, 16);

/**
 * A deterministic generator for TESTS ONLY: the ChaCha20 keystream (zero nonce) under key
 * BLAKE2b-256(seed, personalization "parley-drbg-v1"). Same seed, same byte stream, on every platform.
 */
export function seededRandom(seed: Uint8Array | string): RandomSource {
  const seedBytes = typeof seed === "string" ? utf8(seed) : seed;
  const personalization = new Uint8Array(16);
  personalization.set(DRBG_PERSONALIZATION);
  const key = blake2b(seedBytes, { dkLen: 32, personalization });
  const nonce = new Uint8Array(12);
  let counter = 0;
  let buffer = new Uint8Array(0);
  let position = 0;
  return (length) => {
    checkLength(length);
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (position === buffer.length) {
        if (counter > 0xffffffff - CHUNK_BLOCKS) throw new CryptoError("invalid-length", "seeded random exhausted");
        buffer = chacha20(key, nonce, new Uint8Array(BLOCK * CHUNK_BLOCKS), undefined, counter);
        counter += CHUNK_BLOCKS;
        position = 0;
      }
      const take = Math.min(length - filled, buffer.length - position);
      out.set(buffer.subarray(position, position + take), filled);
      position += take;
      filled += take;
    }
    return out;
  };
}

function checkLength(length: number): void {
  if (typeof length !== "number" || !Number.isInteger(length) || length < 0 || length > 0x7fffffff) {
    throw new CryptoError("invalid-length", "random length must be a non-negative integer");
  }
}
