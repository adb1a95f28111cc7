/**
 * Receiving one SDS message: refuse what is malformed, foreign, ours or from the wrong sender (nothing
 * changes); take in the acknowledgements it carries; deliver it, or buffer it until what it cites arrives or
 * is declared lost, within the bounds on what a peer can make us hold (docs/SDS.md, "Bounds").
 */
import { owe } from "./ack-debt.js";
import { reviewAcks } from "./acks.js";
import { deliver, drain } from "./delivery.js";
import { type Draft, finishDraft, isAvailable, isKnown, openDraft } from "./draft.js";
import { SdsError } from "./errors.js";
import type { SdsEvent, SdsReceiveErrorCode, SdsReceiveOptions, SdsReceiveResult } from "./events.js";
import { decodeSdsMessage, type HistoryRef } from "./message.js";
import type { SdsConfig } from "./options.js";
import type { BufferedMessage, SdsState } from "./state.js";

/** Lamport values above this are refused: they would let a peer exhaust our uint64 clock. */
const MAX_LAMPORT = 1n << 62n;

/** See `Sds.receive`. Total: never throws on peer input. */
export function receiveStep(
  c: SdsConfig,
  state: SdsState,
  bytes: Uint8Array,
  now: number,
  options: SdsReceiveOptions,
): SdsReceiveResult {
  const m = decodeSdsMessage(bytes);
  if (!m) return fail("malformed", "not an SDS message");
  if (m.channelId !== state.channelId) return fail("wrong-channel", "message for another channel");
  if (m.senderId === state.senderId) return fail("own-message", "our own message");
  if (options.expectedSenderId !== undefined && m.senderId !== options.expectedSenderId) {
    return fail("sender-mismatch", "sender_id differs from the authenticated sender");
  }
  if (m.lamport !== undefined && m.lamport > MAX_LAMPORT) return fail("malformed", "Lamport timestamp too large");

  if (m.kind === "ephemeral") {
    const events: SdsEvent[] = [
      { type: "ephemeral", messageId: m.messageId, senderId: m.senderId, content: m.content! },
    ];
    return { ok: true, status: "ephemeral", message: m, state, outgoing: [], events };
  }

  const d = openDraft(state);
  // An authenticated message from the peer: it is reachable, so what waits for a resend need not wait long.
  d.peerHeardAt = now;
  const known = m.kind === "content" && isKnown(d, m.messageId);
  if (m.kind === "content" && (known || d.incoming.some((b) => b.messageId === m.messageId))) {
    // The sender did not see our acknowledgement: owe it again.
    if (known) owe(c, d, { messageId: m.messageId, senderId: m.senderId }, now);
    return { ok: true, status: "duplicate", message: m, ...finishDraft(d) };
  }

  reviewAcks(c, d, m);
  if (m.kind === "sync") {
    // A sync cites mostly our own ids (acknowledgements): only the unknown ones count towards the cap.
    recordMissing(c, d, awaited(c, d, m.causalHistory), now);
    return { ok: true, status: "sync", message: m, ...finishDraft(d) };
  }

  // Only the dependencies not yet available are kept: what the message waits for, at most maxDependencies.
  const waitsFor = awaited(c, d, m.causalHistory);
  const buffered: BufferedMessage = {
    messageId: m.messageId,
    senderId: m.senderId,
    lamport: m.lamport!,
    dependencies: waitsFor.map((h) => h.messageId),
    content: m.content!,
    receivedAt: now,
  };
  const wanted = d.missing.some((x) => x.messageId === m.messageId);
  if (waitsFor.length === 0) {
    if (wanted) d.missing = d.missing.filter((x) => x.messageId !== m.messageId);
    deliver(c, d, buffered, now);
    drain(c, d, now);
    return { ok: true, status: "delivered", message: m, ...finishDraft(d) };
  }
  const refused = refusal(c, d, buffered, wanted || d.incoming.some((b) => b.dependencies.includes(m.messageId)));
  if (refused) return fail("buffer-full", refused);
  if (wanted) d.missing = d.missing.filter((x) => x.messageId !== m.messageId);
  d.incoming.push(buffered);
  recordMissing(c, d, waitsFor, now);
  return { ok: true, status: "buffered", message: m, ...finishDraft(d) };
}

/** The last `maxDependencies` ids a message cites that are neither delivered nor lost: what we track of it. */
function awaited(c: SdsConfig, d: Draft, refs: readonly HistoryRef[]): readonly HistoryRef[] {
  const unknown = refs.filter((h) => !isAvailable(d, h.messageId));
  return unknown.length > c.maxDependencies ? unknown.slice(-c.maxDependencies) : unknown;
}

/**
 * Why a message that must wait is refused, if it is: the buffer is full (messages, bytes, or dependencies
 * waited for). Refusing changes nothing, so the sender's resend brings it again once there is room; a
 * message the buffer itself waits for (`needed`) may use up to twice the bounds, so a full buffer drains.
 */
function refusal(c: SdsConfig, d: Draft, m: BufferedMessage, needed: boolean): string | undefined {
  if (d.incoming.length === 0) return undefined;
  const scale = needed ? 2 : 1;
  let bytes = m.content.length;
  let waiting = m.dependencies.length;
  for (const b of d.incoming) {
    bytes += b.content.length;
    waiting += b.dependencies.length;
  }
  if (d.incoming.length + 1 > c.maxIncoming * scale) return "too many buffered messages";
  if (bytes > c.maxIncomingBytes * scale) return "too many buffered bytes";
  if (waiting > c.maxTracked * scale) return "too many awaited dependencies";
  return undefined;
}

/** Tracks the cited ids we have neither got nor are waiting with, and reports the new ones `missing`. */
function recordMissing(c: SdsConfig, d: Draft, refs: readonly HistoryRef[], now: number): void {
  const fresh: HistoryRef[] = [];
  for (const ref of refs) {
    const id = ref.messageId;
    if (isAvailable(d, id) || d.incoming.some((b) => b.messageId === id)) continue;
    if (d.missing.some((x) => x.messageId === id)) continue;
    d.missing.push(
      ref.retrievalHint
        ? { messageId: id, retrievalHint: ref.retrievalHint, since: now }
        : { messageId: id, since: now },
    );
    fresh.push(ref);
  }
  if (d.missing.length > c.maxTracked) d.missing.splice(0, d.missing.length - c.maxTracked);
  if (fresh.length > 0) d.events.push({ type: "missing", messages: fresh });
}

function fail(code: SdsReceiveErrorCode, message: string): SdsReceiveResult {
  return { ok: false, error: new SdsError(code, message) as SdsError & { readonly code: SdsReceiveErrorCode } };
}
