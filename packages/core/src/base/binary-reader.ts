/**
 * Reading the persisted-state codec of binary.ts: `ByteReader` (every read bounds-checked, `TruncatedInput`
 * inside decoders only) and the packed lowercase-hex ids both sides share.
 */
import { fromUtf8 } from "./bytes.js";

/** Thrown only inside decoders built on ByteReader; they catch it and return a typed result. */
export class TruncatedInput extends Error {}

export class ByteReader {
  #offset = 0;

  constructor(private readonly input: Uint8Array) {}

  get done(): boolean {
    return this.#offset === this.input.length;
  }

  u8(): number {
    this.#need(1);
    return this.input[this.#offset++]!;
  }

  u32(): number {
    this.#need(4);
    const v = this.#get32(this.#offset);
    this.#offset += 4;
    return v;
  }

  u64(): bigint {
    this.#need(8);
    const v = (BigInt(this.#get32(this.#offset)) << 32n) | BigInt(this.#get32(this.#offset + 4));
    this.#offset += 8;
    return v;
  }

  uint(): number {
    this.#need(8);
    const hi = this.#get32(this.#offset);
    const lo = this.#get32(this.#offset + 4);
    // Above 2^53 - 1 once the high word exceeds 21 bits.
    if (hi > 0x1fffff) throw new TruncatedInput("integer out of range");
    this.#offset += 8;
    return hi * 0x100000000 + lo;
  }

  raw(length: number): Uint8Array {
    this.#need(length);
    const out = this.input.slice(this.#offset, this.#offset + length);
    this.#offset += length;
    return out;
  }

  bytes(): Uint8Array {
    return this.raw(this.u32());
  }

  optBytes(): Uint8Array | undefined {
    const flag = this.u8();
    if (flag === 0) return undefined;
    if (flag !== 1) throw new TruncatedInput("bad option flag");
    return this.bytes();
  }

  string(): string {
    const length = this.u32();
    this.#need(length);
    const input = this.input;
    const start = this.#offset;
    const end = start + length;
    this.#offset = end;
    // ASCII (hex ids, topics) is decoded directly; anything else goes through the strict UTF-8 decoder.
    let ascii = length <= 4096;
    for (let i = start; ascii && i < end; i++) if (input[i]! > 0x7f) ascii = false;
    if (ascii) return String.fromCharCode.apply(null, input.subarray(start, end) as unknown as number[]);
    const text = fromUtf8(input.subarray(start, end));
    if (text === undefined) throw new TruncatedInput("invalid UTF-8");
    return text;
  }

  /** Bytes written by `ByteWriter.sparseBytes`. */
  sparseBytes(): Uint8Array {
    const flag = this.u8();
    if (flag === 0) return this.bytes();
    if (flag !== 1) throw new TruncatedInput("bad sparse flag");
    const n = this.u32();
    // Each 4-byte run header covers at most 0xffff zeros; literal bytes cover themselves.
    const left = this.input.length - this.#offset;
    if (n > Math.floor(left / 4) * 0xffff + left) throw new TruncatedInput("sparse length too large");
    const out = new Uint8Array(n);
    let i = 0;
    while (i < n) {
      this.#need(4);
      const zeros = (this.input[this.#offset]! << 8) | this.input[this.#offset + 1]!;
      const literal = (this.input[this.#offset + 2]! << 8) | this.input[this.#offset + 3]!;
      this.#offset += 4;
      if (zeros + literal === 0 || i + zeros + literal > n) throw new TruncatedInput("bad sparse run");
      i += zeros;
      this.#need(literal);
      out.set(this.input.subarray(this.#offset, this.#offset + literal), i);
      this.#offset += literal;
      i += literal;
    }
    return out;
  }

  /**
   * A list written by `ByteWriter.stringList`, or, when `onHex` is given, by `ByteWriter.hexList`: then
   * `onHex` also gets the packed bytes (a copy of them), and the strings are their lowercase hex.
   */
  stringList(onHex?: (width: number, packed: Uint8Array) => void): string[] {
    const n = this.u32();
    const form = this.u8();
    if (form === 2 && onHex !== undefined) {
      const width = this.u32();
      if (width === 0 || n * width > this.input.length - this.#offset) throw new TruncatedInput("bad hex list");
      const packed = this.raw(n * width);
      onHex(width, packed);
      return unpackHex(packed, n, width);
    }
    if (form > 1) throw new TruncatedInput("bad string list form");
    let lengths: number[] | undefined;
    let total: number;
    if (form === 1) {
      const common = this.u32();
      total = common * n;
      // A common length of 0 is the only way n empty strings take no input: cap it like `count` does.
      if (common === 0 && n > this.input.length) throw new TruncatedInput("count exceeds input");
    } else {
      if (n * 4 > this.input.length - this.#offset) throw new TruncatedInput("count exceeds input");
      lengths = new Array<number>(n);
      total = 0;
      for (let i = 0; i < n; i++) {
        const length = this.u32();
        lengths[i] = length;
        total += length;
      }
    }
    const joined = this.string();
    if (joined.length !== total) throw new TruncatedInput("string list lengths do not add up");
    const out = new Array<string>(n);
    let offset = 0;
    for (let i = 0; i < n; i++) {
      const length = lengths === undefined ? total / n : lengths[i]!;
      out[i] = joined.slice(offset, offset + length);
      offset += length;
    }
    return out;
  }

  /** A count of items that each take at least `minItemBytes`: refuses counts the input cannot hold. */
  count(minItemBytes: number): number {
    const n = this.u32();
    if (n * minItemBytes > this.input.length - this.#offset) throw new TruncatedInput("count exceeds input");
    return n;
  }

  #get32(o: number): number {
    const b = this.input;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }

  #need(n: number): void {
    if (this.#offset + n > this.input.length) throw new TruncatedInput("truncated");
  }
}

const HEX_DIGITS = Uint8Array.from("0123456789abcdef", (c) => c.charCodeAt(0));

/**
 * Packs `id`, lowercase hex of even non-zero length, into `out` at `offset` (`id.length / 2` bytes, which the
 * caller has room for). Returns false, having written garbage there, for any other string.
 */
export function packHex(id: string, out: Uint8Array, offset: number): boolean {
  const n = id.length;
  if (n === 0 || n % 2 !== 0) return false;
  for (let i = 0; i < n; i += 2) {
    const hi = hexValue(id.charCodeAt(i));
    const lo = hexValue(id.charCodeAt(i + 1));
    if ((hi | lo) < 0) return false;
    out[offset + (i >> 1)] = (hi << 4) | lo;
  }
  return true;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** `count` ids of `width` bytes each from `packed`, as lowercase hex (one text decode for all of them). */
function unpackHex(packed: Uint8Array, count: number, width: number): string[] {
  const chars = new Uint8Array(packed.length * 2);
  for (let i = 0; i < packed.length; i++) {
    chars[2 * i] = HEX_DIGITS[packed[i]! >> 4]!;
    chars[2 * i + 1] = HEX_DIGITS[packed[i]! & 15]!;
  }
  const joined = fromUtf8(chars)!;
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = joined.slice(2 * width * i, 2 * width * (i + 1));
  return out;
}
