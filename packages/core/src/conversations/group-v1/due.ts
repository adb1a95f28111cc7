/**
 * When a group next needs `tick` (recovery.ts), so the Client's sweep wakes it only then (issue 17): the
 * earliest of the times at which tick's work would do something, read from the group's record and the
 * engine's memory (orphans, paced history fetches). Every step that writes a group notes it here
 * (`Session.flush`), and tick notes it whether it wrote or not; the runtime keeps it in the group's
 * framework state, which is what `lifecycle.due` reads.
 */
import type { TransactionView } from "../../framework/store.js";
import type { Session } from "./session.js";

/**
 * The rule: due is the earliest time at which `tick` could do anything. What tick acts on, and where it is
 * counted here:
 * - orphan expiry (`orphans.sweep` by `ttlMs`): the oldest orphan's arrival + ttl;
 * - `reconcile`: a head change, a removal, leave requests, re-sends of losing branches and pending intents are
 *   all settled by the step that brought them (every writing step reconciles), so only its timers remain: an
 *   add waiting for its key package (`since + kpTimeout`), leave failover (`since + leaveFailover`) and messages
 *   waiting for a removal, given up at `lastActivity + removalWait` (a wait starting is activity);
 *   finality pruning moves only with the head;
 * - `checkGaps`: tail polling (the next paced poll while `lastActivity + tailWindow` lasts), missing SDS ids
 *   (`since + recoveryInterval`, paced, and given up at `since + ttlMs`), orphans ahead of the head (the next paced poll, and a re-welcome at
 *   `stuckSince + rewelcomeAfter`).
 * Who keeps it current: every step that writes the group notes it (`Session.flush`), tick notes it whether it
 * wrote or not. A step that changes only memory writes nothing and notes nothing: held input (an orphan, its
 * paced history fetch) is refused to the Client, which wakes the group once at once (`Sweeper.refusedInStep`),
 * and that tick notes the due time memory now gives; orphans dropped by another group's bound only make the
 * group due early.
 * After a tick, a time already past is work tick could not do at that time (an add whose key package never
 * came, a re-welcome with nobody to ask): only a later step can change it, so it is not due again. After any
 * other step it is due at once (that step may not have run tick's part of the work).
 */
export function groupDue(s: Session, ticked: boolean): number | undefined {
  const { ctx, meta } = s;
  if (meta.status !== "active" && meta.status !== "removed") return undefined;
  const now = ctx.now();
  let due = Number.POSITIVE_INFINITY;
  const at = (t: number) => {
    if (!ticked || t > now) due = Math.min(due, t);
  };
  const head = s.node(meta.head);
  // The next history fetch `maybeRecover` would allow (it paces every request by the same two times).
  const poll = Math.max(meta.lastRecovery, ctx.heldRecovery.get(s.cid) ?? 0) + ctx.recoveryInterval;
  const oldest = ctx.orphans.oldest(s.cid);
  if (oldest) at(oldest.arrived + ctx.orphans.limits.ttlMs);
  if (head) {
    if (poll < (meta.lastActivity ?? 0) + ctx.tailWindow) at(poll);
    if (!head.removed) {
      if (meta.missing.length > 0) {
        const since = Math.min(...meta.missing.map((m) => m.since));
        at(Math.max(poll, since + ctx.recoveryInterval));
        at(since + ctx.orphans.limits.ttlMs); // given up then
      }
      const ahead = ctx.orphans.ahead(s.cid, head.epoch);
      if (ahead.length > 0) {
        at(poll);
        at(Math.min(...ahead.map((o) => o.stuckSince)) + ctx.rewelcomeAfter);
      }
    }
  }
  if (meta.status === "active") {
    // Messages waiting for a removal are given up `removalWait` after the last activity, which a wait starts.
    if (meta.outboxEpochs.some((e) => e.waiting > 0)) at((meta.lastActivity ?? 0) + ctx.removalWait);
    for (const i of meta.intents)
      if (i.kind === "add" && i.satisfiedAt === undefined && !i.keyPackage) at(i.since + ctx.kpTimeout);
    for (const l of meta.leaving) at(l.since + ctx.leaveFailover);
  }
  return due === Number.POSITIVE_INFINITY ? undefined : due;
}

/** The due times of the groups a step noted, by the transaction view it ran in (each step has its own). */
export class DueNotes {
  readonly #byStep = new WeakMap<TransactionView, Map<string, number | undefined>>();

  note(tx: TransactionView, cid: string, due: number | undefined): void {
    const m = this.#byStep.get(tx) ?? new Map<string, number | undefined>();
    m.set(cid, due);
    this.#byStep.set(tx, m);
  }

  /** The step's notes, forgotten once read. */
  take(tx: TransactionView): ReadonlyMap<string, number | undefined> {
    const m = this.#byStep.get(tx);
    this.#byStep.delete(tx);
    return m ?? new Map();
  }
}
