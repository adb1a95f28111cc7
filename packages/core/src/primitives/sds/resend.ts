/**
 * The resend policy for our unacknowledged messages: resend after the base interval while the peer is being
 * heard from, back off (doubling, up to a cap) while it is silent, and give up by age or by count, remembering
 * what was given up so that a late acknowledgement still counts (docs/SDS.md, decision 8).
 */
import { type Draft, finishDraft, openDraft } from "./draft.js";
import type { SdsConfig } from "./options.js";
import type { OutgoingMessage, SdsState } from "./state.js";

/** Resends what is due and gives up on what is too old (or resent too often), at `now`. */
export function resendOrGiveUp(c: SdsConfig, d: Draft, now: number): void {
  const keep: OutgoingMessage[] = [];
  for (const m of d.outgoing) {
    if (now - m.firstSentAt >= c.giveUpAfterMs || m.resends >= c.maxResends) {
      d.events.push({ type: "outgoing-lost", messageId: m.messageId });
      abandon(c, d, m.messageId);
    } else if (resendDue(c, d, m, now)) {
      keep.push({ ...m, lastSentAt: now, resends: m.resends + 1 });
      d.out.push({ messageId: m.messageId, bytes: m.bytes, kind: "resend" });
    } else keep.push(m);
  }
  d.outgoing = keep;
}

/**
 * When an unacknowledged message is due again. While the peer is being heard from (within the last
 * `maxResendIntervalMs`), it is online: resend after the base interval. Otherwise it is away: each resend
 * doubles the wait, up to that cap, so a peer offline for days costs a few dozen resends per message.
 */
function resendDue(c: SdsConfig, d: Draft, m: OutgoingMessage, now: number): boolean {
  const base = m.possibleAcks > 0 ? c.possiblyAckedResendIntervalMs : c.resendIntervalMs;
  const since = now - m.lastSentAt;
  const cap = Math.max(base, c.maxResendIntervalMs);
  if (d.peerHeardAt !== undefined && now - d.peerHeardAt < cap) return since >= base;
  return since >= Math.min(base * 2 ** Math.min(m.resends, 30), cap);
}

function abandon(c: SdsConfig, d: Draft, id: string): void {
  if (c.abandonedWindow <= 0) return;
  d.abandoned.push(id);
  if (d.abandoned.length > c.abandonedWindow) d.abandoned.splice(0, d.abandoned.length - c.abandonedWindow);
}

/** See `Sds.touch`: these messages were just put on the wire again, so their next resend counts from now. */
export function touchStep(state: SdsState, messageIds: readonly string[], now: number): SdsState {
  if (messageIds.length === 0) return state;
  const ids = new Set(messageIds);
  const d = openDraft(state);
  d.outgoing = d.outgoing.map((m) => (ids.has(m.messageId) ? { ...m, lastSentAt: now } : m));
  d.lastSentAt = now;
  return finishDraft(d).state;
}
