/**
 * A tiny protobuf wire toolkit for the hand-written codecs of the per-message frames (envelope, encrypted
 * payload, PrivateV1 frame, segment, SDS message). Writing: sizes are computed first, then one exact buffer is filled.
 * Reading: a strict cursor for the canonical layout only; it never throws, it answers `undefined`/-1 for
 * anything it does not handle, and the callers then fall back to the protobuf runtime, so every input the
 * runtime accepts is still accepted with the same result.
 */
import { utf8 } from "../../base/bytes.js";

/** Wire types. */
export const VARINT = 0;
export const LEN = 2;

/** Bytes a varint of a non-negative safe integer takes. */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

/** True when `n` is what a uint32 field can hold. */
export function isUint32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

/** A string's UTF-8 form as a writer needs it: the text itself when it is ASCII, else its encoded bytes. */
export type WireText = string | Uint8Array;

export function wireText(text: string): WireText {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return utf8(text);
  return text;
}

/** Bytes the tag of `field` takes (one byte below field 16). */
export function tagSize(field: number): number {
  return field < 16 ? 1 : varintSize(field * 8);
}

/** Size of a length-delimited field (by default a field below 16) with `length` bytes of content. */
export function lenFieldSize(length: number, field = 1): number {
  return tagSize(field) + varintSize(length) + length;
}

/** Size of a varint field (by default a field below 16) holding a non-negative safe integer. */
export function varintFieldSize(n: number, field = 1): number {
  return tagSize(field) + varintSize(n);
}

/** Fills an exactly sized buffer; every method appends. */
export class WireWriter {
  readonly buf: Uint8Array;
  pos = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }

  /** A non-negative safe integer. */
  varint(n: number): void {
    const buf = this.buf;
    while (n >= 0x80) {
      buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[this.pos++] = n;
  }

  /** A varint of any 64-bit pattern (already reduced to 0..2^64-1). */
  varint64(v: bigint): void {
    if (v <= MAX_SAFE) {
      this.varint(Number(v));
      return;
    }
    // The low 49 bits as seven 7-bit groups, then the rest: two exact numbers instead of a BigInt per byte.
    let low = Number(v & LOW49);
    for (let i = 0; i < 7; i++) {
      this.buf[this.pos++] = (low % 0x80) | 0x80;
      low = Math.floor(low / 0x80);
    }
    this.varint(Number(v >> 49n));
  }

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** A varint field holding a non-negative safe integer. */
  varintField(field: number, n: number): void {
    this.tag(field, VARINT);
    this.varint(n);
  }

  bytes(field: number, bytes: Uint8Array): void {
    this.tag(field, LEN);
    this.varint(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  text(field: number, text: WireText): void {
    if (typeof text !== "string") {
      this.bytes(field, text);
      return;
    }
    this.tag(field, LEN);
    this.varint(text.length);
    const buf = this.buf;
    for (let i = 0, o = this.pos; i < text.length; i++) buf[o + i] = text.charCodeAt(i);
    this.pos += text.length;
  }

  finish(): Uint8Array {
    if (this.pos !== this.buf.length) throw new Error(`protowire: wrote ${this.pos} of ${this.buf.length} bytes`);
    return this.buf;
  }
}

/** Bytes of a varint64 of a value in 0..2^64-1. */
export function varint64Size(v: bigint): number {
  return v <= MAX_SAFE ? varintSize(Number(v)) : 7 + varintSize(Number(v >> 49n));
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const LOW49 = (1n << 49n) - 1n;

/**
 * A strict reader of the canonical layout. Every read answers a failure value instead of throwing; a failure
 * means "not the fast path", never "invalid" (the caller then asks the runtime).
 */
export class WireReader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos === this.buf.length;
  }

  /** Consumes the tag `field << 3 | wireType` (minimally encoded, field below 2048) when it is next. */
  at(field: number, wireType: number): boolean {
    const tag = field * 8 + wireType;
    const buf = this.buf;
    const p = this.pos;
    if (tag < 0x80) {
      if (p < buf.length && buf[p] === tag) {
        this.pos = p + 1;
        return true;
      }
      return false;
    }
    if (p + 1 < buf.length && buf[p] === ((tag & 0x7f) | 0x80) && buf[p + 1] === tag >> 7) {
      this.pos = p + 2;
      return true;
    }
    return false;
  }

  /** Field `field` as a uint32 when it is next, 0 when it is not, -1 when it is not readable here. */
  uint32Field(field: number): number {
    return this.at(field, VARINT) ? this.uint32() : 0;
  }

  /** Field `field` as bytes when it is next, empty when it is not, undefined when it is not readable here. */
  bytesField(field: number): Uint8Array | undefined {
    return this.at(field, LEN) ? this.bytes() : EMPTY;
  }

  /** Field `field` as an ASCII string when it is next, "" when it is not, undefined when not readable here. */
  asciiField(field: number): string | undefined {
    return this.at(field, LEN) ? this.ascii() : "";
  }

  /** A minimally encoded varint of at most 5 bytes whose value fits uint32; -1 otherwise. */
  uint32(): number {
    const start = this.pos;
    const value = this.smallVarint(5);
    if (value <= 0xffffffff) return value;
    this.pos = start;
    return -1;
  }

  /** A minimally encoded varint of at most `maxBytes` (at most 7: below 2^49, exact) bytes; -1 otherwise. */
  smallVarint(maxBytes = 7): number {
    const buf = this.buf;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < maxBytes; i++) {
      const p = this.pos + i;
      if (p >= buf.length) return -1;
      const b = buf[p]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (b === 0 && i > 0) return -1;
        this.pos = p + 1;
        return value;
      }
      scale *= 0x80;
    }
    return -1;
  }

  /** A minimally encoded varint of at most 10 bytes whose value fits 64 bits; undefined otherwise. */
  uint64(): bigint | undefined {
    const start = this.pos;
    const low = this.smallVarint();
    if (low >= 0) return BigInt(low);
    // Seven bytes with continuation bits carry the low 49 bits; at most three more carry the rest (15 bits).
    const buf = this.buf;
    if (start + 7 > buf.length) return undefined;
    let lowBits = 0;
    for (let i = 6; i >= 0; i--) {
      const b = buf[start + i]!;
      if (b < 0x80) return undefined;
      lowBits = lowBits * 0x80 + (b & 0x7f);
    }
    this.pos = start + 7;
    const high = this.smallVarint();
    if (high <= 0 || high >= 0x8000 || this.pos - start > 10) {
      this.pos = start;
      return undefined;
    }
    return BigInt(lowBits) + (BigInt(high) << 49n);
  }

  /** The content of a length-delimited field (a view, as the runtime gives); undefined when it does not fit. */
  bytes(): Uint8Array | undefined {
    const length = this.uint32();
    if (length < 0 || length > this.buf.length - this.pos) return undefined;
    const start = this.pos;
    this.pos += length;
    return this.buf.subarray(start, this.pos);
  }

  /** An ASCII-only string field; undefined for anything else (the runtime decides on the rest). */
  ascii(): string | undefined {
    const length = this.uint32();
    if (length < 0 || length > this.buf.length - this.pos) return undefined;
    const buf = this.buf;
    const start = this.pos;
    const end = start + length;
    for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return undefined;
    this.pos = end;
    // Short strings are cheaper by char codes; ids (32 hex and up) by the native decoder (exact on ASCII).
    return length <= 16
      ? String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[])
      : asciiDecoder.decode(buf.subarray(start, end));
  }
}

const asciiDecoder = new TextDecoder();
const EMPTY = new Uint8Array(0);
