/**
 * Recovery (docs/GROUPS.md §3): history fetches paced per group, the periodic work of `tick` (orphan expiry,
 * key-package timeouts and leave failover through reconcile, tail-loss polling, gap detection) and, when
 * history does not fill a gap, the request to be re-welcomed.
 */
import type { TransactionView } from "../../framework/store.js";
import type { GroupEffect } from "./effects.js";
import { createKeyPackage } from "./key-packages.js";
import { control } from "./outbound.js";
import { reconcile } from "./reconcile.js";
import { decodeMeta, metaKey } from "./records.js";
import { type EngineContext, listGroups, openSession, Session } from "./session.js";

/**
 * Time-driven work for every group (or one): key-package timeouts, leave failover, gap recovery (history
 * fetch, then re-welcome).
 */
export async function tick(ctx: EngineContext, tx: TransactionView, cid?: string): Promise<GroupEffect[]> {
  const effects: GroupEffect[] = [];
  for (const id of cid ? [cid] : await listGroups(tx, ctx.ns)) {
    const stored = await tx.get(ctx.ns.meta, metaKey(id));
    const meta = stored && decodeMeta(stored);
    // A member whose head removed it still polls for a while: a branch keeping it may yet win.
    if (!stored || !meta || (meta.status !== "active" && meta.status !== "removed")) continue;
    const s = new Session(ctx, tx, meta);
    s.ticked = true;
    s.reportEvictions(ctx.orphans.sweep(id, ctx.now()));
    await reconcile(s);
    await checkGaps(s);
    // Nothing was due: the group's record is not rewritten (an idle group writes nothing).
    if (s.unchanged(stored)) s.noteDue();
    else effects.push(...s.flush());
  }
  return effects;
}

/** Asks for the group's history (after a restart or when a gap is suspected). */
export async function recover(ctx: EngineContext, tx: TransactionView, cid: string): Promise<GroupEffect[]> {
  const s = await openSession(ctx, tx, cid);
  s.meta.lastRecovery = 0;
  ctx.heldRecovery.delete(cid);
  maybeRecover(s);
  return s.flush();
}

/**
 * At most one history fetch per recoveryInterval and group, whatever asks for it; held input (which must
 * write nothing) keeps its time in memory only.
 */
export function maybeRecover(s: Session): void {
  const ctx = s.ctx;
  const now = ctx.now();
  const last = Math.max(s.meta.lastRecovery, ctx.heldRecovery.get(s.cid) ?? 0);
  if (now - last < ctx.recoveryInterval) return;
  // Ask only for what is newer than the previous fetch (minus a margin for clock skew and latency).
  const since = last > 0 ? last - 2 * ctx.recoveryInterval : undefined;
  s.meta.lastRecovery = now;
  ctx.heldRecovery.set(s.cid, now);
  s.emit({ kind: "fetch-history", conversationId: s.cid, contentTopic: ctx.contentTopic(s.cid), since });
}

async function checkGaps(s: Session): Promise<void> {
  const ctx = s.ctx;
  const head = s.node(s.meta.head);
  if (!head) return;
  const now = ctx.now();
  // Tail losses: the last messages of a burst are revealed by no later message, so for a while after any
  // activity the member polls the topic's history (a Waku Store query for what is newer than its last one).
  if (now - (s.meta.lastActivity ?? 0) < ctx.tailWindow) maybeRecover(s);
  if (head.removed) return;
  // A missing id that history has not brought within the orphans' lifetime is given up: it is most often a
  // message of an epoch before our join (named in a later message's causal history), which no fetch can bring,
  // and asking for it would go on for ever.
  const live = s.meta.missing.filter((m) => now - m.since < ctx.orphans.limits.ttlMs);
  if (live.length !== s.meta.missing.length) s.meta.missing = live;
  const ahead = ctx.orphans.ahead(s.cid, head.epoch);
  const oldMissing = s.meta.missing.filter((m) => now - m.since >= ctx.recoveryInterval);
  if (ahead.length === 0 && oldMissing.length === 0) return;
  maybeRecover(s);
  const stuckSince = Math.min(...ahead.map((o) => o.stuckSince));
  if (ahead.length === 0 || now - stuckSince < ctx.rewelcomeAfter) return;
  // History did not fill the gap: ask another member to remove and re-add us. The first request goes to the
  // lowest-index one; we may have no pairwise conversation with it (a device of another account knows only
  // its siblings), and a request that cannot travel is dropped unseen, so each further request asks the next
  // member in leaf order: a reachable one is asked within one period per member.
  const others = (await s.headRoster()).filter((r) => r.identity !== ctx.self);
  if (others.length === 0) return;
  const asked = ctx.rewelcomeAsked.get(s.cid) ?? 0;
  ctx.rewelcomeAsked.set(s.cid, asked + 1);
  const target = others.sort((a, b) => a.leafIndex - b.leafIndex)[asked % others.length]!;
  const keyPackage = await createKeyPackage(ctx, s.tx);
  control(s, target.identity, { case: "rewelcomeRequest", value: { conversationId: s.cid, keyPackage } });
  for (const o of ahead) o.stuckSince = now; // wait a full period before asking again
}
