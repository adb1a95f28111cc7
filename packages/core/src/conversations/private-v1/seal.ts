/**
 * Sealing: what goes on the wire and in which ciphertext. Content is sealed once, within the send window,
 * and its ciphertext kept; a resend is that same ciphertext (resending never advances the ratchet, and the
 * receiver recognises it), except the invite's message once the peer has answered (sealed once more, in the
 * conversation: the peer refuses a copy of the invite without acknowledging it); sync messages
 * (acknowledgements) are sealed as they are made.
 */

import { decodeEncryptedPayload, encodeEncryptedPayload } from "../../framework/envelope.js";
import type { RatchetState } from "../../primitives/ratchet/index.js";
import { toDoubleratchetProto } from "../../primitives/ratchet/index.js";
import type { SdsOutgoing } from "../../primitives/sds/index.js";
import { create, type EncryptedPayload, EncryptedPayloadSchema } from "../../wire/index.js";
import { outboxCounts } from "./outbox.js";
import type { OutgoingPayload } from "./results.js";
import type { PrivateV1Engine } from "./session.js";
import type { PrivateV1State } from "./state.js";

/** The payload of a segment not sealed yet. */
export const UNSEALED = new Uint8Array(0);

type Sealed = { state: PrivateV1State; outgoing: OutgoingPayload[] };

/** Whether a ratchet can seal now (a responder cannot before its first message arrives). */
export function canSend(r: RatchetState): boolean {
  return r.sendChainKey !== undefined || r.dhRemote !== undefined;
}

/** Drops every kept ciphertext (a new session): what is unacknowledged is sealed again under it. */
export function unsealAll(state: PrivateV1State): PrivateV1State {
  return { ...state, outbound: state.outbound.map((o) => ({ ...o, payloads: o.segments.map(() => UNSEALED) })) };
}

/**
 * Seals unsent segments, oldest first, while fewer than `sendWindow` sealed segments are unacknowledged.
 * Each sealed ciphertext is kept: a resend is the same ratchet message, so resending never consumes the
 * sending chain and the receiver recognises it. The window bounds what is on the wire unacknowledged:
 * what a receiver must recognise when it comes again (its receipts), and what one resend round costs.
 * Segments beyond it wait, already ordered by SDS, and go out as acknowledgements come in.
 */
export function sealPending(engine: PrivateV1Engine, state: PrivateV1State, now: number): Sealed {
  if (!canSend(state.ratchet)) return { state, outgoing: [] };
  // Counted with the frames (outbox.ts): with the window full, a send does not walk what waits.
  const { inFlight, unsealed } = outboxCounts(state.outbound);
  let budget = Math.min(unsealed, engine.sendWindow - inFlight);
  if (budget <= 0) return { state, outgoing: [] };
  const bytes = new Map(state.sds.outgoing.map((m) => [m.messageId, m.bytes] as const));
  const dr = engine.ratchet(state);
  let ratchet = state.ratchet;
  const outgoing: OutgoingPayload[] = [];
  const sealedIds: string[] = [];
  const outbound = state.outbound.map((o) => {
    if (budget <= 0) return o;
    let payloads: Uint8Array[] | undefined;
    o.segments.forEach((id, i) => {
      if (budget <= 0 || o.acked.includes(id) || (o.payloads[i]?.length ?? 0) > 0) return;
      const plain = bytes.get(id);
      if (!plain || plain.length === 0) return; // given up or acknowledged meanwhile
      const r = sealOne(dr, ratchet, plain, now);
      ratchet = r.ratchet;
      const payload = r.payload;
      payloads ??= o.segments.map((_, j) => o.payloads[j] ?? UNSEALED);
      payloads[i] = encodeEncryptedPayload(payload);
      outgoing.push({ conversationHint: state.remoteId, contentTopic: state.contentTopic, payload, sdsId: id });
      sealedIds.push(id);
      budget--;
    });
    return payloads ? { ...o, payloads } : o;
  });
  // The resend timer of a segment starts when it is first on the wire.
  const sds = engine.sds.touch(state.sds, sealedIds, now);
  return { state: { ...state, ratchet, outbound, sds }, outgoing };
}

