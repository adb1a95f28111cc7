/**
 * BLAKE2s-256 (RFC 7693) specialised for checking salted hints, the hot loop of classifying traffic on a
 * shared topic: every message costs one hash per conversation on its topic.
 *
 * The hashed input is u64be(salt) || utf8(id). Per conversation, the message words of utf8(id) are laid out
 * once; per message, only the two salt words of the first block change. The digest is compared as eight
 * words against the wanted hint, with no allocation. Hints are public values, so neither the early exit nor
 * the lack of a generic provider matters here; tests check it against the CryptoProvider byte for byte.
 */

import { BLAKE2S_IV as IV, BLAKE2_SIGMA as SIGMA } from "./blake2-tables.js";

// Chaining state shared by every check (single-threaded, never re-entered).
const h = new Int32Array(8);

/** The two little-endian message words holding u64be(salt). */
export function saltWords(salt: bigint): [number, number] {
  const s = BigInt.asUintN(64, salt);
  return [bswap(Number(s >> 32n)), bswap(Number(s & 0xffffffffn))];
}

/** The eight little-endian words of a 32-byte digest. */
export function digestWords(digest: Uint8Array): Int32Array {
  const out = new Int32Array(8);
  for (let i = 0; i < 8; i++) {
    out[i] = digest[4 * i]! | (digest[4 * i + 1]! << 8) | (digest[4 * i + 2]! << 16) | (digest[4 * i + 3]! << 24);
  }
  return out;
}

/** The precomputed input of one conversation id. */
export class HintHasher {
  readonly #words: Int32Array;
  readonly #blocks: number;
  readonly #length: number;

  constructor(id: Uint8Array) {
    this.#length = 8 + id.length;
    this.#blocks = Math.max(1, Math.ceil(this.#length / 64));
    this.#words = new Int32Array(this.#blocks * 16);
    for (let i = 0; i < id.length; i++) {
      const p = 8 + i;
      this.#words[p >> 2]! |= id[i]! << (8 * (p & 3));
    }
  }

  /** Whether BLAKE2s-256(u64be(salt) || id) has the digest words `want`. */
  matches(salt: readonly [number, number], want: Int32Array): boolean {
    this.#words[0] = salt[0];
    this.#words[1] = salt[1];
    this.#digest();
    for (let i = 0; i < 8; i++) if (h[i] !== want[i]) return false;
    return true;
  }

  /** The digest bytes (for tests against the provider). */
  digest(salt: readonly [number, number]): Uint8Array {
    this.#words[0] = salt[0];
    this.#words[1] = salt[1];
    this.#digest();
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) out[i] = (h[i >> 2]! >>> (8 * (i & 3))) & 0xff;
    return out;
  }

  #digest(): void {
    h.set(IV);
    // Parameter block: digest length 32, no key, fanout 1, depth 1.
    h[0] = h[0]! ^ 0x01010020;
    for (let b = 0; b < this.#blocks; b++) {
      const last = b === this.#blocks - 1;
      compress(this.#words, b * 16, last ? this.#length : (b + 1) * 64, last);
    }
  }
}

/**
 * One BLAKE2s compression of the block at m[off..off+16) into `h`. The 16 state words live in locals and
 * the eight G mixes of a round are written out, which is what makes this several times faster than an
 * array-indexed version.
 */
