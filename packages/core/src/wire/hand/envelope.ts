/**
 * The hand-written codecs of `EnvelopeV1` (`{ conversation_hint = 1, salt = 2, payload = 5 }`) and of
 * `EncryptedPayload`, the two outer frames of every message. framework/envelope.ts seals envelopes with them.
 */

import {
  type EncryptedPayload,
  EncryptedPayloadSchema,
  type EnvelopeV1,
  EnvelopeV1Schema,
  fromBinary,
  toBinary,
} from "../index.js";
import {
  isUint32,
  LEN,
  lenFieldSize,
  VARINT,
  varint64Size,
  varintFieldSize,
  WireReader,
  WireWriter,
  wireText,
} from "./protowire.js";

export interface EnvelopeFields {
  readonly conversationHint: string;
  readonly salt: bigint;
  readonly payload: Uint8Array;
}

/**
 * Exactly the bytes `toBinary(EnvelopeV1Schema, ...)` writes (fields in number order, zero values left out),
 * written by hand: this runs once per message and the runtime's generic writer was a visible part of its cost.
 */
export function encodeEnvelope(fields: EnvelopeFields): Uint8Array {
  const hint = wireText(fields.conversationHint);
  const salt = BigInt.asUintN(64, fields.salt);
  const size =
    (hint.length > 0 ? lenFieldSize(hint.length) : 0) +
    (salt !== 0n ? 1 + varint64Size(salt) : 0) +
    (fields.payload.length > 0 ? lenFieldSize(fields.payload.length) : 0);
  const w = new WireWriter(size);
  if (hint.length > 0) w.text(1, hint);
  if (salt !== 0n) {
    w.tag(2, VARINT);
    w.varint64(salt);
  }
  if (fields.payload.length > 0) w.bytes(5, fields.payload);
  return w.finish();
}

export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

/** Total: any bytes in, never throws. */
export function decodeEnvelope(bytes: Uint8Array): DecodeResult<EnvelopeV1> {
  const fast = readCanonicalEnvelope(bytes);
  if (fast !== undefined) return { ok: true, value: fast };
  try {
    return { ok: true, value: fromBinary(EnvelopeV1Schema, bytes) };
  } catch {
    return { ok: false };
  }
}

/**
 * The common case without the runtime: fields 1, 2, 5 each at most once and in order, an ASCII hint, nothing
 * else. Anything else (undefined here) goes to `fromBinary`, which then decides, so the result is the same.
 */
function readCanonicalEnvelope(bytes: Uint8Array): EnvelopeV1 | undefined {
  const r = new WireReader(bytes);
  const conversationHint = r.asciiField(1);
  if (conversationHint === undefined) return undefined;
  const salt = r.at(2, VARINT) ? r.uint64() : 0n;
  if (salt === undefined) return undefined;
  const payload = r.bytesField(5);
  if (payload === undefined || !r.done) return undefined;
  return { $typeName: "logoschat.envelope.EnvelopeV1", conversationHint, salt, payload };
}

/** Total: any bytes in, never throws. */
export function decodeEncryptedPayload(bytes: Uint8Array): DecodeResult<EncryptedPayload> {
  const fast = readCanonicalDoubleratchet(bytes);
  if (fast !== undefined) return { ok: true, value: fast };
  try {
    return { ok: true, value: fromBinary(EncryptedPayloadSchema, bytes) };
  } catch {
    return { ok: false };
  }
}

/** The `doubleratchet` arm in canonical layout (see readCanonicalEnvelope); undefined for anything else. */
function readCanonicalDoubleratchet(bytes: Uint8Array): EncryptedPayload | undefined {
  const outer = new WireReader(bytes);
  if (!outer.at(2, LEN)) return undefined;
  const inner = outer.bytes();
  if (inner === undefined || !outer.done) return undefined;
  const r = new WireReader(inner);
  const dh = r.bytesField(1);
  if (dh === undefined) return undefined;
  const msgNum = r.uint32Field(2);
  const prevChainLen = r.uint32Field(3);
  if (msgNum < 0 || prevChainLen < 0) return undefined;
  const ciphertext = r.bytesField(4);
  if (ciphertext === undefined) return undefined;
  const aux = r.asciiField(5);
  if (aux === undefined || !r.done) return undefined;
  return {
    $typeName: "logoschat.encryption.EncryptedPayload",
    encryption: {
      case: "doubleratchet",
      value: { $typeName: "logoschat.encryption.Doubleratchet", dh, msgNum, prevChainLen, ciphertext, aux },
    },
  };
}

/**
 * Exactly `toBinary(EncryptedPayloadSchema, payload)`. The `doubleratchet` arm (every PrivateV1 message) is
 * written by hand; other arms, unknown fields carried over from a decode, and out-of-range numbers go to the
 * runtime.
 */
export function encodeEncryptedPayload(payload: EncryptedPayload): Uint8Array {
  const e = payload.encryption;
  if (e.case !== "doubleratchet" || payload.$unknown !== undefined) return toBinary(EncryptedPayloadSchema, payload);
  const d = e.value;
  if (d.$unknown !== undefined || !isUint32(d.msgNum) || !isUint32(d.prevChainLen)) {
    return toBinary(EncryptedPayloadSchema, payload);
  }
  const aux = wireText(d.aux);
  const innerSize =
    (d.dh.length > 0 ? lenFieldSize(d.dh.length) : 0) +
    (d.msgNum !== 0 ? varintFieldSize(d.msgNum) : 0) +
    (d.prevChainLen !== 0 ? varintFieldSize(d.prevChainLen) : 0) +
    (d.ciphertext.length > 0 ? lenFieldSize(d.ciphertext.length) : 0) +
    (aux.length > 0 ? lenFieldSize(aux.length) : 0);
  const w = new WireWriter(lenFieldSize(innerSize));
  w.tag(2, LEN);
  w.varint(innerSize);
  if (d.dh.length > 0) w.bytes(1, d.dh);
  if (d.msgNum !== 0) w.varintField(2, d.msgNum);
  if (d.prevChainLen !== 0) w.varintField(3, d.prevChainLen);
  if (d.ciphertext.length > 0) w.bytes(4, d.ciphertext);
  if (aux.length > 0) w.text(5, aux);
  return w.finish();
}
