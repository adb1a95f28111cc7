/**
 * Groups of accounts through the Client (`client.account.groups`, docs/ACCOUNTS.md §3): four accounts (1, 2,
 * 3 and 1 devices) in one group over the memory network's faults (drops, duplicates, reordering, delays) and a
 * partition healed later, each message exactly once on every other device, the sender's sibling included; a
 * device linked on the primary joins, one revoked is removed and reads nothing after; removing a person removes
 * all their devices; members listed by account; typed errors that write nothing.
 */
import { describe, expect, it } from "vitest";
import type { MemoryStore } from "../../src/framework/memory-store.js";
import { AccountError } from "../../src/identity/account/errors.js";
import { exchange, groupMessages, type Peer, setup } from "./group-world.js";

type World = ReturnType<typeof setup>;

const hexBytes = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((b) => Number.parseInt(b, 16)));

async function link(w: World, primary: Peer, device: Peer): Promise<void> {
  await w.connect(primary, device);
  const list = await primary.client.account.addDevice(hexBytes(device.client.installationKey), device.name);
  await device.client.account.adoptList(list);
}

async function status(p: Peer, cid: string): Promise<string | undefined> {
  return (await p.client.conversations()).find((c) => c.id === cid && c.type === "AccountGroupV1")?.status;
}

/** Every device of `ps` has exactly `ps` as its head roster (a message reaches the members of its epoch). */
async function rosterIs(ps: readonly Peer[], cid: string): Promise<boolean> {
  const want = ps.map((p) => p.client.installationKey).sort();
  for (const p of ps) {
    const has = (await p.client.account.groups.members(cid)).flatMap((m) => m.devices.map((d) => d.peer)).sort();
    if (has.join() !== want.join()) return false;
  }
  return true;
}

const texts = (p: Peer, cid: string) => groupMessages(p, cid).map((m) => (m.content as { text: string }).text);

