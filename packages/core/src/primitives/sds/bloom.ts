/**
 * The SDS acknowledgement Bloom filter, bit-compatible with js-waku (`@waku/sds`): the same sizing rule, the
 * same hash family (a port of Nim's `hashN`: murmur3 of the id's char codes, double hashing with `id & " b"`)
 * and the same serialization (64-bit words, big-endian). The SDS spec leaves all three open, so a filter is
 * only meaningful to a peer configured with the same capacity and error rate.
 */

export interface BloomParams {
  readonly capacity: number;
  readonly errorRate: number;
}

/** js-waku's hard-coded parameters (`DEFAULT_BLOOM_FILTER_OPTIONS`): 18,752 bytes on the wire. */
export const JS_WAKU_BLOOM: BloomParams = { capacity: 10_000, errorRate: 0.001 };
/** The PRIVATE1 spec's parameters (n = 2000, p = 0.001): 3,752 bytes on the wire. */
export const PRIVATE_V1_BLOOM: BloomParams = { capacity: 2000, errorRate: 0.001 };

export interface BloomGeometry {
  readonly params: BloomParams;
  /** Bit positions hashed into (m). */
  readonly totalBits: number;
  /** Hash functions (k). */
  readonly hashes: number;
  /** Serialized length: (1 + floor(m / 64)) 64-bit words. */
  readonly byteLength: number;
}

/** js-waku's sizing when k is not forced: bits per element = ceil(-ln p / ln² 2), k = round(ln 2 × that). */
export function bloomGeometry(params: BloomParams): BloomGeometry {
  const { capacity, errorRate } = params;
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("bloom capacity must be a positive integer");
  if (!(errorRate > 0 && errorRate < 1)) throw new RangeError("bloom error rate must be in (0, 1)");
  const bitsPerElem = Math.ceil(-1 * (Math.log(errorRate) / Math.log(2) ** 2));
  const hashes = Math.round(Math.log(2) * bitsPerElem);
  const totalBits = capacity * bitsPerElem;
  if (totalBits > 0x7fffffff / Math.max(1, hashes)) throw new RangeError("bloom filter too large");
  return { params, totalBits, hashes, byteLength: 8 * (1 + Math.floor(totalBits / 64)) };
}

/** Nim's `hashes.hash` for a string (murmur3 32-bit, seed 0) on the JS port's char codes; signed result. */
function nimHash(codes: readonly number[], size: number = codes.length): number {
  const blocks = size - (size % 4);
  let h1 = 0;
  let i = 0;
  for (; i < blocks; i += 4) {
    let k1 = 0;
    // Bytes are read little-endian; `|` without masking mirrors the port for code units above 255.
    for (let j = 3; j >= 0; j--) k1 = (((k1 << 8) >>> 0) | codes[i + j]!) >>> 0;
    k1 = Math.imul(k1, 0xcc9e2d51) >>> 0;
    k1 = rotl32(k1, 15);
    k1 = Math.imul(k1, 0x1b873593) >>> 0;
    h1 = (h1 ^ k1) >>> 0;
    h1 = rotl32(h1, 13);
    h1 = ((Math.imul(h1, 5) >>> 0) + 0xe6546b64) >>> 0;
  }
  let k1 = 0;
  for (let r = (size % 4) - 1; r >= 0; r--) k1 = (((k1 << 8) >>> 0) | codes[i + r]!) >>> 0;
  k1 = Math.imul(k1, 0xcc9e2d51) >>> 0;
  k1 = rotl32(k1, 15);
  k1 = Math.imul(k1, 0x1b873593) >>> 0;
  h1 = (h1 ^ k1) >>> 0;
  h1 = (h1 ^ size) >>> 0;
  h1 = (h1 ^ (h1 >>> 16)) >>> 0;
  h1 = Math.imul(h1, 0x85ebca6b) >>> 0;
  h1 = (h1 ^ (h1 >>> 13)) >>> 0;
  h1 = Math.imul(h1, 0xc2b2ae35) >>> 0;
  h1 = (h1 ^ (h1 >>> 16)) >>> 0;
  return h1 | 0;
}

function rotl32(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/** Reused by `doubleHash` (filters are used synchronously): ids are hashed once per message. */
const scratch: number[] = [];

/**
 * The two hashes of `item` in [0, maxValue): of the js-waku port's view of the string (one char code, the
 * first UTF-16 unit, per code point, as `Array.from(item, (ch) => ch.charCodeAt(0))` gives), and of that
 * followed by " b".
 */
function doubleHash(item: string, maxValue: number): [number, number] {
  const codes = scratch;
  let size = 0;
  for (let i = 0; i < item.length; i++) {
    const c = item.charCodeAt(i);
    codes[size++] = c;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < item.length) {
      const next = item.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  const a = Math.abs(nimHash(codes, size)) % maxValue;
  codes[size] = 32;
  codes[size + 1] = 98;
  const b = Math.abs(nimHash(codes, size + 2)) % maxValue;
  return [a, b];
}

/** The n-th hash of `item` in [0, maxValue) (Kirsch–Mitzenmacher double hashing, as js-waku). */
export function nimHashN(item: string, n: number, maxValue: number): number {
  const [a, b] = doubleHash(item, maxValue);
  return Math.abs(a + n * b) % maxValue;
}

/** Bit `h` lives in word h >> 6, bit h & 63, and words are big-endian on the wire: its byte. */
function byteOf(h: number): number {
  return Math.floor(h / 64) * 8 + 7 - ((h % 64) >> 3);
}

export function emptyBloom(geometry: BloomGeometry): Uint8Array {
  return new Uint8Array(geometry.byteLength);
}

/** Returns a new filter with `item` added (the input is not modified). */
export function bloomInsert(geometry: BloomGeometry, bits: Uint8Array, item: string): Uint8Array {
  const out = bits.slice();
  const m = geometry.totalBits;
  const [a, b] = doubleHash(item, m);
  for (let n = 0; n < geometry.hashes; n++) {
    const h = Math.abs(a + n * b) % m;
    out[byteOf(h)]! |= 1 << (h & 7);
  }
  return out;
}

/** True when `item` may be in the filter; false when it certainly is not (or the filter has the wrong size). */
export function bloomHas(geometry: BloomGeometry, bits: Uint8Array, item: string): boolean {
  if (bits.length !== geometry.byteLength) return false;
  const m = geometry.totalBits;
  const [a, b] = doubleHash(item, m);
  for (let n = 0; n < geometry.hashes; n++) {
    const h = Math.abs(a + n * b) % m;
    if ((bits[byteOf(h)]! & (1 << (h & 7))) === 0) return false;
  }
  return true;
}
