/**
 * `EnvelopeV1`, the outermost frame of every payload: `{ conversation_hint = 1, salt = 2, payload = 5 }`,
 * payload = an encoded `EncryptedPayload`. It carries nothing that identifies sender or recipient: the hint
 * is salted per message (see hints.ts).
 */
import type { CryptoProvider, RandomSource } from "../crypto/provider.js";
import {
  create,
  type EncryptedPayload,
  EncryptedPayloadSchema,
  type EnvelopeV1,
  EnvelopeV1Schema,
  fromBinary,
  toBinary,
} from "../wire/index.js";
import { randomSalt, saltedHint } from "./hints.js";

export interface EnvelopeFields {
  readonly conversationHint: string;
  readonly salt: bigint;
  readonly payload: Uint8Array;
}

export function encodeEnvelope(fields: EnvelopeFields): Uint8Array {
  return toBinary(
    EnvelopeV1Schema,
    create(EnvelopeV1Schema, {
      conversationHint: fields.conversationHint,
      salt: BigInt.asUintN(64, fields.salt),
      payload: fields.payload,
    }),
  );
}

export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

/** Total: any bytes in, never throws. */
export function decodeEnvelope(bytes: Uint8Array): DecodeResult<EnvelopeV1> {
  try {
    return { ok: true, value: fromBinary(EnvelopeV1Schema, bytes) };
  } catch {
    return { ok: false };
  }
}

/** Total: any bytes in, never throws. */
export function decodeEncryptedPayload(bytes: Uint8Array): DecodeResult<EncryptedPayload> {
  try {
    return { ok: true, value: fromBinary(EncryptedPayloadSchema, bytes) };
  } catch {
    return { ok: false };
  }
}

export function encodeEncryptedPayload(payload: EncryptedPayload): Uint8Array {
  return toBinary(EncryptedPayloadSchema, payload);
}

export interface SealOptions {
  readonly crypto: CryptoProvider;
  /** Source of the per-message salt. */
  readonly random: RandomSource;
  /** The RECIPIENT's conversation id (what its hint index holds). */
  readonly conversationId: string;
  readonly payload: EncryptedPayload | Uint8Array;
  /** Send the raw id with salt 0 instead of a salted hint (libchat interop only: linkable). */
  readonly rawHint?: boolean;
}

/** Wraps a payload for sending: a fresh random salt and the salted hint of the recipient conversation. */
export function sealEnvelope(options: SealOptions): Uint8Array {
  const payload = options.payload instanceof Uint8Array ? options.payload : encodeEncryptedPayload(options.payload);
  if (options.rawHint) return encodeEnvelope({ conversationHint: options.conversationId, salt: 0n, payload });
  const salt = randomSalt(options.random);
  return encodeEnvelope({
    conversationHint: saltedHint(options.crypto, salt, options.conversationId),
    salt,
    payload,
  });
}
