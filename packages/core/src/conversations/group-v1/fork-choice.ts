/**
 * The fork-choice rule of GroupV1 (docs/GROUPS.md). Every member keeps the tree of epochs it can validate
 * (each epoch = one MLS state, reached from its parent by one commit) and calls the same pure function over
 * it: the head is the epoch with the HIGHEST epoch number, and among equals the one with the LOWEST epoch id
 * (a hash over the whole transcript, so it differs between competing commits). The result depends only on
 * the set of known epochs, never on arrival order, so members that have seen the same commits agree.
 *
 * Preferring the longest chain means a competitor that arrives late, after the group has built on the
 * other branch, loses without any rollback; rollbacks only happen between truly concurrent commits.
 */
export interface EpochNode {
  /** Lower hex, fixed length. */
  readonly id: string;
  /** Parent epoch id; "" for a root (group creation or a Welcome). */
  readonly parent: string;
  readonly epoch: bigint;
}

export function betterEpoch(a: EpochNode, b: EpochNode): boolean {
  return a.epoch !== b.epoch ? a.epoch > b.epoch : a.id < b.id;
}

export function chooseHead<T extends EpochNode>(nodes: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const n of nodes) if (best === undefined || betterEpoch(n, best)) best = n;
  return best;
}

/** The ids of `head` and its known ancestors: the canonical chain as far as this member holds it. */
export function canonicalChain(nodes: readonly EpochNode[], head: string): Set<string> {
  const byId = new Map(nodes.map((n) => [n.id, n] as const));
  const chain = new Set<string>();
  let cursor = byId.get(head);
  while (cursor && !chain.has(cursor.id)) {
    chain.add(cursor.id);
    cursor = byId.get(cursor.parent);
  }
  return chain;
}
