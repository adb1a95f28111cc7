/**
 * GroupV1 through the Client: groups made from existing PrivateV1 conversations (key packages and welcomes
 * travel there), on MemoryDelivery with drops, duplicates, reordering and delays on a VirtualClock. Every
 * check is on what the application sees: events, groupMembers, conversations, history.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "@parley/sqlite";
import { describe, expect, it } from "vitest";
import type { ClientOptions } from "../../src/client/index.js";
import type { Store } from "../../src/framework/store.js";
import {
  converged,
  expectExactly,
  groupMessages,
  groupOf,
  hasGroup,
  type Message,
  mesh,
  sameRoster,
  setup,
  startedEvents,
  text,
} from "./group-world.js";

describe("GroupV1 through the Client (MemoryDelivery with drops, duplicates, reordering)", () => {
  it("create from 1:1 conversations, exactly-once messages, add a fourth, remove one", async () => {
    const w = setup("groups-main");
    const [alice, bob, carol, dave] = [
      await w.peer("alice"),
      await w.peer("bob"),
      await w.peer("carol"),
      await w.peer("dave"),
    ];
    await w.connect(alice, bob);
    await w.connect(alice, carol);
    await w.connect(alice, dave);
    await w.connect(bob, carol);

    // A member without a pairwise conversation cannot be invited: the key package would have no way to travel.
    await expect(bob.client.createGroup({ name: "x", members: [dave.client.installationKey] })).rejects.toMatchObject({
      code: "no-pairwise-conversation",
    });

    const { conversationId: cid } = await alice.client.createGroup({
      name: "team",
      description: "the three of us",
      members: [bob.client.installationKey, carol.client.installationKey],
    });
    // Right away: the key packages are requested, the members are "invited".
    expect((await alice.client.groupMembers(cid)).filter((m) => m.state === "invited")).toHaveLength(2);
    await w.until(
      "three members everywhere",
      async () =>
        (await hasGroup(bob, cid)) &&
        (await hasGroup(carol, cid)) &&
        sameRoster([alice, bob, carol], cid, [alice, bob, carol]),
    );
    for (const p of [bob, carol])
      expect(startedEvents(p, cid)).toEqual([
        { type: "conversation-started", conversationId: cid, peer: alice.client.installationKey, initiatedBy: "peer" },
      ]);
    expect(startedEvents(alice, cid)).toEqual([
      { type: "conversation-started", conversationId: cid, peer: "", initiatedBy: "me" },
    ]);
    expect(await bob.client.conversations()).toContainEqual(
      expect.objectContaining({ id: cid, type: "GroupV1", name: "team", description: "the three of us" }),
    );
    // Pending until the member was heard from; everyone announces its join, so all end "member".
    await w.until("everyone confirmed", async () =>
      (await alice.client.groupMembers(cid)).every((m) => m.state === "member"),
    );

    await alice.client.send(cid, "a1");
    await bob.client.send(cid, "b1");
    await carol.client.send(cid, "c1");
    await w.until("round 1", () => [alice, bob, carol].every((p) => groupMessages(p, cid).length === 2));
    expectExactly(alice, cid, ["b1", "c1"]);
    expectExactly(bob, cid, ["a1", "c1"]);
    expectExactly(carol, cid, ["a1", "b1"]);
    // Sender attribution is the MLS-verified installation key.
    const fromBob = groupMessages(alice, cid).find((m) => text(m) === "b1")!;
    expect(fromBob.sender).toBe(bob.client.installationKey);

    // A fourth member, invited over its 1:1 conversation with alice.
    await alice.client.addGroupMembers(cid, [dave.client.installationKey]);
    await w.until(
      "dave joined",
      async () => (await hasGroup(dave, cid)) && sameRoster([alice, bob, carol, dave], cid, [alice, bob, carol, dave]),
    );
    expect(startedEvents(dave, cid)).toEqual([
      { type: "conversation-started", conversationId: cid, peer: alice.client.installationKey, initiatedBy: "peer" },
    ]);
    await dave.client.send(cid, "d1");
    await bob.client.send(cid, "b2");
    await w.until(
      "round 2",
      () =>
        groupMessages(dave, cid).length === 1 &&
        [alice, carol].every((p) => groupMessages(p, cid).length === 4) &&
        groupMessages(bob, cid).length === 3,
    );

    // Bob removes carol: she is told, and hears nothing sent afterwards.
    await bob.client.removeGroupMembers(cid, [carol.client.installationKey]);
    await w.until(
      "carol removed",
      async () =>
        carol.events.some((e) => e.type === "removed" && e.conversationId === cid) &&
        sameRoster([alice, bob, dave], cid, [alice, bob, dave]),
    );
    await alice.client.send(cid, "a3");
    await dave.client.send(cid, "d3");
    await w.until(
      "round 3",
      () =>
        groupMessages(bob, cid).length === 5 &&
        groupMessages(alice, cid).length === 5 &&
        groupMessages(dave, cid).length === 2,
    );
    await w.run(15_000);
    expectExactly(alice, cid, ["b1", "c1", "d1", "b2", "d3"]);
    expectExactly(bob, cid, ["a1", "c1", "d1", "a3", "d3"]);
    expectExactly(dave, cid, ["b2", "a3"]);
    expectExactly(carol, cid, ["a1", "b1", "d1", "b2"]);
    expect((await carol.client.conversations()).find((c) => c.id === cid)).toMatchObject({
      status: "removed",
      name: "team",
    });
    await expect(carol.client.send(cid, "still here?")).rejects.toMatchObject({ code: "not-a-member" });

    // History of the group: both directions, with verified senders on what came in.
    const page = await bob.client.history(cid);
    expect(page.items.map((i) => [i.direction, (i.content as { text: string }).text])).toEqual(
      expect.arrayContaining([
        ["out", "b1"],
        ["in", "a1"],
        ["in", "d3"],
      ]),
    );
    expect(page.items.find((i) => (i.content as { text: string }).text === "d3")?.sender).toBe(
      dave.client.installationKey,
    );
    expect(page.items.find((i) => (i.content as { text: string }).text === "b1")?.state).toBe("sent");
    // 1:1 messages name their sender too.
    const hi = bob.events.find((e): e is Message => e.type === "message" && text(e) === "hi bob")!;
    expect(hi.sender).toBe(alice.client.installationKey);
    expect(w.bus.stats().dropped).toBeGreaterThan(0);
    expect(w.bus.stats().duplicated).toBeGreaterThan(0);
    for (const p of [alice, bob, carol, dave]) expect(p.events.filter((e) => e.type === "error")).toEqual([]);
  }, 60_000);
});

describe("GroupV1 through the Client: convergence, restarts, catching up", () => {
  for (const seed of [1, 2, 3]) {
    it(`concurrent add and remove by different members converge to one roster (seed ${seed})`, async () => {
      const w = setup(`groups-concurrent-${seed}`);
      const [alice, bob, carol, dave] = await mesh(w);
      const cid = await groupOf(w, alice, [bob, carol]);
      // Same epoch, two commits: alice adds dave while bob removes carol.
      await Promise.all([
        alice.client.addGroupMembers(cid, [dave.client.installationKey]),
        bob.client.removeGroupMembers(cid, [carol.client.installationKey]),
      ]);
      await w.until(
        "converged without carol, with dave",
        async () => (await hasGroup(dave, cid)) && converged([alice, bob, dave], cid, [alice, bob, dave]),
      );
      await w.until("carol knows", () => carol.events.some((e) => e.type === "removed" && e.conversationId === cid));
      for (const p of [alice, bob, dave]) await p.client.send(cid, `after ${p.name}`);
      await w.until("delivered", () =>
        [alice, bob, dave].every((p) => groupMessages(p, cid).filter((m) => text(m).startsWith("after")).length === 2),
      );
      await w.run(15_000);
      for (const p of [alice, bob, dave])
        expectExactly(
          p,
          cid,
          [alice, bob, dave].filter((o) => o !== p).map((o) => `after ${o.name}`),
        );
      expect(groupMessages(carol, cid)).toEqual([]);
      expect(await converged([alice, bob, dave], cid, [alice, bob, dave])).toBe(true);
      for (const p of [alice, bob, carol, dave]) expect(p.events.filter((e) => e.type === "error")).toEqual([]);
    }, 60_000);
  }

  it("a member restarts from its store and continues; a member leaves", async () => {
    const w = setup("groups-restart");
    const [alice, bob, carol] = [await w.peer("alice"), await w.peer("bob"), await w.peer("carol")];
    await w.connect(alice, bob);
    await w.connect(alice, carol);
    await w.connect(bob, carol);
    const cid = await groupOf(w, alice, [bob, carol], "restart");
    await alice.client.send(cid, "before");
    await w.until("before", () => groupMessages(bob, cid).length === 1 && groupMessages(carol, cid).length === 1);

    // Bob goes away; alice and carol keep talking; bob comes back from his store alone.
    await w.stop(bob);
    await alice.client.send(cid, "while away 1");
    await carol.client.send(cid, "while away 2");
    await w.run(3_000);
    await w.reopen(bob);
    expect((await bob.client.conversations()).find((c) => c.id === cid)).toMatchObject({
      type: "GroupV1",
      name: "restart",
    });
    await w.until("bob caught up", () => groupMessages(bob, cid).length === 3);
    await bob.client.send(cid, "back");
    await w.until("back", () => groupMessages(alice, cid).length === 2 && groupMessages(carol, cid).length === 3);
    await w.run(15_000);
    expectExactly(bob, cid, ["before", "while away 1", "while away 2"]);
    expectExactly(alice, cid, ["while away 2", "back"].concat([]));
    expectExactly(carol, cid, ["before", "while away 1", "back"]);

    // Carol leaves: she is told at once, the others remove her (leave request, then a commit).
    await carol.client.leaveGroup(cid);
    expect(carol.events.filter((e) => e.type === "left")).toEqual([{ type: "left", conversationId: cid }]);
    await w.until("carol gone", () => converged([alice, bob], cid, [alice, bob]));
    await alice.client.send(cid, "without carol");
    await w.until("bob has it", () => groupMessages(bob, cid).length === 4);
    await w.run(10_000);
    expect(groupMessages(carol, cid).map(text)).not.toContain("without carol");
    expect((await carol.client.conversations()).find((c) => c.id === cid)).toMatchObject({
      status: "left",
      name: "restart",
    });
    for (const p of [alice, bob, carol]) expect(p.events.filter((e) => e.type === "error")).toEqual([]);
  }, 60_000);

  it("a member offline across several epochs catches up from history (catchUp) exactly once", async () => {
    const w = setup("groups-offline");
    const [alice, bob, carol, dave] = await mesh(w);
    const cid = await groupOf(w, alice, [bob, carol], "before");
    const since = w.clock.now();
    await w.stop(carol);
    await alice.client.send(cid, "e1");
    await alice.client.setGroupMetadata(cid, { name: "after", description: "renamed" });
    await w.until("renamed", async () => (await bob.client.groupInfo(cid)).name === "after");
    await bob.client.send(cid, "e2");
    await bob.client.addGroupMembers(cid, [dave.client.installationKey]);
    await w.until(
      "dave in",
      async () => (await hasGroup(dave, cid)) && converged([alice, bob, dave], cid, [alice, bob, carol, dave]),
    );
    await dave.client.send(cid, "e3");
    await w.until("e3", () => groupMessages(alice, cid).length === 2 && groupMessages(bob, cid).length === 2);
    const epochBefore = (await alice.client.groupInfo(cid)).epoch;
    expect(epochBefore).toBeGreaterThanOrEqual(3n);

    // Carol returns (no virtual time passes): the history service has everything she missed.
    await w.reopen(carol);
    await carol.client.catchUp(since);
    await carol.client.idle();
    expect(await converged([alice, bob, carol, dave], cid, [alice, bob, carol, dave])).toBe(true);
    expect(await carol.client.groupInfo(cid)).toMatchObject({
      name: "after",
      description: "renamed",
      epoch: epochBefore,
    });
    expectExactly(carol, cid, ["e1", "e2", "e3"]);
    // And she is a full member again: what she sends reaches everyone.
    await carol.client.send(cid, "e4");
    await w.until("e4", () => [alice, bob, dave].every((p) => groupMessages(p, cid).some((m) => text(m) === "e4")));
    await w.run(15_000);
    expectExactly(carol, cid, ["e1", "e2", "e3"]);
    expectExactly(dave, cid, ["e4"]);
    expect((await carol.client.conversations()).find((c) => c.id === cid)).toMatchObject({ name: "after" });
  }, 60_000);

  it("restart from SQLite files: every group resumes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-groups-"));
    try {
      const w = setup("groups-sqlite", {});
      const open = (name: string) => SqliteStore.open({ path: join(dir, `${name}.db`) });
      const alice = await w.peer("alice", await open("alice"));
      const bob = await w.peer("bob", await open("bob"));
      await w.connect(alice, bob);
      const g1 = await groupOf(w, alice, [bob], "one");
      const g2 = await groupOf(w, bob, [alice], "two");
      await alice.client.send(g1, "g1 before");
      await bob.client.send(g2, "g2 before");
      await w.until("before", () => groupMessages(bob, g1).length === 1 && groupMessages(alice, g2).length === 1);
      for (const p of [alice, bob]) {
        await w.stop(p);
        await p.store.close();
      }
      // Fresh store handles on the same files, fresh clients.
      for (const p of [alice, bob]) {
        const store = await open(p.name);
        (p as { store: Store }).store = store;
        (p as { options: ClientOptions }).options = { ...p.options, store };
        await w.reopen(p);
      }
      expect(
        (await alice.client.conversations())
          .filter((c) => c.type === "GroupV1")
          .map((c) => c.name)
          .sort(),
      ).toEqual(["one", "two"]);
      await alice.client.send(g2, "g2 after");
      await bob.client.send(g1, "g1 after");
      await w.until("after", () => groupMessages(bob, g2).length === 1 && groupMessages(alice, g1).length === 1);
      expectExactly(bob, g1, ["g1 before"]);
      expectExactly(alice, g1, ["g1 after"]);
      expectExactly(bob, g2, ["g2 after"]);
      expect(await converged([alice, bob], g1, [alice, bob])).toBe(true);
      for (const p of [alice, bob]) {
        await w.stop(p);
        await p.store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
