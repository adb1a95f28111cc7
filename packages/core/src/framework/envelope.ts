/**
 * `EnvelopeV1`, the outermost frame of every payload: `{ conversation_hint = 1, salt = 2, payload = 5 }`,
 * payload = an encoded `EncryptedPayload`. It carries nothing that identifies sender or recipient: the hint
 * is salted per message (see hints.ts). The byte codecs are in wire/hand/envelope.ts, with the other
 * hand-written codecs and their differential test; they are re-exported here for the callers that seal and
 * open envelopes.
 */
import type { CryptoProvider, RandomSource } from "../crypto/provider.js";
import { encodeEncryptedPayload, encodeEnvelope } from "../wire/hand/envelope.js";
import type { EncryptedPayload } from "../wire/index.js";
import { randomSalt, saltedHint } from "./hints.js";

export {
  type DecodeResult,
  decodeEncryptedPayload,
  decodeEnvelope,
  type EnvelopeFields,
  encodeEncryptedPayload,
  encodeEnvelope,
} from "../wire/hand/envelope.js";

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
