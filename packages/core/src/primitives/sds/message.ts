/**
 * SDS messages on the wire: `logoschat.sds.SdsMessage`, the field numbers js-waku uses (lamport as uint64).
 * Content messages have a Lamport timestamp and content; sync messages a timestamp and no content;
 * ephemeral messages content and no timestamp.
 */
import { toHex, utf8 } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { fromBinary, type SdsMessage, SdsMessageSchema } from "../../wire/index.js";

export interface HistoryRef {
  readonly messageId: string;
  readonly retrievalHint?: Uint8Array;
  readonly senderId?: string;
}

export type SdsKind = "content" | "sync" | "ephemeral";

export interface DecodedSdsMessage {
  readonly kind: SdsKind;
  readonly senderId: string;
  readonly messageId: string;
  readonly channelId: string;
  readonly lamport: bigint | undefined;
  readonly causalHistory: readonly HistoryRef[];
  readonly bloomFilter: Uint8Array | undefined;
  readonly repairRequest: readonly HistoryRef[];
  readonly content: Uint8Array | undefined;
}

/** Bounds on what a peer may send us (js-waku sends up to 200 history entries). */
export const MAX_HISTORY_ENTRIES = 1000;
export const MAX_ID_LENGTH = 256;

/** A per-message id for the caller: lowercase hex of BLAKE2b-128 of the bytes (e.g. an encoded segment). */
export function messageIdFor(crypto: CryptoProvider, bytes: Uint8Array): string {
  return toHex(crypto.blake2b(bytes, { dkLen: 16 }));
}

export function encodeSdsMessage(fields: {
  senderId: string;
  messageId: string;
  channelId: string;
  lamport?: bigint;
  causalHistory: readonly HistoryRef[];
  bloomFilter?: Uint8Array;
  content?: Uint8Array;
}): Uint8Array {
  // Written by hand (one message per send, and the protobuf runtime's generic writer is a good part of its
  // cost): exactly the bytes `toBinary(SdsMessageSchema, ...)` writes, fields in number order, proto3 strings
  // only when not empty, optional fields whenever set (sds.test.ts checks this against the runtime).
  const w = new ProtoWriter();
  w.string(1, fields.senderId);
  w.string(2, fields.messageId);
  w.string(3, fields.channelId);
  if (fields.lamport !== undefined) w.uint64(10, fields.lamport);
  for (const h of fields.causalHistory) {
    w.begin(11);
    w.string(1, h.messageId);
    if (h.retrievalHint !== undefined) w.bytes(2, h.retrievalHint);
    if (h.senderId !== undefined) w.string(3, h.senderId, true);
    w.end();
  }
  if (fields.bloomFilter !== undefined) w.bytes(12, fields.bloomFilter);
  if (fields.content !== undefined) w.bytes(20, fields.content);
  return w.finish();
}

/** Protobuf writing for `encodeSdsMessage`: length-delimited fields and varints, nested messages by `begin`/`end`. */
class ProtoWriter {
  #buf = new Uint8Array(256);
  #length = 0;
  /** Where each open nested message's content starts. */
  readonly #open: number[] = [];

  string(field: number, text: string, always = false): void {
    if (text.length === 0 && !always) return;
    const n = text.length;
    let ascii = true;
    for (let i = 0; i < n && ascii; i++) ascii = text.charCodeAt(i) < 0x80;
    if (!ascii) {
      this.bytes(field, utf8(text));
      return;
    }
    this.#tag(field, 2);
    this.#varint(n);
    this.#reserve(n);
    const buf = this.#buf;
    for (let i = 0, o = this.#length; i < n; i++) buf[o + i] = text.charCodeAt(i);
    this.#length += n;
  }

  bytes(field: number, bytes: Uint8Array): void {
    this.#tag(field, 2);
    this.#varint(bytes.length);
    this.#reserve(bytes.length);
    this.#buf.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  uint64(field: number, value: bigint): void {
    this.#tag(field, 0);
    let v = BigInt.asUintN(64, value);
    if (v <= BigInt(Number.MAX_SAFE_INTEGER)) {
      this.#varint(Number(v));
      return;
    }
    this.#reserve(10);
    while (v >= 0x80n) {
      this.#buf[this.#length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#buf[this.#length++] = Number(v);
  }

  /** Opens a nested message (a length-delimited field): its length is written by `end`. */
  begin(field: number): void {
    this.#tag(field, 2);
    this.#reserve(1);
    // One byte for the length, which is what a history entry needs (moved along in `end` when not).
    this.#open.push(++this.#length);
  }

  end(): void {
    const start = this.#open.pop()!;
    const length = this.#length - start;
    let size = 1;
    for (let n = length; n >= 0x80; n = Math.floor(n / 0x80)) size++;
    if (size > 1) {
      this.#reserve(size - 1);
      this.#buf.copyWithin(start + size - 1, start, this.#length);
    }
    this.#length = start - 1;
    this.#varint(length);
    this.#length += length;
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#length);
  }

  #tag(field: number, wireType: number): void {
    this.#varint(field * 8 + wireType);
  }

  /** A non-negative safe integer. */
  #varint(n: number): void {
    this.#reserve(8);
    const buf = this.#buf;
    while (n >= 0x80) {
      buf[this.#length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[this.#length++] = n;
  }

  #reserve(n: number): void {
    if (this.#length + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#length + n));
    next.set(this.#buf.subarray(0, this.#length));
    this.#buf = next;
  }
}

/** Total: returns undefined for anything that is not a well-formed SDS message within our bounds. */
export function decodeSdsMessage(bytes: Uint8Array): DecodedSdsMessage | undefined {
  let m: SdsMessage;
  try {
    m = fromBinary(SdsMessageSchema, bytes);
  } catch {
    return undefined;
  }
  if (m.messageId.length === 0 || m.messageId.length > MAX_ID_LENGTH) return undefined;
  if (m.causalHistory.length > MAX_HISTORY_ENTRIES || m.repairRequest.length > MAX_HISTORY_ENTRIES) return undefined;
  if (m.causalHistory.some((h) => h.messageId.length === 0 || h.messageId.length > MAX_ID_LENGTH)) return undefined;
  const hasContent = m.content !== undefined && m.content.length > 0;
  let kind: SdsKind;
  if (m.lamportTimestamp !== undefined) kind = hasContent ? "content" : "sync";
  else if (hasContent) kind = "ephemeral";
  else return undefined;
  const refs = (list: SdsMessage["causalHistory"]): HistoryRef[] =>
    list.map((h) => ({
      messageId: h.messageId,
      ...(h.retrievalHint !== undefined ? { retrievalHint: h.retrievalHint } : {}),
      ...(h.senderId !== undefined ? { senderId: h.senderId } : {}),
    }));
  return {
    kind,
    senderId: m.senderId,
    messageId: m.messageId,
    channelId: m.channelId,
    lamport: m.lamportTimestamp,
    causalHistory: refs(m.causalHistory),
    bloomFilter: m.bloomFilter,
    repairRequest: refs(m.repairRequest),
    content: hasContent ? m.content : undefined,
  };
}
