import { constantTimeEqual, utf8, zeroize } from "../../base/bytes.js";
import type { CryptoProvider, X25519KeyPair } from "../../crypto/provider.js";
import type { IntroBundle } from "../../identity/intro-bundle.js";
import { inboxInitiate, inboxRespond, MAX_MESSAGE_LENGTH } from "../../primitives/noise/index.js";
import {
  create,
  type EncryptedPayload,
  EncryptedPayloadSchema,
  type NoiseInboxHandshakeV1,
  type NoiseInboxHandshakeV2,
} from "../../wire/index.js";
import { inviteId, inviteKeyRef, inviteSecret } from "./addressing.js";
import { InboxError } from "./errors.js";

/** Hashed into the Noise handshake: binds it to this use (a handshake for another purpose cannot be replayed here). */
export const INBOX_PROLOGUE = utf8("logoschat/InboxV1");

/** The keys an invite's conversation starts from. */
export interface InboxSecrets {
  /**
   * The 32-byte initial secret of the conversation the invite starts (PrivateV1 `sk`): the first key of the
   * Noise Split(), i.e. HKDF(ck) after e, ee, es, s, se. It depends on every DH of the handshake, so it is
   * authenticated both ways and forward-secret with respect to the bundle key.
   */
  readonly sk: Uint8Array;
  readonly initiatorStatic: Uint8Array;
  readonly responderStatic: Uint8Array;
}

export interface InitiateInput {
  readonly installation: X25519KeyPair;
  readonly bundle: Pick<IntroBundle, "installationKey" | "ephemeralKey">;
  /** Builds the encoded InboxV1Frame once the conversation secret is known. */
  readonly frame: (secrets: InboxSecrets) => Uint8Array;
}

export interface Initiated extends InboxSecrets {
  /** The `noise_inbox_handshake_v2` payload. */
  readonly payload: EncryptedPayload;
  /**
   * The invite's own id (addressing.ts): seal the payload with the salted hint of this, not of the inbox id,
   * so that only the recipient can tell the envelope is for it. Secret like `sk`'s transcript.
   */
  readonly inviteId: string;
}

/**
 * Initiator side. Split() depends only on the chaining key, which is final once the tokens are processed and
 * before the payload is encrypted, so the secret of the conversation can be known before the invite frame that
 * carries the conversation's first message is built: a first pass with an empty payload computes it, the
 * second pass (same ephemeral, hence the same chaining key) carries the frame.
 */
export function initiateInbox(crypto: CryptoProvider, input: InitiateInput): Initiated {
  const ephemeral = crypto.x25519GenerateKeyPair();
  const common = {
    initiatorStatic: input.installation,
    responderStatic: input.bundle.installationKey,
    responderEphemeral: input.bundle.ephemeralKey,
    prologue: INBOX_PROLOGUE,
    ephemeral,
  };
  const probe = inboxInitiate(crypto, { ...common, payload: new Uint8Array(0) });
  const secrets: InboxSecrets = {
    sk: probe.initiatorToResponder,
    initiatorStatic: input.installation.publicKey,
    responderStatic: input.bundle.installationKey,
  };
  const frame = input.frame(secrets);
  if (frame.length + 96 > MAX_MESSAGE_LENGTH)
    throw new InboxError("invite-too-large", "invite exceeds one Noise message");
  const sent = inboxInitiate(crypto, { ...common, payload: frame });
  // Guards the reasoning above: the key must not depend on the payload.
  if (!constantTimeEqual(sent.initiatorToResponder, secrets.sk))
    throw new Error("Noise split key depends on the payload");
  // The Noise "es" once more, outside the handshake: it keys the invite's address (addressing.ts).
  const es = inviteSecret(crypto, ephemeral.secretKey, input.bundle.installationKey);
  if (es === undefined) throw new InboxError("handshake-failed", "the bundle's installation key is unusable");
  const handshake = {
    ephemeral: sent.ephemeral,
    keyRef: inviteKeyRef(crypto, es, sent.ephemeral, input.bundle.ephemeralKey),
    encryptedStatic: sent.encryptedStatic,
    encryptedPayload: sent.ciphertext,
  };
  const id = inviteId(crypto, es, sent.ephemeral, input.bundle.installationKey);
  zeroize(es);
  return {
    ...secrets,
    inviteId: id,
    payload: create(EncryptedPayloadSchema, { encryption: { case: "noiseInboxHandshakeV2", value: handshake } }),
  };
}

export type Responded =
  | ({ readonly ok: true; readonly frame: Uint8Array } & InboxSecrets)
  | { readonly ok: false; readonly reason: "handshake-malformed" | "handshake-failed" };

/** Responder side, with the bundle key already found by its key reference. Total. Both versions carry the same Noise message. */
export function respondInbox(
  crypto: CryptoProvider,
  installation: X25519KeyPair,
  bundleKey: X25519KeyPair,
  message: NoiseInboxHandshakeV1 | NoiseInboxHandshakeV2,
): Responded {
  if (
    message.ephemeral.length !== 32 ||
    message.encryptedStatic.length !== 48 ||
    message.encryptedPayload.length < 16
  ) {
    return { ok: false, reason: "handshake-malformed" };
  }
  const r = inboxRespond(crypto, {
    responderStatic: installation,
    responderEphemeral: bundleKey,
    prologue: INBOX_PROLOGUE,
    message: {
      ephemeral: message.ephemeral,
      encryptedStatic: message.encryptedStatic,
      ciphertext: message.encryptedPayload,
    },
  });
  if (!r.ok)
    return { ok: false, reason: r.error.code === "message-too-short" ? "handshake-malformed" : "handshake-failed" };
  return {
    ok: true,
    frame: r.payload,
    sk: r.initiatorToResponder,
    initiatorStatic: r.initiatorStatic,
    responderStatic: installation.publicKey,
  };
}
