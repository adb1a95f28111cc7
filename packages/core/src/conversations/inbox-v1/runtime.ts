import { constantTimeEqual, toHex, zeroize } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import type {
  ConversationTypeRuntime,
  OpenContext,
  OpenResult,
  SecretHintEnvelope,
  StartedConversation,
} from "../../framework/runtime.js";
import { type BundleKey, type BundlePolicy, createBundleKey, isExpired } from "../../identity/bundle-keys.js";
import type { Installation } from "../../identity/installation.js";
import {
  type EncryptedPayload,
  fromBinary,
  type InboxV1Frame,
  InboxV1FrameSchema,
  type NoiseInboxHandshakeV1,
  type NoiseInboxHandshakeV2,
} from "../../wire/index.js";
import { inboxContentTopic } from "./address.js";
import { hintDesignates, inviteId, inviteKeyRef, inviteSecret } from "./addressing.js";
import { initiateInbox, respondInbox } from "./handshake.js";
import { type InboxV1Reason, inboxV1Spec } from "./spec.js";
import { decodeInboxState, encodeInboxState, type InboxV1State, pruneExpired, retire } from "./state.js";

/** What an accepted inbox message yields (the started conversations travel in `started`). */
export interface InboxV1Opened {
  readonly kind: "invite";
  /** The InboxV1Frame arm, e.g. "invitePrivateV1". */
  readonly arm: string;
  /** The initiator's authenticated installation key, lower hex. */
  readonly initiator: string;
}

/**
 * What InboxV1 hands to the type claiming an invite arm: the arm's proto value and the secrets of the
 * handshake. PrivateV1 declares the same shape on its side; the two agree structurally, not by import.
 */
export interface InboxInvite {
  readonly invite: unknown;
  readonly sk: Uint8Array;
  readonly initiatorStatic: Uint8Array;
  readonly responderStatic: Uint8Array;
  /** The bundle key pair the initiator used: the responder's first ratchet key (PRIVATE1 `rsk`). */
  readonly bundleKey: { readonly publicKey: Uint8Array; readonly secretKey: Uint8Array };
}

export function newInboxState(installation: Installation, policy: BundlePolicy): InboxV1State {
  return { installation, policy, bundleKeys: [], retired: [] };
}

/** The bundle to hand out: the newest usable key, or a new one. Returns the (possibly) new state. */
export function currentBundle(
  crypto: CryptoProvider,
  state: InboxV1State,
  now: number,
  fresh = false,
): { state: InboxV1State; key: BundleKey } {
  let s = pruneExpired(state, now);
  const newest = s.bundleKeys.at(-1);
  // Hand out a key only while most of its lifetime remains, so a bundle shown now stays usable for a while.
  if (!fresh && newest && now < newest.createdAt + (newest.expiresAt - newest.createdAt) / 2)
    return { state: s, key: newest };
  const key = createBundleKey(crypto, s.installation, s.policy, now);
  s = { ...s, bundleKeys: [...s.bundleKeys, key] };
  return { state: s, key };
}

/** Retires every current bundle key and creates a new one. */
export function rotateBundles(
  crypto: CryptoProvider,
  state: InboxV1State,
  now: number,
): { state: InboxV1State; key: BundleKey } {
  return currentBundle(crypto, retire(state, state.bundleKeys, "rotated", now), now, true);
}

/** A refusal: a code of InboxV1's tree, or the framework's "internal-error" (a claimant that threw). */
function fail(reason: InboxV1Reason | "internal-error"): OpenResult<InboxV1State, InboxV1Opened> {
  return { ok: false, reason };
}

/** Which key a handshake names: does this (live or retired) bundle key have the message's key_ref? */
type NamesKey = (key: { readonly keyRef: Uint8Array; readonly publicKey: Uint8Array }) => boolean;

