/**
 * The local log: the Lamport clock, the (lamport, id) order, the tail of recent entries kept in that order,
 * and the causal history a message cites from it (docs/SDS.md, decision 3).
 */
import type { Draft } from "./draft.js";
import type { HistoryRef } from "./message.js";
import type { SdsConfig } from "./options.js";
import type { LogEntry } from "./state.js";

/** Send-side clock: max(now, clock + 1). */
export function tick(lamport: bigint, now: number): bigint {
  const t = BigInt(Math.floor(now));
  return t > lamport + 1n ? t : lamport + 1n;
}

export function compareLog(
  a: { lamport: bigint; messageId: string },
  b: { lamport: bigint; messageId: string },
): number {
  if (a.lamport !== b.lamport) return a.lamport < b.lamport ? -1 : 1;
  return a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0;
}

/** Puts `e` in its place in the recent tail, which keeps the last `causalHistorySize` entries (at least 1). */
export function insertRecent(c: SdsConfig, d: Draft, e: LogEntry): void {
  let i = d.recent.length;
  while (i > 0 && compareLog(d.recent[i - 1]!, e) > 0) i--;
  d.recent.splice(i, 0, e);
  const keep = Math.max(c.causalHistorySize, 1);
  if (d.recent.length > keep) d.recent.splice(0, d.recent.length - keep);
}

/** A history entry for `e`, with its sender only when configured (`historySenderIds`). */
export function historyRef(c: SdsConfig, e: { messageId: string; senderId: string }): HistoryRef {
  return c.historySenderIds ? { messageId: e.messageId, senderId: e.senderId } : { messageId: e.messageId };
}

/** The last `causalHistorySize` log entries. */
export function recentHistory(c: SdsConfig, d: Draft): HistoryRef[] {
  const n = c.causalHistorySize;
  return n > 0 ? d.recent.slice(-n).map((e) => historyRef(c, e)) : [];
}

/** The last N log entries, with our own last message swapped in if it fell out (per-sender FIFO). */
export function contentHistory(c: SdsConfig, d: Draft): HistoryRef[] {
  const tail = recentHistory(c, d);
  const own = d.lastOwnId;
  if (own !== undefined && tail.length > 0 && !tail.some((h) => h.messageId === own)) {
    tail[0] = historyRef(c, { messageId: own, senderId: d.senderId });
  }
  return tail;
}
