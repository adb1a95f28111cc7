/**
 * BLAKE2b (RFC 7693) with key, salt, personalization and any output length 1..64, written for the short
 * inputs Parley hashes on every message (ratchet chain KDF, SDS message ids, frame ids). node:crypto has no
 * keyed/personalised BLAKE2b and noble's general-purpose one costs tens of microseconds per call, mostly in
 * per-call setup; this one keeps its state in preallocated 32-bit arrays (each 64-bit word as two halves) and
 * allocates only the digest.
 *
 * Inputs are NOT validated here: the providers validate and normalise options first (validate.ts).
 * Single-threaded and never re-entered, so the scratch arrays are shared; they are wiped after a keyed hash.
 */
import { BLAKE2_SIGMA } from "./blake2-tables.js";

// Initialisation vector (SHA-512's), as [low, high] 32-bit halves of each 64-bit word.
const IV = Int32Array.of(
  0xf3bcc908,
  0x6a09e667,
  0x84caa73b,
  0xbb67ae85,
  0xfe94f82b,
  0x3c6ef372,
  0x5f1d36f1,
  0xa54ff53a,
  0xade682d1,
  0x510e527f,
  0x2b3e6c1f,
  0x9b05688c,
  0xfb41bd6b,
  0x1f83d9ab,
  0x137e2179,
  0x5be0cd19,
);

// Message word schedule: 12 rounds (rounds 10 and 11 repeat 0 and 1), pre-doubled to index the halves.
const SIGMA = Uint8Array.from([...BLAKE2_SIGMA, ...BLAKE2_SIGMA.subarray(0, 32)], (i) => 2 * i);

const BLOCK = 128;
const h = new Int32Array(16); // chaining state
const m = new Int32Array(32); // message block
const TWO32 = 4294967296;

/**
 * BLAKE2b of `data` with output length `dkLen` (1..64), optional key (0..64 bytes), salt and personalization
 * (each at most 16 bytes, zero-padded). Returns a new array of `dkLen` bytes.
 */
export function blake2bFast(
  data: Uint8Array,
  dkLen = 64,
  key?: Uint8Array,
  salt?: Uint8Array,
  personalization?: Uint8Array,
): Uint8Array {
  const keyLength = key === undefined ? 0 : key.length;
  h.set(IV);
  // Parameter block: digest length, key length, fanout 1, depth 1; salt in words 4-5, personalization in 6-7.
  h[0] = h[0]! ^ 0x01010000 ^ (keyLength << 8) ^ dkLen;
  if (salt !== undefined) xorParam(salt, 8);
  if (personalization !== undefined) xorParam(personalization, 12);

  let t = 0; // bytes compressed so far (inputs here stay far below 2^53)
  const n = data.length;
  if (keyLength > 0) {
    m.fill(0);
    loadPartial(key!, 0, keyLength);
    t = BLOCK;
    compress(t, n === 0);
    m.fill(0); // the key block is secret
  }
  let off = 0;
  // Every full block but the last one; the last block (full, partial or empty) carries the final flag.
  while (n - off > BLOCK) {
    loadFull(data, off);
    off += BLOCK;
    t += BLOCK;
    compress(t, false);
  }
  if (n > 0 || keyLength === 0) {
    m.fill(0);
    loadPartial(data, off, n - off);
    t += n - off;
    compress(t, true);
  }
  const out = new Uint8Array(dkLen);
  for (let i = 0; i < dkLen; i++) out[i] = h[i >> 2]! >>> (8 * (i & 3));
  if (keyLength > 0) {
    h.fill(0);
  }
  return out;
}

function xorParam(bytes: Uint8Array, word: number): void {
  for (let i = 0; i < bytes.length && i < 16; i++)
    h[word + (i >> 2)] = h[word + (i >> 2)]! ^ (bytes[i]! << (8 * (i & 3)));
}