describe("Client: groups of accounts", () => {
  it("4 accounts (1, 2, 3, 1 devices): exactly once under faults and a partition; link, revoke, remove a person", async () => {
    const w = setup("account-groups-1");
    const peers = async (...names: string[]) => Promise.all(names.map((n) => w.peer(n)));
    const [a1, b1, b2, c1, c2, c3, d1] = await peers("a1", "b1", "b2", "c1", "c2", "c3", "d1");
    for (const p of [a1!, b1!, c1!, d1!]) await p.client.account.create();
    await link(w, b1!, b2!);
    await link(w, c1!, c2!);
    await link(w, c1!, c3!);
    // Started by b's linked device: control goes over its pairwise conversations with each addressed device.
    for (const p of [a1!, c1!, d1!]) await w.connect(b2!, p);
    const addresses = [await a1!.client.account.address(), await c1!.client.account.address()];
    addresses.push(await d1!.client.account.address());
    const cid = await b2!.client.account.groups.create({ name: "friends", addresses });
    expect(cid).toMatch(/^a6[0-9a-f]{32}$/);
    let all = [a1!, b1!, b2!, c1!, c2!, c3!, d1!];
    await w.until("every device joins", async () =>
      (await Promise.all(all.map((p) => status(p, cid)))).every((s) => s === "active"),
    );
    await w.until("every device holds every other", () => rosterIs(all, cid));
    const accountOf = async (p: Peer) => (await p.client.account.info())!.accountKey;
    const members = await c3!.client.account.groups.members(cid);
    const want = await Promise.all(
      [
        [a1!, 1],
        [b1!, 2],
        [c1!, 3],
        [d1!, 1],
      ].map(async ([p, n]) => [await accountOf(p as Peer), n]),
    );
    expect(members.map((m) => [m.account, m.devices.length])).toEqual(want.sort(([x], [y]) => (x! < y! ? -1 : 1)));
    expect(members.filter((m) => m.self).map((m) => m.account)).toEqual([await accountOf(c1!)]);
    await exchange(w, all, cid, "one");

    // A partition cuts c2 and d1 off while the others talk; healed, everything arrives once.
    const cut = w.bus.partition(["c2", "d1"], ["a1", "b1", "b2", "c1", "c3"]);
    for (const d of [a1!, b1!, c3!]) await d.client.send(cid, `cut ${d.name}`);
    await w.run(5_000);
    cut.heal();
    await exchange(w, all, cid, "healed");
    for (const d of all)
      for (const s of [a1!, b1!, c3!])
        if (d !== s) expect(texts(d, cid).filter((t) => t === `cut ${s.name}`)).toHaveLength(1);

    // A fourth device of c's, linked on the primary, joins; c2, revoked, is removed and reads nothing after.
    const [c4] = await peers("c4");
    await link(w, c1!, c4!);
    await w.until("c4 joins", async () => (await status(c4!, cid)) === "active");
    await w.until("every device holds c4", () => rosterIs([...all, c4!], cid));
    await c1!.client.account.removeDevice(hexBytes(c2!.client.installationKey));
    await w.until("c2 is removed", async () => (await status(c2!, cid)) === "removed");
    all = [a1!, b1!, b2!, c1!, c3!, c4!, d1!];
    // What is sent once the removal is everyone's head reaches no removed device (PCS).
    await w.until("every device holds c2's removal", () => rosterIs(all, cid));
    await exchange(w, all, cid, "after revoke");
    expect(texts(c2!, cid).some((t) => t.startsWith("after revoke"))).toBe(false);

    // a removes the person c: all three of c's devices are out and read nothing after.
    await a1!.client.account.groups.removePeople(cid, [await accountOf(c1!)]);
    for (const p of [c1!, c3!, c4!])
      await w.until(`${p.name} is removed`, async () => (await status(p, cid)) === "removed");
    await w.until("every device holds c's removal", () => rosterIs([a1!, b1!, b2!, d1!], cid));
    await exchange(w, [a1!, b1!, b2!, d1!], cid, "without c");
    for (const p of [c1!, c3!, c4!]) expect(texts(p, cid).some((t) => t.startsWith("without c"))).toBe(false);
    const left = await d1!.client.account.groups.members(cid);
    expect(left.map((m) => m.devices.length).sort()).toEqual([1, 1, 2]);
  });

  it("typed errors: no account, own account, a forged address, a person not in the group; a restart", async () => {
    const w = setup("account-groups-2");
    const [a, b, c, none] = [await w.peer("a"), await w.peer("b"), await w.peer("c"), await w.peer("none")];
    for (const p of [a, b, c]) await p.client.account.create();
    await w.connect(a, b);
    const addressB = await b.client.account.address();
    await expect(none.client.account.groups.create({ name: "g", addresses: [addressB] })).rejects.toMatchObject({
      code: "no-account",
    });
    const own = await a.client.account.address();
    const revision = (a.store as MemoryStore).revision;
    await expect(a.client.account.groups.create({ name: "g", addresses: [own] })).rejects.toMatchObject({
      code: "own-account",
    });
    const forged = `${addressB.slice(0, 40)}${addressB[40] === "A" ? "B" : "A"}${addressB.slice(41)}`;
    await expect(a.client.account.groups.create({ name: "g", addresses: [forged] })).rejects.toBeInstanceOf(
      AccountError,
    );
    expect((a.store as MemoryStore).revision).toBe(revision);
    expect((await a.client.conversations()).filter((x) => x.type === "AccountGroupV1")).toEqual([]);

    const cid = await a.client.account.groups.create({ name: "g", addresses: [addressB] });
    await w.until("b joins", async () => (await status(b, cid)) === "active");
    const accountC = (await c.client.account.info())!.accountKey;
    await w.run(5_000);
    const joined = (a.store as MemoryStore).revision;
    await expect(a.client.account.groups.removePeople(cid, [accountC])).rejects.toMatchObject({
      code: "account-not-in-group",
    });
    await expect(a.client.account.groups.addPeople(cid, [addressB])).rejects.toMatchObject({
      code: "account-in-group",
    });
    await expect(
      a.client.account.groups.removePeople(cid, [(await a.client.account.info())!.accountKey]),
    ).rejects.toMatchObject({ code: "own-account" });
    await expect(a.client.addGroupMembers(cid, [c.client.installationKey])).rejects.toMatchObject({
      code: "not-a-group",
    });
    expect((a.store as MemoryStore).revision).toBe(joined);

    // b restarts on its store: the group type is registered again at boot and the group goes on.
    await w.stop(b);
    await w.reopen(b);
    await exchange(w, [a, b], cid, "after restart");
    expect((await b.client.account.groups.members(cid)).map((m) => m.devices.length)).toEqual([1, 1]);
  });
});
