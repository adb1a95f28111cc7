/**
 * Incoming-lost: a dependency missing for `incomingLostAfterMs` (or one a message has waited on that long, or,
 * after a session reset, anything older than `lostBefore`) is declared lost, and what waited on it is
 * delivered. Waiting messages stop waiting for a lost id at once, so each is released exactly once.
 */

import { drain } from "./delivery.js";
import { addLost, type Draft, isAvailable } from "./draft.js";
import type { SdsConfig } from "./options.js";

/** Declares lost what has waited too long at `now`, and delivers what then can be. */
export function expireIncoming(c: SdsConfig, d: Draft, now: number, lostBefore: number | undefined): void {
  const bound = c.incomingLostAfterMs;
  const cut = lostBefore !== undefined && now >= lostBefore ? lostBefore : undefined;
  const gone = (since: number) => now - since >= bound || (cut !== undefined && since < cut);
  // Both lists are bounded (maxTracked, maxIncoming): a sweep with nothing expired only reads timestamps.
  if (!d.missing.some((x) => gone(x.since)) && !d.incoming.some((b) => gone(b.receivedAt))) return;
  const expired = new Set(d.missing.filter((x) => gone(x.since)).map((x) => x.messageId));
  const waiting = new Set(d.incoming.filter((b) => !gone(b.receivedAt)).map((b) => b.messageId));
  for (const b of d.incoming) {
    if (!gone(b.receivedAt)) continue;
    for (const dep of b.dependencies) if (!isAvailable(d, dep) && !waiting.has(dep)) expired.add(dep);
  }
  if (expired.size > 0) {
    declareLost(c, d, [...expired]);
    drain(c, d, now);
  }
}

/**
 * Declares ids lost: they no longer block what waits on them. Buffered messages stop waiting for them at
 * once (not through `lost`, whose window may have dropped them again), so each is released exactly once.
 */
function declareLost(c: SdsConfig, d: Draft, ids: string[]): void {
  const set = new Set(ids);
  d.missing = d.missing.filter((x) => !set.has(x.messageId));
  d.incoming = d.incoming.map((b) =>
    b.dependencies.some((id) => set.has(id)) ? { ...b, dependencies: b.dependencies.filter((id) => !set.has(id)) } : b,
  );
  addLost(d, ids, c.maxLost);
  d.events.push({ type: "incoming-lost", messageIds: ids });
}