function loadFull(data: Uint8Array, off: number): void {
  for (let i = 0; i < 32; i++) {
    const p = off + 4 * i;
    m[i] = data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16) | (data[p + 3]! << 24);
  }
}

/** Loads `length` bytes (at most 128) into the zeroed block. */
function loadPartial(data: Uint8Array, off: number, length: number): void {
  for (let i = 0; i < length; i++) m[i >> 2] = m[i >> 2]! | (data[off + i]! << (8 * (i & 3)));
}

/**
 * One compression of `m` into `h`; `t` is the byte counter, `last` sets the final-block flag. The 16 words of
 * the working vector live in 32 locals and the eight G mixes of a round are written out (G: a += b + x;
 * d = (d ^ a) >>> 32; c += d; b = (b ^ c) >>> 24; a += b + y; d = (d ^ a) >>> 16; c += d; b = (b ^ c) >>> 63),
 * which is several times faster than indexing a state array. 64-bit additions carry from the low half into
 * the high half; the rotations are spelled on the halves (>>> 63 is a rotation left by one).
 */
function compress(t: number, last: boolean): void {
  let v0l = h[0]!;
  let v0h = h[1]!;
  let v1l = h[2]!;
  let v1h = h[3]!;
  let v2l = h[4]!;
  let v2h = h[5]!;
  let v3l = h[6]!;
  let v3h = h[7]!;
  let v4l = h[8]!;
  let v4h = h[9]!;
  let v5l = h[10]!;
  let v5h = h[11]!;
  let v6l = h[12]!;
  let v6h = h[13]!;
  let v7l = h[14]!;
  let v7h = h[15]!;
  let v8l = IV[0]!;
  let v8h = IV[1]!;
  let v9l = IV[2]!;
  let v9h = IV[3]!;
  let v10l = IV[4]!;
  let v10h = IV[5]!;
  let v11l = IV[6]!;
  let v11h = IV[7]!;
  let v12l = IV[8]!;
  let v12h = IV[9]!;
  let v13l = IV[10]!;
  let v13h = IV[11]!;
  let v14l = IV[12]!;
  let v14h = IV[13]!;
  let v15l = IV[14]!;
  let v15h = IV[15]!;
  v12l ^= t; // byte counter, low 64 bits as two halves (the high 64 bits stay 0)
  v12h ^= (t / TWO32) | 0;
  if (last) {
    v14l = ~v14l;
    v14h = ~v14h;
  }
  let s: number;
  let u: number;
  let w: number;
  for (let r = 0; r < 192; r += 16) {
    // G0: a=0 b=4 c=8 d=12
    s = (v0l + v4l) | 0;
    v0h = (v0h + v4h + (s >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
    v0l = s;
    w = SIGMA[r + 0]!;
    s = (v0l + m[w]!) | 0;
    v0h = (v0h + m[w + 1]! + (s >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
    v0l = s;
    u = v12l ^ v0l;
    v12l = v12h ^ v0h;
    v12h = u;
    s = (v8l + v12l) | 0;
    v8h = (v8h + v12h + (s >>> 0 < v8l >>> 0 ? 1 : 0)) | 0;
    v8l = s;
    u = v4l ^ v8l;
    v4h ^= v8h;
    v4l = (u >>> 24) | (v4h << 8);
    v4h = (v4h >>> 24) | (u << 8);
    s = (v0l + v4l) | 0;
    v0h = (v0h + v4h + (s >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
    v0l = s;
    w = SIGMA[r + 1]!;
    s = (v0l + m[w]!) | 0;
    v0h = (v0h + m[w + 1]! + (s >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
    v0l = s;
    u = v12l ^ v0l;
    v12h ^= v0h;
    v12l = (u >>> 16) | (v12h << 16);
    v12h = (v12h >>> 16) | (u << 16);
    s = (v8l + v12l) | 0;
    v8h = (v8h + v12h + (s >>> 0 < v8l >>> 0 ? 1 : 0)) | 0;
    v8l = s;
    u = v4l ^ v8l;
    v4h ^= v8h;
    v4l = (u << 1) | (v4h >>> 31);
    v4h = (v4h << 1) | (u >>> 31);
    // G1: a=1 b=5 c=9 d=13
    s = (v1l + v5l) | 0;
    v1h = (v1h + v5h + (s >>> 0 < v1l >>> 0 ? 1 : 0)) | 0;
    v1l = s;
    w = SIGMA[r + 2]!;
    s = (v1l + m[w]!) | 0;
    v1h = (v1h + m[w + 1]! + (s >>> 0 < v1l >>> 0 ? 1 : 0)) | 0;
    v1l = s;
    u = v13l ^ v1l;
    v13l = v13h ^ v1h;
    v13h = u;
    s = (v9l + v13l) | 0;
    v9h = (v9h + v13h + (s >>> 0 < v9l >>> 0 ? 1 : 0)) | 0;
    v9l = s;
    u = v5l ^ v9l;
    v5h ^= v9h;
    v5l = (u >>> 24) | (v5h << 8);
    v5h = (v5h >>> 24) | (u << 8);
    s = (v1l + v5l) | 0;
    v1h = (v1h + v5h + (s >>> 0 < v1l >>> 0 ? 1 : 0)) | 0;
    v1l = s;
    w = SIGMA[r + 3]!;
    s = (v1l + m[w]!) | 0;
    v1h = (v1h + m[w + 1]! + (s >>> 0 < v1l >>> 0 ? 1 : 0)) | 0;
    v1l = s;
    u = v13l ^ v1l;
    v13h ^= v1h;
    v13l = (u >>> 16) | (v13h << 16);
    v13h = (v13h >>> 16) | (u << 16);
    s = (v9l + v13l) | 0;
    v9h = (v9h + v13h + (s >>> 0 < v9l >>> 0 ? 1 : 0)) | 0;
    v9l = s;
    u = v5l ^ v9l;
    v5h ^= v9h;
    v5l = (u << 1) | (v5h >>> 31);
    v5h = (v5h << 1) | (u >>> 31);
    // G2: a=2 b=6 c=10 d=14
    s = (v2l + v6l) | 0;
    v2h = (v2h + v6h + (s >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
    v2l = s;
    w = SIGMA[r + 4]!;
    s = (v2l + m[w]!) | 0;
    v2h = (v2h + m[w + 1]! + (s >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
    v2l = s;
    u = v14l ^ v2l;
    v14l = v14h ^ v2h;
    v14h = u;
    s = (v10l + v14l) | 0;
    v10h = (v10h + v14h + (s >>> 0 < v10l >>> 0 ? 1 : 0)) | 0;
    v10l = s;
    u = v6l ^ v10l;
    v6h ^= v10h;
    v6l = (u >>> 24) | (v6h << 8);
    v6h = (v6h >>> 24) | (u << 8);
    s = (v2l + v6l) | 0;
    v2h = (v2h + v6h + (s >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
    v2l = s;
    w = SIGMA[r + 5]!;
    s = (v2l + m[w]!) | 0;
    v2h = (v2h + m[w + 1]! + (s >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
    v2l = s;
    u = v14l ^ v2l;
    v14h ^= v2h;
    v14l = (u >>> 16) | (v14h << 16);
    v14h = (v14h >>> 16) | (u << 16);
    s = (v10l + v14l) | 0;
    v10h = (v10h + v14h + (s >>> 0 < v10l >>> 0 ? 1 : 0)) | 0;
    v10l = s;
    u = v6l ^ v10l;
    v6h ^= v10h;
    v6l = (u << 1) | (v6h >>> 31);
    v6h = (v6h << 1) | (u >>> 31);
    // G3: a=3 b=7 c=11 d=15
    s = (v3l + v7l) | 0;
    v3h = (v3h + v7h + (s >>> 0 < v3l >>> 0 ? 1 : 0)) | 0;
    v3l = s;
    w = SIGMA[r + 6]!;
    s = (v3l + m[w]!) | 0;
    v3h = (v3h + m[w + 1]! + (s >>> 0 < v3l >>> 0 ? 1 : 0)) | 0;
    v3l = s;
    u = v15l ^ v3l;
    v15l = v15h ^ v3h;
    v15h = u;
    s = (v11l + v15l) | 0;
    v11h = (v11h + v15h + (s >>> 0 < v11l >>> 0 ? 1 : 0)) | 0;
    v11l = s;
    u = v7l ^ v11l;
    v7h ^= v11h;
    v7l = (u >>> 24) | (v7h << 8);
    v7h = (v7h >>> 24) | (u << 8);
    s = (v3l + v7l) | 0;
    v3h = (v3h + v7h + (s >>> 0 < v3l >>> 0 ? 1 : 0)) | 0;
    v3l = s;
    w = SIGMA[r + 7]!;
    s = (v3l + m[w]!) | 0;
    v3h = (v3h + m[w + 1]! + (s >>> 0 < v3l >>> 0 ? 1 : 0)) | 0;
    v3l = s;
    u = v15l ^ v3l;
    v15h ^= v3h;
    v15l = (u >>> 16) | (v15h << 16);
    v15h = (v15h >>> 16) | (u << 16);
    s = (v11l + v15l) | 0;
    v11h = (v11h + v15h + (s >>> 0 < v11l >>> 0 ? 1 : 0)) | 0;
    v11l = s;
    u = v7l ^ v11l;
    v7h ^= v11h;
    v7l = (u << 1) | (v7h >>> 31);
    v7h = (v7h << 1) | (u >>> 31);
    // G4: a=0 b=5 c=10 d=15
    s = (v0l + v5l) | 0;
    v0h = (v0h + v5h + (s >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
    v0l = s;
    w = SIGMA[r + 8]!;
    s = (v0l + m[w]!) | 0;
    v0h = (v0h + m[w + 1]! + (s >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
    v0l = s;
    u = v15l ^ v0l;
    v15l = v15h ^ v0h;
    v15h = u;
    s = (v10l + v15l) | 0;
    v10h = (v10h + v15h + (s >>> 0 < v10l >>> 0 ? 1 : 0)) | 0;
    v10l = s;
    u = v5l ^ v10l;
    v5h ^= v10h;
    v5l = (u >>> 24) | (v5h << 8);
    v5h = (v5h >>> 24) | (u << 8);
    s = (v0l + v5l) | 0;
    v0h = (v0h + v5h + (s >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
    v0l = s;
    w = SIGMA[r + 9]!;
    s = (v0l + m[w]!) | 0;
    v0h = (v0h + m[w + 1]! + (s >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
    v0l = s;
    u = v15l ^ v0l;
    v15h ^= v0h;
    v15l = (u >>> 16) | (v15h << 16);
    v15h = (v15h >>> 16) | (u << 16);
    s = (v10l + v15l) | 0;
    v10h = (v10h + v15h + (s >>> 0 < v10l >>> 0 ? 1 : 0)) | 0;
    v10l = s;
    u = v5l ^ v10l;
    v5h ^= v10h;
    v5l = (u << 1) | (v5h >>> 31);
    v5h = (v5h << 1) | (u >>> 31);
    // G5: a=1 b=6 c=11 d=12
    s = (v1l + v6l) | 0;
    v1h = (v1h + v6h + (s >>> 0 < v1l >>> 0 ? 1 : 0)) | 0;
    v1l = s;
    w = SIGMA[r + 10]!;
    s = (v1l + m[w]!) | 0;
    v1h = (v1h + m[w + 1]! + (s >>> 0 < v1l >>> 0 ? 1 : 0)) | 0;
    v1l = s;
    u = v12l ^ v1l;
    v12l = v12h ^ v1h;
    v12h = u;
    s = (v11l + v12l) | 0;
    v11h = (v11h + v12h + (s >>> 0 < v11l >>> 0 ? 1 : 0)) | 0;
    v11l = s;
    u = v6l ^ v11l;
    v6h ^= v11h;
    v6l = (u >>> 24) | (v6h << 8);
    v6h = (v6h >>> 24) | (u << 8);
    s = (v1l + v6l) | 0;
    v1h = (v1h + v6h + (s >>> 0 < v1l >>> 0 ? 1 : 0)) | 0;
    v1l = s;
    w = SIGMA[r + 11]!;
    s = (v1l + m[w]!) | 0;
    v1h = (v1h + m[w + 1]! + (s >>> 0 < v1l >>> 0 ? 1 : 0)) | 0;
    v1l = s;
    u = v12l ^ v1l;
    v12h ^= v1h;
    v12l = (u >>> 16) | (v12h << 16);
    v12h = (v12h >>> 16) | (u << 16);
    s = (v11l + v12l) | 0;
    v11h = (v11h + v12h + (s >>> 0 < v11l >>> 0 ? 1 : 0)) | 0;
    v11l = s;
    u = v6l ^ v11l;
    v6h ^= v11h;
    v6l = (u << 1) | (v6h >>> 31);
    v6h = (v6h << 1) | (u >>> 31);
    // G6: a=2 b=7 c=8 d=13
    s = (v2l + v7l) | 0;
    v2h = (v2h + v7h + (s >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
    v2l = s;
    w = SIGMA[r + 12]!;
    s = (v2l + m[w]!) | 0;
    v2h = (v2h + m[w + 1]! + (s >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
    v2l = s;
    u = v13l ^ v2l;
    v13l = v13h ^ v2h;
    v13h = u;
    s = (v8l + v13l) | 0;
    v8h = (v8h + v13h + (s >>> 0 < v8l >>> 0 ? 1 : 0)) | 0;
    v8l = s;
    u = v7l ^ v8l;
    v7h ^= v8h;
    v7l = (u >>> 24) | (v7h << 8);
    v7h = (v7h >>> 24) | (u << 8);
    s = (v2l + v7l) | 0;
    v2h = (v2h + v7h + (s >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
    v2l = s;
    w = SIGMA[r + 13]!;
    s = (v2l + m[w]!) | 0;
    v2h = (v2h + m[w + 1]! + (s >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
    v2l = s;
    u = v13l ^ v2l;
    v13h ^= v2h;
    v13l = (u >>> 16) | (v13h << 16);
    v13h = (v13h >>> 16) | (u << 16);
    s = (v8l + v13l) | 0;
    v8h = (v8h + v13h + (s >>> 0 < v8l >>> 0 ? 1 : 0)) | 0;
    v8l = s;
    u = v7l ^ v8l;
    v7h ^= v8h;
    v7l = (u << 1) | (v7h >>> 31);
    v7h = (v7h << 1) | (u >>> 31);
    // G7: a=3 b=4 c=9 d=14
    s = (v3l + v4l) | 0;
    v3h = (v3h + v4h + (s >>> 0 < v3l >>> 0 ? 1 : 0)) | 0;
    v3l = s;
    w = SIGMA[r + 14]!;
    s = (v3l + m[w]!) | 0;
    v3h = (v3h + m[w + 1]! + (s >>> 0 < v3l >>> 0 ? 1 : 0)) | 0;
    v3l = s;
    u = v14l ^ v3l;
    v14l = v14h ^ v3h;
    v14h = u;
    s = (v9l + v14l) | 0;
    v9h = (v9h + v14h + (s >>> 0 < v9l >>> 0 ? 1 : 0)) | 0;
    v9l = s;
    u = v4l ^ v9l;
    v4h ^= v9h;
    v4l = (u >>> 24) | (v4h << 8);
    v4h = (v4h >>> 24) | (u << 8);
    s = (v3l + v4l) | 0;
    v3h = (v3h + v4h + (s >>> 0 < v3l >>> 0 ? 1 : 0)) | 0;
    v3l = s;
    w = SIGMA[r + 15]!;
    s = (v3l + m[w]!) | 0;
    v3h = (v3h + m[w + 1]! + (s >>> 0 < v3l >>> 0 ? 1 : 0)) | 0;
    v3l = s;
    u = v14l ^ v3l;
    v14h ^= v3h;
    v14l = (u >>> 16) | (v14h << 16);
    v14h = (v14h >>> 16) | (u << 16);
    s = (v9l + v14l) | 0;
    v9h = (v9h + v14h + (s >>> 0 < v9l >>> 0 ? 1 : 0)) | 0;
    v9l = s;
    u = v4l ^ v9l;
    v4h ^= v9h;
    v4l = (u << 1) | (v4h >>> 31);
    v4h = (v4h << 1) | (u >>> 31);
  }
  h[0] = h[0]! ^ v0l ^ v8l;
  h[1] = h[1]! ^ v0h ^ v8h;
  h[2] = h[2]! ^ v1l ^ v9l;
  h[3] = h[3]! ^ v1h ^ v9h;
  h[4] = h[4]! ^ v2l ^ v10l;
  h[5] = h[5]! ^ v2h ^ v10h;
  h[6] = h[6]! ^ v3l ^ v11l;
  h[7] = h[7]! ^ v3h ^ v11h;
  h[8] = h[8]! ^ v4l ^ v12l;
  h[9] = h[9]! ^ v4h ^ v12h;
  h[10] = h[10]! ^ v5l ^ v13l;
  h[11] = h[11]! ^ v5h ^ v13h;
  h[12] = h[12]! ^ v6l ^ v14l;
  h[13] = h[13]! ^ v6h ^ v14h;
  h[14] = h[14]! ^ v7l ^ v15l;
  h[15] = h[15]! ^ v7h ^ v15h;
}

const HMAC_BLOCK = 128;

/** RFC 2104 HMAC over BLAKE2b-512 (block 128 bytes), as `hmac(blake2b, key, data)` computes it. */
export function hmacBlake2b512(key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = key.length > HMAC_BLOCK ? blake2bFast(key) : key;
  const inner = new Uint8Array(HMAC_BLOCK + data.length);
  const outer = new Uint8Array(HMAC_BLOCK + 64);
  inner.fill(0x36, 0, HMAC_BLOCK);
  outer.fill(0x5c, 0, HMAC_BLOCK);
  for (let i = 0; i < k.length; i++) {
    inner[i] = inner[i]! ^ k[i]!;
    outer[i] = outer[i]! ^ k[i]!;
  }
  inner.set(data, HMAC_BLOCK);
  const innerHash = blake2bFast(inner);
  outer.set(innerHash, HMAC_BLOCK);
  const out = blake2bFast(outer);
  // The padded keys are secrets.
  inner.fill(0, 0, HMAC_BLOCK);
  outer.fill(0);
  innerHash.fill(0);
  if (k !== key) k.fill(0);
  return out;
}

/** RFC 5869 HKDF (extract + expand) over HMAC-BLAKE2b-512; `length` at most 255 * 64 (checked by callers). */
export function hkdfBlake2b512(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  // An empty salt means HashLen zeros (RFC 5869 §2.2); as a key both give the same padded block.
  const prk = hmacBlake2b512(salt, ikm);
  const out = new Uint8Array(length);
  const block = new Uint8Array(64 + info.length + 1);
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 0, done = 0; done < length; i++) {
    const input = block.subarray(64 - previous.length);
    input.set(previous, 0);
    input.set(info, previous.length);
    input[previous.length + info.length] = i + 1;
    const t = hmacBlake2b512(prk, input);
    out.set(t.subarray(0, Math.min(64, length - done)), done);
    done += 64;
    previous.fill(0);
    previous = t;
  }
  previous.fill(0);
  prk.fill(0);
  block.fill(0);
  return out;
}
