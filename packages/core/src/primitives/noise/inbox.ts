/**
 * The inbox's one-message Noise handshake, `Noise_XK0_25519_ChaChaPoly_BLAKE2b`:
 *
 *     <- e, s          (the responder's intro bundle: ephemeral and installation key)
 *     ...
 *     -> e, ee, es, s, se
 *
 * Why this name: the Logos inbox spec (specs PR #83) calls this pattern "XK0", and Parley's DESIGN adopts it,
 * so we keep that name rather than invent one. It is not a Noise-registry name, and the name is hashed into
 * the handshake, so any implementation must use exactly this string. The one deviation from the spec text
 * is the pre-message order: Noise defines only `e, s` (e hashed before s), so that is what is hashed (see
 * XK0_PATTERN).
 *
 * The message is e (32 bytes) || encrypted static key (48) || encrypted payload (payload + 16). The responder
 * learns and authenticates the initiator's static key; both sides get two transport keys from Split().
 */
import type { CryptoProvider, X25519KeyPair } from "../../crypto/provider.js";
import { NoiseError } from "./errors.js";
import { HandshakeState } from "./handshake-state.js";
import { protocolName, XK0_PATTERN } from "./patterns.js";

export const INBOX_PROTOCOL_NAME = protocolName(XK0_PATTERN);
export const INBOX_EPHEMERAL_LENGTH = 32;
export const INBOX_ENCRYPTED_STATIC_LENGTH = 48;
export const INBOX_TAG_LENGTH = 16;
/** The shortest valid message: empty payload. */
export const INBOX_MIN_MESSAGE_LENGTH = INBOX_EPHEMERAL_LENGTH + INBOX_ENCRYPTED_STATIC_LENGTH + INBOX_TAG_LENGTH;

/** The three parts of the handshake message, as carried in separate protobuf fields. */
export interface InboxMessageParts {
  readonly ephemeral: Uint8Array;
  readonly encryptedStatic: Uint8Array;
  readonly ciphertext: Uint8Array;
}

/** Secrets and transcript hash both sides share after the handshake. */
export interface InboxSessionKeys {
  /** Split() key for initiator → responder traffic (32 bytes, secret). */
  readonly initiatorToResponder: Uint8Array;
  /** Split() key for responder → initiator traffic (32 bytes, secret). */
  readonly responderToInitiator: Uint8Array;
  /** The Noise handshake hash: binds the whole transcript; public, usable as a session id or channel binding. */
  readonly handshakeHash: Uint8Array;
}

export interface InboxInitiateInput {
  readonly initiatorStatic: X25519KeyPair;
  readonly responderStatic: Uint8Array;
  readonly responderEphemeral: Uint8Array;
  readonly payload: Uint8Array;
  readonly prologue?: Uint8Array;
  /** Fixed ephemeral for vectors; otherwise generated from the provider's randomness. */
  readonly ephemeral?: X25519KeyPair;
}

export interface InboxInitiation extends InboxSessionKeys, InboxMessageParts {
  /** ephemeral || encryptedStatic || ciphertext. */
  readonly message: Uint8Array;
}

/** Initiator: builds the one handshake message carrying `payload`. Throws NoiseError on unusable keys. */
export function inboxInitiate(crypto: CryptoProvider, input: InboxInitiateInput): InboxInitiation {
  const hs = HandshakeState.initialize(crypto, {
    pattern: XK0_PATTERN,
    initiator: true,
    s: input.initiatorStatic,
    rs: input.responderStatic,
    re: input.responderEphemeral,
    ...(input.prologue !== undefined && { prologue: input.prologue }),
    ...(input.ephemeral !== undefined && { e: input.ephemeral }),
  });
  const message = hs.writeMessage(input.payload);
  const parts = splitInboxMessage(message)!;
  const result = hs.result!;
  return { message, ...parts, ...sessionKeys(result.splitKeys, result.handshakeHash) };
}

export interface InboxRespondInput {
  readonly responderStatic: X25519KeyPair;
  /** The bundle ephemeral the initiator used (looked up by the caller, e.g. through the key reference). */
  readonly responderEphemeral: X25519KeyPair;
  readonly message: Uint8Array | InboxMessageParts;
  readonly prologue?: Uint8Array;
}

export type InboxReceipt =
  | (InboxSessionKeys & {
      readonly ok: true;
      readonly payload: Uint8Array;
      /** The initiator's authenticated static key. */
      readonly initiatorStatic: Uint8Array;
      readonly initiatorEphemeral: Uint8Array;
    })
  | { readonly ok: false; readonly error: NoiseError };

/** Responder: total; any modified, truncated or extended message gives `{ ok: false }`. */
export function inboxRespond(crypto: CryptoProvider, input: InboxRespondInput): InboxReceipt {
  try {
    const m = input.message;
    if (
      !(m instanceof Uint8Array) &&
      (m.ephemeral.length !== INBOX_EPHEMERAL_LENGTH || m.encryptedStatic.length !== INBOX_ENCRYPTED_STATIC_LENGTH)
    ) {
      // Field boundaries are part of the message: shifted parts must not concatenate into a valid one.
      return { ok: false, error: new NoiseError("message-too-short", "inbox handshake fields have wrong lengths") };
    }
    const message = m instanceof Uint8Array ? m : joinInboxMessage(m);
    const hs = HandshakeState.initialize(crypto, {
      pattern: XK0_PATTERN,
      initiator: false,
      s: input.responderStatic,
      e: input.responderEphemeral,
      ...(input.prologue !== undefined && { prologue: input.prologue }),
    });
    const payload = hs.readMessage(message);
    const result = hs.result!;
    return {
      ok: true,
      payload,
      initiatorStatic: hs.remoteStatic!,
      initiatorEphemeral: hs.remoteEphemeral!,
      ...sessionKeys(result.splitKeys, result.handshakeHash),
    };
  } catch (e) {
    if (e instanceof NoiseError) return { ok: false, error: e };
    return { ok: false, error: new NoiseError("decrypt-failed", "inbox handshake message rejected") };
  }
}

function sessionKeys(keys: readonly [Uint8Array, Uint8Array], handshakeHash: Uint8Array): InboxSessionKeys {
  return { initiatorToResponder: keys[0], responderToInitiator: keys[1], handshakeHash };
}

/** Splits a handshake message into its fields; undefined when it is too short. */
export function splitInboxMessage(message: Uint8Array): InboxMessageParts | undefined {
  if (message.length < INBOX_MIN_MESSAGE_LENGTH) return undefined;
  const e = INBOX_EPHEMERAL_LENGTH;
  const s = e + INBOX_ENCRYPTED_STATIC_LENGTH;
  return {
    ephemeral: message.slice(0, e),
    encryptedStatic: message.slice(e, s),
    ciphertext: message.slice(s),
  };
}

export function joinInboxMessage(parts: InboxMessageParts): Uint8Array {
  const out = new Uint8Array(parts.ephemeral.length + parts.encryptedStatic.length + parts.ciphertext.length);
  out.set(parts.ephemeral, 0);
  out.set(parts.encryptedStatic, parts.ephemeral.length);
  out.set(parts.ciphertext, parts.ephemeral.length + parts.encryptedStatic.length);
  return out;
}
