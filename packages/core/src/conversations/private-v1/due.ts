/**
 * When a PrivateV1 conversation next needs its periodic work (`wake`), read from its state: the earliest of
 * its SDS timers (acknowledgement debt, sync interval, a missing dependency or a waiting message declared
 * lost, each unacknowledged message's resend or give-up), the expiry of partly received frames, the resend of
 * an unanswered session reset, and at once when sealed-but-unsent work fits the send window. Work that only
 * the engine's memory records (acknowledgements owed for a replay, the failures a reset is decided on) comes
 * from refused payloads, which the Client schedules itself. Undefined: nothing is ever due until a step
 * changes the state. Earlier is safe (a wake with nothing to do); later would delay work.
 */
import type { RatchetState } from "../../primitives/ratchet/index.js";
import { nextResend, outgoingTimers } from "../../primitives/sds/index.js";
import { outboxCounts } from "./outbox.js";
import type { PrivateV1Engine } from "./session.js";
import type { PrivateV1State } from "./state.js";

export function privateV1Due(engine: PrivateV1Engine, state: PrivateV1State): number | undefined {
  const c = engine.sds.config;
  const s = state.sds;
  let due = Number.POSITIVE_INFINITY;
  const at = (t: number) => {
    if (t < due) due = t;
  };
  if (s.ackOwedSince !== undefined) at(s.ackOwedSince + c.ackDelayMs);
  if (c.syncIntervalMs !== undefined && s.recent.length > 0) at((s.lastSentAt ?? 0) + c.syncIntervalMs);
  // Incoming-lost (sds/incoming-lost.ts): after a session reset, whatever is older than its grace period too.
  const lostBefore = state.sessionSince !== undefined ? state.sessionSince + engine.resetAfterMs : undefined;
  const lost = (since: number) => {
    at(since + c.incomingLostAfterMs);
    if (lostBefore !== undefined && since < lostBefore) at(lostBefore);
  };
  for (const m of s.missing) lost(m.since);
  for (const b of s.incoming) lost(b.receivedAt);
  // Resend or give up (sds/resend.ts): the base interval while the peer is heard from, else the backoff.
  // The earliest of each is kept with the list (sds/outgoing-index.ts): a send folds in its one message.
  const timers = outgoingTimers(c, s.outgoing);
  if (timers.exhausted) at(0);
  at(timers.giveUp);
  at(nextResend(timers, s.peerHeardAt));
  // Partly received frames and recently completed ones are dropped once past the reassembly timeout.
  const timeout = engine.reassembler.timeoutMs;
  for (const p of state.reassembly.partial) at(p.firstSeenAt + timeout + 1);
  for (const d of state.reassembly.completed) at(d.completedAt + timeout + 1);
  if (state.pendingReset) at(state.pendingReset.sentAt + c.resendIntervalMs);
  if (sealable(engine, state)) at(0);
  return Number.isFinite(due) ? due : undefined;
}

/** Whether segments wait to be sealed and the send window has room for one (seal.ts `sealPending`). */
function sealable(engine: PrivateV1Engine, state: PrivateV1State): boolean {
  if (!canSend(state.ratchet)) return false;
  // The counts kept with the frames answer the common cases (nothing waits, or the window is full) at once.
  const counts = outboxCounts(state.outbound);
  if (counts.unsealed === 0 || counts.inFlight >= engine.sendWindow) return false;
  const plain = new Set(state.sds.outgoing.filter((m) => m.bytes.length > 0).map((m) => m.messageId));
  let inFlight = 0;
  let ready = 0;
  for (const o of state.outbound)
    o.segments.forEach((id, i) => {
      if (o.acked.includes(id)) return;
      if ((o.payloads[i]?.length ?? 0) > 0) inFlight++;
      else if (plain.has(id)) ready++;
    });
  return ready > 0 && inFlight < engine.sendWindow;
}

/** Whether a ratchet can seal now (a responder cannot before its first message arrives). */
function canSend(r: RatchetState): boolean {
  return r.sendChainKey !== undefined || r.dhRemote !== undefined;
}
