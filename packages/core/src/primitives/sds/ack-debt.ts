/**
 * What we owe the peer: each delivered (or re-received) peer message must be cited by one of ours. A content
 * message of ours settles the debt for what it cites; otherwise a sync message does, `ackDelayMs` after the
 * debt began (docs/SDS.md, decision 5).
 */
import { type Draft, finishDraft, openDraft } from "./draft.js";
import { historyRef, recentHistory, tick } from "./log.js";
import { encodeSdsMessage, type HistoryRef } from "./message.js";
import type { SdsConfig } from "./options.js";
import type { OwedAck, SdsState } from "./state.js";

/** Owes an acknowledgement for `a` (moved to the newest end if already owed), bounded by `maxAckOwed`. */
export function owe(c: SdsConfig, d: Draft, a: OwedAck, now: number): void {
  d.ackOwed = d.ackOwed.filter((x) => x.messageId !== a.messageId);
  d.ackOwed.push(a);
  if (d.ackOwed.length > c.maxAckOwed) d.ackOwed.splice(0, d.ackOwed.length - c.maxAckOwed);
  d.ackOwedSince ??= now;
}

/** Our message cited these ids: they (and, with transitive acks, what their senders sent before) are acked. */
export function cited(c: SdsConfig, d: Draft, refs: readonly HistoryRef[]): void {
  for (const ref of refs) {
    const at = d.ackOwed.findIndex((a) => a.messageId === ref.messageId);
    if (at < 0) continue;
    const sender = d.ackOwed[at]!.senderId;
    d.ackOwed = d.ackOwed.filter((a, i) => (c.transitiveAcks ? i > at || a.senderId !== sender : i !== at));
  }
  if (d.ackOwed.length === 0) d.ackOwedSince = undefined;
}

/**
 * Puts sync messages on the wire: empty content, citing the recent log and every owed id, carrying the filter
 * unless "none". With nothing to cite it sends nothing, unless `force`.
 */
export function writeSync(c: SdsConfig, d: Draft, now: number, force = false): void {
  const refs = new Map<string, HistoryRef>();
  for (const h of recentHistory(c, d)) refs.set(h.messageId, h);
  for (const a of d.ackOwed) refs.set(a.messageId, historyRef(c, a));
  if (refs.size === 0 && !force) return; // nothing to say (js-waku skips such syncs too)
  const all = [...refs.values()];
  // Every owed acknowledgement is cited exactly: large debts (after a catch-up) take several sync messages.
  for (let at = 0; at < Math.max(all.length, 1); at += c.maxAckRefsPerSync) {
    d.lamport = tick(d.lamport, now);
    const messageId = `sync-${d.lamport}`;
    const bytes = encodeSdsMessage({
      senderId: d.senderId,
      messageId,
      channelId: d.channelId,
      lamport: d.lamport,
      causalHistory: all.slice(at, at + c.maxAckRefsPerSync),
      bloomFilter: c.bloomIn === "none" ? undefined : d.bloom,
    });
    d.out.push({ messageId, bytes, kind: "sync" });
  }
  d.ackOwed = [];
  d.ackOwedSince = undefined;
  d.lastSentAt = now;
}

/** See `Sds.reack`: the same state when `messageId` still waits in the buffer (not delivered yet). */
export function reackStep(c: SdsConfig, state: SdsState, messageId: string, senderId: string, now: number): SdsState {
  if (senderId === state.senderId) return state;
  const d = openDraft(state);
  // Received and not waiting: delivered, perhaps so long ago that its id has left the `known` window.
  if (d.incoming.some((b) => b.messageId === messageId)) return state;
  owe(c, d, { messageId, senderId }, now);
  return finishDraft(d).state;
}
