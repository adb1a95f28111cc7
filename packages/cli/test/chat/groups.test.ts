import { describe, expect, it } from "vitest";
import { rosterChanges, rosterOf } from "../../src/chat/groups.js";

const [me, bob, carol, dave] = ["aa", "bb", "cc", "dd"].map((x) => x.repeat(32)) as [string, string, string, string];
const names: Record<string, string> = { [bob]: "bob", [carol]: "~Carol", [dave]: "dddddddd" };
const nameOf = (p: string) => names[p] ?? "?";

describe("group notices", () => {
  it("say who joined, who was added, who left and who was removed, and the new name", () => {
    const before = rosterOf("friends", [
      { peer: me, state: "member", self: true },
      { peer: bob, state: "member", self: false },
      { peer: carol, state: "pending", self: false },
    ]);
    expect(before.members.has(me)).toBe(false);
    const after = rosterOf("best friends", [
      { peer: me, state: "member", self: true },
      { peer: carol, state: "member", self: false },
      { peer: dave, state: "pending", self: false },
    ]);
    expect(rosterChanges(before, after, nameOf)).toEqual([
      'the group is now called "best friends"',
      "~Carol joined",
      "dddddddd was added (not yet heard from)",
      "bob was removed from the group",
    ]);
    // Bob said he was leaving: his going is not called a removal (the "left" notice came with his message).
    expect(rosterChanges(before, after, nameOf, new Set([bob]))).not.toContain("bob was removed from the group");
    expect(rosterChanges(before, before, nameOf)).toEqual([]);
  });
});
