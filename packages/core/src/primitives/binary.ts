/**
 * A tiny length-prefixed binary codec for persisted primitive state (ratchet, SDS, reassembly). State is not
 * a wire format, so protobuf's flexibility buys nothing here; a fixed layout keeps it compact and versioned.
 */
import { fromUtf8, utf8 } from "../base/bytes.js";

export class ByteWriter {
  #chunks: Uint8Array[] = [];
  #length = 0;

  u8(n: number): this {
    return this.#push(Uint8Array.of(n & 0xff));
  }

  u32(n: number): this {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, n >>> 0, false);
    return this.#push(out);
  }

  u64(n: bigint): this {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, n), false);
    return this.#push(out);
  }

  /** A non-negative safe integer (times in ms, counters) as 8 bytes. */
  uint(n: number): this {
    return this.u64(BigInt(n));
  }

  /** Exactly `bytes.length` raw bytes: the reader must know the length. */
  raw(bytes: Uint8Array): this {
    return this.#push(bytes.slice());
  }

  /** u32 length prefix, then the bytes. */
  bytes(bytes: Uint8Array): this {
    return this.u32(bytes.length).raw(bytes);
  }

  optBytes(bytes: Uint8Array | undefined): this {
    return bytes === undefined ? this.u8(0) : this.u8(1).bytes(bytes);
  }

  string(text: string): this {
    return this.bytes(utf8(text));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let offset = 0;
    for (const c of this.#chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }

  #push(bytes: Uint8Array): this {
    this.#chunks.push(bytes);
    this.#length += bytes.length;
    return this;
  }
}

/** Thrown only inside decoders built on ByteReader; they catch it and return a typed result. */
export class TruncatedInput extends Error {}

export class ByteReader {
  #offset = 0;
  readonly #view: DataView;

  constructor(private readonly input: Uint8Array) {
    this.#view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  }

  get done(): boolean {
    return this.#offset === this.input.length;
  }

  u8(): number {
    this.#need(1);
    return this.input[this.#offset++]!;
  }

  u32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.#offset, false);
    this.#offset += 4;
    return v;
  }

  u64(): bigint {
    this.#need(8);
    const v = this.#view.getBigUint64(this.#offset, false);
    this.#offset += 8;
    return v;
  }

  uint(): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new TruncatedInput("integer out of range");
    return Number(v);
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
    const text = fromUtf8(this.bytes());
    if (text === undefined) throw new TruncatedInput("invalid UTF-8");
    return text;
  }

  /** A count of items that each take at least `minItemBytes`: refuses counts the input cannot hold. */
  count(minItemBytes: number): number {
    const n = this.u32();
    if (n * minItemBytes > this.input.length - this.#offset) throw new TruncatedInput("count exceeds input");
    return n;
  }

  #need(n: number): void {
    if (this.#offset + n > this.input.length) throw new TruncatedInput("truncated");
  }
}