function compress(m: Int32Array, off: number, t: number, last: boolean): void {
  let v0 = h[0]!;
  let v1 = h[1]!;
  let v2 = h[2]!;
  let v3 = h[3]!;
  let v4 = h[4]!;
  let v5 = h[5]!;
  let v6 = h[6]!;
  let v7 = h[7]!;
  let v8 = IV[0]!;
  let v9 = IV[1]!;
  let v10 = IV[2]!;
  let v11 = IV[3]!;
  let v12 = IV[4]! ^ t; // inputs here are far below 2^32 bytes: the high counter word stays 0
  let v13 = IV[5]!;
  let v14 = last ? ~IV[6]! : IV[6]!;
  let v15 = IV[7]!;
  for (let s = 0; s < 160; s += 16) {
    v0 = (v0 + v4 + m[off + SIGMA[s]!]!) | 0;
    v12 ^= v0;
    v12 = (v12 >>> 16) | (v12 << 16);
    v8 = (v8 + v12) | 0;
    v4 ^= v8;
    v4 = (v4 >>> 12) | (v4 << 20);
    v0 = (v0 + v4 + m[off + SIGMA[s + 1]!]!) | 0;
    v12 ^= v0;
    v12 = (v12 >>> 8) | (v12 << 24);
    v8 = (v8 + v12) | 0;
    v4 ^= v8;
    v4 = (v4 >>> 7) | (v4 << 25);
    v1 = (v1 + v5 + m[off + SIGMA[s + 2]!]!) | 0;
    v13 ^= v1;
    v13 = (v13 >>> 16) | (v13 << 16);
    v9 = (v9 + v13) | 0;
    v5 ^= v9;
    v5 = (v5 >>> 12) | (v5 << 20);
    v1 = (v1 + v5 + m[off + SIGMA[s + 3]!]!) | 0;
    v13 ^= v1;
    v13 = (v13 >>> 8) | (v13 << 24);
    v9 = (v9 + v13) | 0;
    v5 ^= v9;
    v5 = (v5 >>> 7) | (v5 << 25);
    v2 = (v2 + v6 + m[off + SIGMA[s + 4]!]!) | 0;
    v14 ^= v2;
    v14 = (v14 >>> 16) | (v14 << 16);
    v10 = (v10 + v14) | 0;
    v6 ^= v10;
    v6 = (v6 >>> 12) | (v6 << 20);
    v2 = (v2 + v6 + m[off + SIGMA[s + 5]!]!) | 0;
    v14 ^= v2;
    v14 = (v14 >>> 8) | (v14 << 24);
    v10 = (v10 + v14) | 0;
    v6 ^= v10;
    v6 = (v6 >>> 7) | (v6 << 25);
    v3 = (v3 + v7 + m[off + SIGMA[s + 6]!]!) | 0;
    v15 ^= v3;
    v15 = (v15 >>> 16) | (v15 << 16);
    v11 = (v11 + v15) | 0;
    v7 ^= v11;
    v7 = (v7 >>> 12) | (v7 << 20);
    v3 = (v3 + v7 + m[off + SIGMA[s + 7]!]!) | 0;
    v15 ^= v3;
    v15 = (v15 >>> 8) | (v15 << 24);
    v11 = (v11 + v15) | 0;
    v7 ^= v11;
    v7 = (v7 >>> 7) | (v7 << 25);
    v0 = (v0 + v5 + m[off + SIGMA[s + 8]!]!) | 0;
    v15 ^= v0;
    v15 = (v15 >>> 16) | (v15 << 16);
    v10 = (v10 + v15) | 0;
    v5 ^= v10;
    v5 = (v5 >>> 12) | (v5 << 20);
    v0 = (v0 + v5 + m[off + SIGMA[s + 9]!]!) | 0;
    v15 ^= v0;
    v15 = (v15 >>> 8) | (v15 << 24);
    v10 = (v10 + v15) | 0;
    v5 ^= v10;
    v5 = (v5 >>> 7) | (v5 << 25);
    v1 = (v1 + v6 + m[off + SIGMA[s + 10]!]!) | 0;
    v12 ^= v1;
    v12 = (v12 >>> 16) | (v12 << 16);
    v11 = (v11 + v12) | 0;
    v6 ^= v11;
    v6 = (v6 >>> 12) | (v6 << 20);
    v1 = (v1 + v6 + m[off + SIGMA[s + 11]!]!) | 0;
    v12 ^= v1;
    v12 = (v12 >>> 8) | (v12 << 24);
    v11 = (v11 + v12) | 0;
    v6 ^= v11;
    v6 = (v6 >>> 7) | (v6 << 25);
    v2 = (v2 + v7 + m[off + SIGMA[s + 12]!]!) | 0;
    v13 ^= v2;
    v13 = (v13 >>> 16) | (v13 << 16);
    v8 = (v8 + v13) | 0;
    v7 ^= v8;
    v7 = (v7 >>> 12) | (v7 << 20);
    v2 = (v2 + v7 + m[off + SIGMA[s + 13]!]!) | 0;
    v13 ^= v2;
    v13 = (v13 >>> 8) | (v13 << 24);
    v8 = (v8 + v13) | 0;
    v7 ^= v8;
    v7 = (v7 >>> 7) | (v7 << 25);
    v3 = (v3 + v4 + m[off + SIGMA[s + 14]!]!) | 0;
    v14 ^= v3;
    v14 = (v14 >>> 16) | (v14 << 16);
    v9 = (v9 + v14) | 0;
    v4 ^= v9;
    v4 = (v4 >>> 12) | (v4 << 20);
    v3 = (v3 + v4 + m[off + SIGMA[s + 15]!]!) | 0;
    v14 ^= v3;
    v14 = (v14 >>> 8) | (v14 << 24);
    v9 = (v9 + v14) | 0;
    v4 ^= v9;
    v4 = (v4 >>> 7) | (v4 << 25);
  }
  h[0] = h[0]! ^ v0 ^ v8;
  h[1] = h[1]! ^ v1 ^ v9;
  h[2] = h[2]! ^ v2 ^ v10;
  h[3] = h[3]! ^ v3 ^ v11;
  h[4] = h[4]! ^ v4 ^ v12;
  h[5] = h[5]! ^ v5 ^ v13;
  h[6] = h[6]! ^ v6 ^ v14;
  h[7] = h[7]! ^ v7 ^ v15;
}

function bswap(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | ((x >>> 24) & 0xff);
}
