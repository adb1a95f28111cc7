/**
 * The session-reset steps (the key schedule is in reset.ts): accepting the peer's reset, and starting one
 * when the failures policy says the current session is beyond repair. Either way, everything unacknowledged
 * is sealed again under the new session (same SDS ids: the peer delivers each once).
 */
import { constantTimeEqual, zeroize } from "../../base/bytes.js";
import { encodeEncryptedPayload } from "../../framework/envelope.js";
import { create, EncryptedPayloadSchema, type PrivateV1SessionReset } from "../../wire/index.js";
import { makeReset, openReset } from "./reset.js";
import type { OutgoingPayload, PrivateV1Effects, PrivateV1Opened } from "./results.js";
import { encryptAll, unsealAll } from "./seal.js";
import type { PrivateV1Engine } from "./session.js";
import type { PrivateV1Reason } from "./spec.js";
import type { PrivateV1State } from "./state.js";

const NO_EFFECTS: PrivateV1Effects = { frames: [], deliveryUpdates: [], missing: [], lost: [], dropped: [] };

/** A reset from the peer: accepted when authentic and newer (or, when both reset at once, the peer's key is lower). */
export function acceptReset(
  engine: PrivateV1Engine,
  state: PrivateV1State,
  reset: PrivateV1SessionReset,
  now: number,
): { ok: true; state: PrivateV1State; opened: PrivateV1Opened } | { ok: false; reason: PrivateV1Reason } {
  const identity = engine.options.identity;
  if (!identity || !constantTimeEqual(identity.publicKey, state.selfKey))
    return { ok: false, reason: "reset-unsupported" };
  const g = reset.generation;
  const concurrent =
    g === state.generation && state.pendingReset !== undefined && lowerKey(state.peerKey, state.selfKey);
  if (!(g > state.generation || concurrent)) return { ok: false, reason: "reset-replay" };
  const sk = openReset(engine.crypto, identity, state.peerKey, g, reset.ephemeral, reset.tag);
  if (!sk) return { ok: false, reason: "reset-auth-failed" };
  const ratchet = engine.ratchet(state).initReceiver(sk, identity);
  zeroize(sk);
  engine.hints.opened(state.localId);
  const next: PrivateV1State = {
    ...unsealAll(state),
    ratchet,
    generation: g,
    sessionSince: now,
    pendingReset: undefined,
    invite: undefined,
  };
  return { ok: true, state: next, opened: { kind: "private-v1", status: "sync", ...NO_EFFECTS } };
}

/** Starts the next session when the failures policy says the current one is beyond repair. */
export function maybeReset(
  engine: PrivateV1Engine,
  state: PrivateV1State,
  now: number,
): { state: PrivateV1State; outgoing: OutgoingPayload[] } {
  const identity = engine.options.identity;
  const f = engine.hints.failures(state.localId);
  if (
    !identity ||
    !f ||
    f.count < engine.resetAfterFailures ||
    now - f.since < engine.resetAfterMs ||
    (state.resetAt !== undefined && now - state.resetAt < engine.resetBackoffMs)
  )
    return { state, outgoing: [] };
  engine.hints.opened(state.localId);
  const generation = state.generation + 1;
  const made = makeReset(engine.crypto, identity, state.peerKey, generation);
  const ratchet = engine.ratchet(state).initSender(made.sk, state.peerKey);
  zeroize(made.sk);
  const payload = create(EncryptedPayloadSchema, {
    encryption: {
      case: "privateV1SessionReset",
      value: { generation, ephemeral: made.ephemeral, tag: made.tag },
    },
  });
  // The new session's first ratchet message goes with the reset: the peer can send only once it has one.
  const hello = engine.sds.sync(state.sds, now, { force: true });
  const first = encryptAll(engine, { ...state, ratchet, sds: hello.state }, hello.outgoing, now);
  const next: PrivateV1State = {
    ...unsealAll(first.state),
    generation,
    sessionSince: now,
    resetAt: now,
    pendingReset: {
      generation,
      payload: encodeEncryptedPayload(payload),
      first: first.outgoing.map((o) => encodeEncryptedPayload(o.payload)),
      sentAt: now,
    },
    invite: undefined,
  };
  const ref = { conversationHint: state.remoteId, contentTopic: state.contentTopic };
  return { state: next, outgoing: [{ ...ref, payload }, ...first.outgoing] };
}

/** Byte order of two keys: when both sides reset at once, the reset of the lower installation key wins. */
function lowerKey(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return a.length < b.length;
}