/** Seals what SDS produced: resends as first sent, sync messages anew (content waits for `sealPending`). */
export function encryptAll(
  engine: PrivateV1Engine,
  state: PrivateV1State,
  messages: readonly SdsOutgoing[],
  now: number,
): Sealed {
  const dr = engine.ratchet(state);
  let ratchet = state.ratchet;
  let current = state;
  const outgoing: OutgoingPayload[] = [];
  for (const m of messages) {
    if (m.kind === "resend") {
      if (current.invite?.sdsId === m.messageId && answered(ratchet)) {
        // The peer has the conversation: a copy of the invite would be refused there as one it already took
        // (`conversation-exists`), never acknowledged. Sealed again in the conversation, it is a duplicate
        // the peer acknowledges; later resends are that payload.
        const r = sealOne(dr, ratchet, m.bytes, now);
        ratchet = r.ratchet;
        const payload = r.payload;
        current = { ...withPayload(current, m.messageId, encodeEncryptedPayload(payload)), invite: undefined };
        outgoing.push({
          conversationHint: state.remoteId,
          contentTopic: state.contentTopic,
          payload,
          sdsId: m.messageId,
        });
        continue;
      }
      // Only what is on the wire is resent, as it was first sent; the rest waits for `sealPending`.
      const resent = resendPayload(current, m.messageId);
      if (resent) outgoing.push({ ...resent, sdsId: m.messageId });
      continue;
    }
    // Content is sealed by `sealPending`; here only sync messages (acknowledgements). A new session we
    // answer (a reset) cannot send before its first message arrives: the acknowledgements are owed again
    // when the peer resends.
    if (m.kind === "content" || !canSend(ratchet)) continue;
    const r = sealOne(dr, ratchet, m.bytes, now);
    ratchet = r.ratchet;
    outgoing.push({ conversationHint: state.remoteId, contentTopic: state.contentTopic, payload: r.payload });
  }
  return { state: { ...current, ratchet }, outgoing };
}

/** One ratchet message for `plain`, as the payload that carries it. */
function sealOne(
  dr: ReturnType<PrivateV1Engine["ratchet"]>,
  ratchet: RatchetState,
  plain: Uint8Array,
  now: number,
): { ratchet: RatchetState; payload: EncryptedPayload } {
  const r = dr.encrypt(ratchet, plain, now);
  const payload = create(EncryptedPayloadSchema, {
    encryption: { case: "doubleratchet", value: toDoubleratchetProto(r.message) },
  });
  return { ratchet: r.state, payload };
}

/** Whether anything of the peer's opened in this session: then it holds the conversation our invite started. */
function answered(r: RatchetState): boolean {
  return r.recvChainKey !== undefined || r.pastChains.length > 0;
}

/** `state` with the kept ciphertext of segment `sdsId` replaced by `payload`. */
function withPayload(state: PrivateV1State, sdsId: string, payload: Uint8Array): PrivateV1State {
  const outbound = state.outbound.map((o) => {
    const at = o.segments.indexOf(sdsId);
    return at < 0 ? o : { ...o, payloads: o.payloads.map((p, i) => (i === at ? payload : p)) };
  });
  return { ...state, outbound };
}

/** The exact payload an SDS message was first sent in (the invite, or its kept ciphertext), if known. */
function resendPayload(state: PrivateV1State, sdsId: string): Omit<OutgoingPayload, "sdsId"> | undefined {
  if (state.invite && sdsId === state.invite.sdsId) {
    const invite = decodeEncryptedPayload(state.invite.payload);
    if (!invite.ok) return undefined;
    return {
      conversationHint: state.invite.conversationHint,
      contentTopic: state.invite.contentTopic,
      payload: invite.value,
    };
  }
  for (const o of state.outbound) {
    const at = o.segments.indexOf(sdsId);
    if (at < 0) continue;
    const bytes = o.payloads[at];
    const payload = bytes && bytes.length > 0 ? decodeEncryptedPayload(bytes) : undefined;
    if (!payload?.ok) return undefined;
    return { conversationHint: state.remoteId, contentTopic: state.contentTopic, payload: payload.value };
  }
  return undefined;
}
