/**
 * A tiny length-prefixed binary codec for persisted primitive state (ratchet, SDS, reassembly). State is not
 * a wire format, so protobuf's flexibility buys nothing here; a fixed layout keeps it compact and versioned.
 */
import { utf8 } from "./bytes.js";

/**
 * Scratch buffers of finished writers, reused by the next ones (persisted state is re-encoded on every message
 * and is tens of KiB once the SDS history window fills). They are wiped when returned: they held state.
 */
const pool: Uint8Array[] = [];
const POOL_SIZE = 4;
const POOLED_MAX_BYTES = 1 << 20;

/** Bytes the sparse encoder reads before it may give up on an array that does not pack. */
const SPARSE_PROBE = 256;

export class ByteWriter {
  // One growing buffer written in place: the writer must not allocate per field (the byte layout is exactly
  // that of a list of length-prefixed chunks).
  #buf: Uint8Array = pool.pop() ?? new Uint8Array(1024);
  #length = 0;
  /** Furthest byte ever written (a sparse encoding may be rewound): what `finish` must wipe. */
  #high = 0;

  u8(n: number): this {
    this.#reserve(1);
    this.#buf[this.#length++] = n & 0xff;
    return this;
  }

  u32(n: number): this {
    this.#reserve(4);
    this.#put32(n >>> 0);
    return this;
  }

  u64(n: bigint): this {
    const v = BigInt.asUintN(64, n);
    this.#reserve(8);
    this.#put32(Number(v >> 32n));
    this.#put32(Number(v & 0xffffffffn));
    return this;
  }

  /** A non-negative safe integer (times in ms, counters) as 8 bytes. */
  uint(n: number): this {
    if (!(Number.isSafeInteger(n) && n >= 0)) return this.u64(BigInt(n));
    this.#reserve(8);
    this.#put32(Math.floor(n / 0x100000000));
    this.#put32(n >>> 0);
    return this;
  }

  /**
   * Makes room for `n` more bytes at once: a caller about to write large byte strings (a frame record with
   * megabytes of sealed segments) saves the copies of growing the buffer step by step.
   */
  reserve(n: number): this {
    this.#reserve(n);
    return this;
  }

  /** Exactly `bytes.length` raw bytes: the reader must know the length. */
  raw(bytes: Uint8Array): this {
    this.#reserve(bytes.length);
    this.#buf.set(bytes, this.#length);
    this.#length += bytes.length;
    return this;
  }

  /** u32 length prefix, then the bytes. */
  bytes(bytes: Uint8Array): this {
    return this.u32(bytes.length).raw(bytes);
  }

  optBytes(bytes: Uint8Array | undefined): this {
    return bytes === undefined ? this.u8(0) : this.u8(1).bytes(bytes);
  }

