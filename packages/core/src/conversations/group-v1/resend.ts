/**
 * Who may read a message sent again after a lost fork (docs/GROUPS.md, "Who may read a message").
 *
 * An MLS application message is readable by exactly the roster of the epoch it is encrypted in. A message is
 * first encrypted in its sender's head, so its readers are the roster its sender saw when sending. When that
 * epoch leaves the canonical chain the message must be encrypted again, and the rule is: only in an epoch of
 * the canonical chain whose roster is within the roster it was sent to. Otherwise a member the sender had seen
 * removed (on the losing branch) could read it on the winner before the removal is re-applied there.
 *
 * The roster a message was sent to is the roster of the epoch it is stored with in the outbox (whose state is
 * kept exactly as long as the outbox entry: both go when that epoch is final). After a re-send that epoch is
 * the new one, whose roster is within the first: later decisions are at least as strict.
 */
import { canonicalChain } from "./fork-choice.js";
import type { NodeInfo, OutboxEntry } from "./records.js";

export type ResendDecision =
  /** Encrypt the message again in this epoch (the head, or an older canonical epoch) and publish it. */
  | { readonly kind: "send"; readonly epochId: string }
  /** Not yet: a removal the message's branch made is expected to be re-applied on the head. */
  | { readonly kind: "wait" }
  /** Never: no canonical epoch keeps the message within its roster, and none is expected to. */
  | { readonly kind: "lost" };

export interface ResendView {
  readonly nodes: readonly NodeInfo[];
  readonly head: NodeInfo;
  /** Identities of the roster of an epoch we hold the state of (undefined: we do not). */
  roster(epochId: string): Promise<ReadonlySet<string> | undefined>;
  /** Identities this member has a pending removal for: it commits them itself, on the head. */
  readonly removing: ReadonlySet<string>;
  /** Lowest epoch number that is not final. */
  readonly floor: bigint;
}

/** Decides what to do with a message stored with `sentIn`, an epoch that is no longer canonical. */
export async function decideResend(view: ResendView, sentIn: string): Promise<ResendDecision> {
  const readers = await view.roster(sentIn);
  const headRoster = await view.roster(view.head.id);
  if (!readers || !headRoster) return { kind: "lost" };
  if (within(headRoster, readers)) return { kind: "send", epochId: view.head.id };

  const chain = canonicalChain(view.nodes, view.head.id);
  const byId = new Map(view.nodes.map((n) => [n.id, n] as const));
  // The message's branch: from its epoch up to (not including) the first canonical ancestor, the fork point.
  const branch: NodeInfo[] = [];
  let cursor = byId.get(sentIn);
  while (cursor && !chain.has(cursor.id)) {
    branch.push(cursor);
    cursor = byId.get(cursor.parent);
  }
  const forkPoint = cursor;

  // Wait while every head member outside the message's roster is being removed again: by us, or by the
  // member whose commit on the message's branch removed it, as long as that member is still in the group
  // (its removal intent is re-committed on the head; a removed member's intents die with it).
  const removers = await branchRemovals(view, branch);
  const excess = [...headRoster].filter((x) => !readers.has(x));
  const expected = (x: string) =>
    view.removing.has(x) || (removers.get(x) ?? []).some((c) => c !== x && headRoster.has(c));
  if (excess.every(expected)) return { kind: "wait" };

  // Nothing will bring the head within the roster (e.g. the winner added someone the sender never saw): an
  // older canonical epoch after the fork point may still be, and its members read the message there.
  for (let n = byId.get(view.head.parent); n && forkPoint && n.epoch >= forkPoint.epoch; n = byId.get(n.parent)) {
    if (n.removed || n.epoch < view.floor) break;
    const r = await view.roster(n.id);
    if (r && within(r, readers)) return { kind: "send", epochId: n.id };
  }
  return { kind: "lost" };
}

/**
 * Applies `decideResend` to every outbox entry whose epoch is not on `chain`: encrypts again (same plaintext,
 * same message id) where it may, marks the ones that wait, and takes out the ones that are lost.
 */
export async function resendOutbox(
  outbox: readonly OutboxEntry[],
  chain: ReadonlySet<string>,
  view: ResendView,
  now: number,
  encrypt: (entry: OutboxEntry, epochId: string) => Promise<void>,
): Promise<{ outbox: OutboxEntry[]; lost: string[] }> {
  const kept: OutboxEntry[] = [];
  const lost: string[] = [];
  for (const o of outbox) {
    const d = chain.has(o.epochId) ? undefined : await decideResend(view, o.epochId);
    if (d?.kind === "send") {
      await encrypt(o, d.epochId);
      const epoch = view.nodes.find((n) => n.id === d.epochId)!.epoch;
      const { waitingSince: _sent, ...entry } = o;
      kept.push({ ...entry, epochId: d.epochId, epoch });
    } else if (d?.kind === "wait") kept.push(o.waitingSince === undefined ? { ...o, waitingSince: now } : o);
    else if (d?.kind === "lost") lost.push(o.messageId);
    else kept.push(o);
  }
  return { outbox: kept, lost };
}

/**
 * What the application is told after a step: messages that now wait, and waiting ones now sent. A message
 * held and released within one step (our own removal re-committed at once) never waited for it.
 */
export function waitingChanges(
  before: readonly OutboxEntry[],
  after: readonly OutboxEntry[],
): { messageId: string; state: "waiting" | "sent" }[] {
  const waited = new Set(before.flatMap((o) => (o.waitingSince === undefined ? [] : [o.messageId])));
  return after.flatMap((o) =>
    (o.waitingSince !== undefined) === waited.has(o.messageId)
      ? []
      : [{ messageId: o.messageId, state: o.waitingSince === undefined ? ("sent" as const) : ("waiting" as const) }],
  );
}

/** For each identity removed by a commit on `branch`: the committers that removed it. */
async function branchRemovals(view: ResendView, branch: readonly NodeInfo[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const n of branch) {
    const [after, before] = [await view.roster(n.id), n.parent ? await view.roster(n.parent) : undefined];
    if (!after || !before) continue;
    for (const x of before) if (!after.has(x)) out.set(x, [...(out.get(x) ?? []), n.committer]);
  }
  return out;
}

function within(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
