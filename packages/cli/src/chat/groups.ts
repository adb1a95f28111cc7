/**
 * What changed in a group, in words: the Client says only that the roster or the name changed, so the chat
 * compares the roster and name it saw last with the new ones. A member who announced leaving (a leave
 * content sent to the group before going) is said to have left; one who went without a word was removed.
 */
export interface Roster {
  readonly name: string;
  /** Installation key -> "member" | "pending" | "invited". */
  readonly members: ReadonlyMap<string, string>;
}

export function rosterOf(name: string, members: readonly { peer: string; state: string; self: boolean }[]): Roster {
  return { name, members: new Map(members.filter((m) => !m.self).map((m) => [m.peer, m.state])) };
}

/** Sentences for the change from `before` to `after`, with `nameOf` naming members. */
export function rosterChanges(
  before: Roster,
  after: Roster,
  nameOf: (peer: string) => string,
  announcedLeaving: ReadonlySet<string> = new Set(),
): string[] {
  const out: string[] = [];
  if (after.name !== before.name) out.push(`the group is now called "${after.name}"`);
  for (const [peer, state] of after.members) {
    const was = before.members.get(peer);
    if (was === undefined)
      out.push(state === "member" ? `${nameOf(peer)} joined` : `${nameOf(peer)} was added (not yet heard from)`);
    else if (was !== "member" && state === "member") out.push(`${nameOf(peer)} joined`);
  }
  for (const peer of before.members.keys())
    if (!after.members.has(peer) && !announcedLeaving.has(peer)) out.push(`${nameOf(peer)} was removed from the group`);
  return out;
}