function open(
  state: InboxV1State,
  payload: EncryptedPayload,
  ctx: OpenContext,
): OpenResult<InboxV1State, InboxV1Opened> {
  const e = payload.encryption;
  // Version 2 handshakes are addressed by a secret hint only (secretHints below); version 1 (read for
  // compatibility, never sent) by the inbox id's hint. Each arm is accepted only as it is addressed.
  if (e.case === "noiseInboxHandshake" && ctx.hint.form !== "secret") {
    const hs = e.value;
    if (hs.keyRef.length !== 4) return fail("handshake-malformed");
    return accept(state, hs, ctx, (k) => constantTimeEqual(k.keyRef, hs.keyRef));
  }
  if (e.case === "noiseInboxHandshakeV2" && ctx.hint.form === "secret") {
    const hs = e.value;
    if (hs.keyRef.length !== 4) return fail("handshake-malformed");
    const es = inviteSecret(ctx.crypto, state.installation.secretKey, hs.ephemeral);
    if (es === undefined) return fail("handshake-failed");
    const names: NamesKey = (k) =>
      constantTimeEqual(inviteKeyRef(ctx.crypto, es, hs.ephemeral, k.publicKey), hs.keyRef);
    try {
      return accept(state, hs, ctx, names);
    } finally {
      zeroize(es);
    }
  }
  return fail("unexpected-encryption");
}

/** Finds the bundle key the handshake names, runs the Noise handshake and hands the invite to its claimant. */
function accept(
  state: InboxV1State,
  hs: NoiseInboxHandshakeV1 | NoiseInboxHandshakeV2,
  ctx: OpenContext,
  names: NamesKey,
): OpenResult<InboxV1State, InboxV1Opened> {
  const candidates = state.bundleKeys.filter(names);
  const live = candidates.filter((k) => !isExpired(k, ctx.now));
  if (live.length === 0) {
    const retired = [...state.retired].reverse().find(names);
    if (candidates.length > 0 || retired?.reason === "expired") return fail("bundle-key-expired");
    if (retired?.reason === "used") return fail("bundle-key-used");
    if (retired?.reason === "rotated") return fail("bundle-key-rotated");
    return fail("unknown-bundle-key");
  }
  const installation = { publicKey: state.installation.publicKey, secretKey: state.installation.secretKey };
  let failure: "handshake-malformed" | "handshake-failed" = "handshake-failed";
  for (const key of live) {
    const r = respondInbox(ctx.crypto, installation, key, hs);
    if (!r.ok) {
      failure = r.reason;
      continue;
    }
    let frame: InboxV1Frame;
    try {
      frame = fromBinary(InboxV1FrameSchema, r.frame);
    } catch {
      return fail("inbox-frame-decode");
    }
    const arm = frame.frameType.case;
    if (arm === undefined) return fail("inbox-frame-empty");
    const invite: InboxInvite = {
      invite: frame.frameType.value,
      sk: r.sk,
      initiatorStatic: r.initiatorStatic,
      responderStatic: r.responderStatic,
      bundleKey: { publicKey: key.publicKey, secretKey: key.secretKey },
    };
    const accepted = ctx.claimInvite(arm, invite);
    if (!accepted.ok) return fail(accepted.reason);
    let next = pruneExpired(state, ctx.now);
    if (key.singleUse) next = retire(next, [key], "used", ctx.now);
    const started: StartedConversation = {
      conversation: accepted.conversation,
      state: accepted.state,
      ...(accepted.frame !== undefined && { frame: accepted.frame }),
    };
    return {
      ok: true,
      frame: { kind: "invite", arm, initiator: toHex(r.initiatorStatic) },
      nextState: next,
      started: [started],
    };
  }
  return fail(failure);
}

/**
 * Recognises a version-2 invite for this inbox: one X25519 with the installation key (the es of the
 * handshake), one BLAKE2b and one BLAKE2s, whatever the number of bundles; nothing for any other payload.
 */
function matches(state: InboxV1State, envelope: SecretHintEnvelope, crypto: CryptoProvider): boolean {
  if (envelope.payload.encryption.case !== "noiseInboxHandshakeV2") return false;
  const ephemeral = envelope.payload.encryption.value.ephemeral;
  const es = inviteSecret(crypto, state.installation.secretKey, ephemeral);
  if (es === undefined) return false;
  const id = inviteId(crypto, es, ephemeral, state.installation.publicKey);
  zeroize(es);
  return hintDesignates(crypto, envelope.hint, envelope.salt, id);
}

export const inboxV1: ConversationTypeRuntime<InboxV1State, InboxV1Opened> = {
  spec: inboxV1Spec,
  open,
  secretHints: { matches },
  encodeState: encodeInboxState,
  decodeState: decodeInboxState,
  // Other types reach a new peer through this inbox without importing it.
  lifecycle: { firstContact: { topic: inboxContentTopic, initiate: initiateInbox } },
};