  string(text: string): this {
    // Short ASCII strings (hex ids, topics) are written directly; long or non-ASCII ones by the native encoder.
    const n = text.length;
    if (n > 256) return this.bytes(utf8(text));
    this.#reserve(4 + n);
    const start = this.#length + 4;
    const buf = this.#buf;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) return this.bytes(utf8(text));
      buf[start + i] = c;
    }
    this.#put32(n);
    this.#length += n;
    return this;
  }

  /**
   * A list of strings packed for speed: u32 count, then either u8 1 and the common length of all of them
   * (u32), or u8 0 and each one's length (u32), lengths in UTF-16 code units; then the UTF-8 bytes of all of
   * them joined (u32 length prefix). Reading it back costs one UTF-8 decode for the whole list instead of one
   * per string, which matters for the long id lists persisted state re-encodes per message.
   */
  stringList(list: readonly string[]): this {
    const n = list.length;
    this.u32(n);
    const first = n > 0 ? list[0]!.length : 0;
    let uniform = true;
    for (let i = 1; i < n && uniform; i++) uniform = list[i]!.length === first;
    if (uniform) this.u8(1).u32(first);
    else {
      this.u8(0);
      this.#reserve(4 * n);
      for (const s of list) this.#put32(s.length);
    }
    return this.string(list.join(""));
  }

  /**
   * A list of `count` lowercase-hex strings of one even length, already packed (`packHex`) into `packed`,
   * `width` bytes each: the `stringList` layout with form 2 (u32 count, u8 2, u32 width, the bytes). Only
   * readers that opt in (`ByteReader.stringList` with `onHex`) accept it.
   */
  hexList(count: number, width: number, packed: Uint8Array): this {
    if (!(width > 0 && packed.length === count * width)) throw new RangeError("packed hex list has the wrong length");
    return this.u32(count).u8(2).u32(width).raw(packed);
  }

  /**
   * Bytes that are mostly zero (a young Bloom filter): flag 1, u32 length, then (zero run, literal run)
   * pairs as u16 counts followed by the literal bytes; flag 0 and plain `bytes` when that is not shorter.
   * Which of the two is written is a size choice only (both read back the same): the encoder gives up on the
   * sparse form as soon as it is not paying off (a full Bloom filter).
   */
  sparseBytes(bytes: Uint8Array): this {
    const n = bytes.length;
    // Room for the sparse form up to where it is found too long: within 4 + n bytes past plain bytes' n + 5.
    this.#reserve(2 * n + 14);
    const start = this.#length;
    this.u8(1).u32(n);
    const buf = this.#buf;
    let o = this.#length;
    // Bytes the sparse form may take before plain bytes are cheaper: every 4-byte run header must be paid for.
    const limit = start + n + 5;
    let i = 0;
    while (i < n) {
      let zeros = 0;
      while (i < n && bytes[i] === 0 && zeros < 0xffff) {
        i++;
        zeros++;
      }
      // The literal run is copied as it is scanned.
      const header = o;
      o += 4;
      let end = i;
      while (end < n && bytes[end] !== 0 && end - i < 0xffff) buf[o++] = bytes[end++]!;
      const literal = end - i;
      // Not shorter than plain bytes (up to here, once past a first stretch, or in the end): write those.
      if (o > limit || (i >= SPARSE_PROBE && o - start - 5 >= end)) {
        this.#high = Math.max(this.#high, o);
        this.#length = start;
        return this.u8(0).bytes(bytes);
      }
      buf[header] = zeros >>> 8;
      buf[header + 1] = zeros;
      buf[header + 2] = literal >>> 8;
      buf[header + 3] = literal;
      i = end;
    }
    this.#length = o;
    return this;
  }

  /**
   * Writes `write`'s output prefixed by its length (u32), the layout of `bytes(...)` without encoding into a
   * separate buffer first.
   */
  sized(write: (w: this) => void): this {
    this.#reserve(4);
    const at = this.#length;
    this.#length += 4;
    write(this);
    const length = this.#length - at - 4;
    const b = this.#buf;
    b[at] = length >>> 24;
    b[at + 1] = length >>> 16;
    b[at + 2] = length >>> 8;
    b[at + 3] = length;
    return this;
  }

  /**
   * Writes what `write` writes for `key`; from the second time `key` is written on, the bytes are remembered
   * in `cache` and copied. Only for keys that never change (the immutable parts of persisted state) and
   * whose bytes depend on nothing else. (Remembering starts at the second time: most keys that are written
   * once are never written again, and copying their bytes aside would be wasted.)
   */
  cached<K extends object>(cache: WeakMap<K, Uint8Array | null>, key: K, write: (w: this, key: K) => void): this {
    const hit = cache.get(key);
    if (hit) return this.raw(hit);
    const start = this.#length;
    write(this, key);
    cache.set(key, hit === null ? this.#buf.slice(start, this.#length) : null);
    return this;
  }

  /** How many bytes have been written so far (where the next one goes). */
  get position(): number {
    return this.#length;
  }

  /** A copy of the bytes written from `start` (a past `position`) up to now. */
  copy(start: number): Uint8Array {
    if (!(start >= 0 && start <= this.#length)) throw new RangeError("copy start outside the written bytes");
    return this.#buf.slice(start, this.#length);
  }

  /** The bytes written; the writer must not be used afterwards (its buffer goes back to the pool). */

  finish(): Uint8Array {
    const buf = this.#buf;
    // A large buffer that is not pooled and at least half full is handed out as it is: copying it again would
    // cost another pass over every byte (a frame record of megabytes), for at most twice its size in memory.
    const keep = buf.length > POOLED_MAX_BYTES && this.#length >= buf.length / 2;
    const out = keep ? buf.subarray(0, this.#length) : buf.slice(0, this.#length);
    if (!keep && pool.length < POOL_SIZE && buf.length <= POOLED_MAX_BYTES) {
      buf.fill(0, 0, Math.max(this.#high, this.#length));
      pool.push(buf);
    }
    this.#buf = new Uint8Array(0);
    this.#length = 0;
    this.#high = 0;
    return out;
  }

  #put32(v: number): void {
    const b = this.#buf;
    const o = this.#length;
    b[o] = v >>> 24;
    b[o + 1] = v >>> 16;
    b[o + 2] = v >>> 8;
    b[o + 3] = v;
    this.#length = o + 4;
  }

  #reserve(n: number): void {
    if (this.#length + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#length + n));
    next.set(this.#buf.subarray(0, this.#length));
    this.#buf = next;
  }
}

export { ByteReader, packHex, TruncatedInput } from "./binary-reader.js";
