import { describe, expect, it } from "vitest";
import { createGroup, keyPackage, type Member, Net, sendText, view } from "./harness.js";

async function converged(members: Member[], cid: string) {
  const views = await Promise.all(members.map((m) => view(m, cid)));
  for (const v of views) expect(v).toEqual(views[0]);
  return views[0]!;
}

/** Each member sends one message; every other member must get each exactly once. */
async function allToAll(net: Net, members: Member[], cid: string, tag: string) {
  for (const m of members) await sendText(m, cid, `${tag}:${m.name}`);
  await net.settle();
  for (const m of members) {
    const got = m.text(cid).filter((t) => t.startsWith(`${tag}:`));
    expect(got.sort()).toEqual(
      members
        .filter((o) => o !== m)
        .map((o) => `${tag}:${o.name}`)
        .sort(),
    );
  }
}

describe("GroupV1 lifecycle", () => {
  it("a group of 10: one creation commit, all-to-all messages exactly once", async () => {
    const net = new Net(41);
    const ms: Member[] = [];
    for (let i = 0; i < 10; i++) ms.push(await net.addMember(`m${i}`));
    const cid = await createGroup(ms[0]!, ms.slice(1));
    await net.settle();
    const v = await converged(ms, cid);
    expect(v.epoch).toBe(1n);
    expect(v.members).toHaveLength(10);
    await allToAll(net, ms, cid, "hello");
  });

  it("a group of 50 with a concurrent add and remove, then all-to-all delivery", async () => {
    const net = new Net(42);
    const ms: Member[] = [];
    for (let i = 0; i < 50; i++) ms.push(await net.addMember(`m${i}`));
    const cid = await createGroup(ms[0]!, ms.slice(1));
    await net.settle();
    const joiner = await net.addMember("late");
    await ms[7]!.run(async (tx) => ms[7]!.engine.addMembers(tx, cid, [await keyPackage(joiner)]));
    await ms[30]!.run((tx) => ms[30]!.engine.removeMembers(tx, cid, [ms[49]!.identity]));
    await net.settle();
    const current = [...ms.slice(0, 49), joiner];
    const v = await converged(current, cid);
    expect(v.members).toHaveLength(50);
    expect(v.members).not.toContain(ms[49]!.identity);
    expect((await view(ms[49]!, cid)).status).toBe("removed");
    const senders = [ms[0]!, ms[25]!, joiner];
    for (const s of senders) await sendText(s, cid, `big:${s.name}`);
    await net.settle();
    for (const m of current)
      expect(
        m
          .text(cid)
          .filter((t) => t.startsWith("big:"))
          .sort(),
      ).toEqual(
        senders
          .filter((s) => s !== m)
          .map((s) => `big:${s.name}`)
          .sort(),
      );
    expect(ms[49]!.text(cid).filter((t) => t.startsWith("big:"))).toEqual([]);
  }, 180_000);

  it("removed and departed members never receive later messages; leave is committed by another member", async () => {
    const net = new Net(43, { leaveFailoverMs: 5_000 });
    const [a, b, c, d] = await Promise.all(["a", "b", "c", "d"].map((n) => net.addMember(n)));
    const cid = await createGroup(a!, [b!, c!, d!]);
    await net.settle();
    await a!.run((tx) => a!.engine.removeMembers(tx, cid, [b!.identity]));
    await net.settle();
    await d!.run((tx) => d!.engine.leave(tx, cid));
    await net.settle();
    await net.tickAll(6_000, 1);
    const v = await converged([a!, c!], cid);
    expect(v.members.sort()).toEqual([a!.identity, c!.identity].sort());
    expect((await view(b!, cid)).status).toBe("removed");
    expect((await view(d!, cid)).status).toBe("left");
    await sendText(a!, cid, "secret");
    await sendText(c!, cid, "secret too");
    await net.settle();
    expect(c!.text(cid)).toContain("secret");
    expect(a!.text(cid)).toContain("secret too");
    expect(b!.text(cid)).not.toContain("secret");
    expect(d!.text(cid)).not.toContain("secret");
    // A removed member cannot act on the group any more.
    await expect(b!.run((tx) => b!.engine.removeMembers(tx, cid, [a!.identity]))).rejects.toThrow();
  });

  it("every member restarts from its store mid-conversation and the group continues", async () => {
    const net = new Net(44);
    const ms = await Promise.all(["a", "b", "c", "d"].map((n) => net.addMember(n)));
    const cid = await createGroup(ms[0]!, ms.slice(1, 3));
    await net.settle();
    await allToAll(net, ms.slice(0, 3), cid, "before");
    // Restart: fresh engines (empty caches) over the same stores.
    for (const m of ms) await m.start();
    await ms[1]!.run(async (tx) => ms[1]!.engine.addMembers(tx, cid, [await keyPackage(ms[3]!)]));
    await net.settle();
    for (const m of ms) await m.start();
    await converged(ms, cid);
    await allToAll(net, ms, cid, "after");
    expect(ms[0]!.text(cid).filter((t) => t.startsWith("before"))).toHaveLength(2);
  });

  it("a member offline across several epochs catches up from history and gets what it missed once", async () => {
    const net = new Net(45);
    const ms = await Promise.all(["a", "b", "c", "d", "e"].map((n) => net.addMember(n)));
    const [a, b, c] = ms;
    const cid = await createGroup(a!, ms.slice(1, 4));
    await net.settle();
    c!.online = false;
    await a!.run(async (tx) => a!.engine.addMembers(tx, cid, [await keyPackage(ms[4]!)]));
    await net.settle();
    await sendText(a!, cid, "while away 1");
    await b!.run((tx) => b!.engine.removeMembers(tx, cid, [ms[3]!.identity]));
    await net.settle();
    await b!.run((tx) => b!.engine.setMetadata(tx, cid, { name: "new name", description: "" }));
    await net.settle();
    await sendText(ms[4]!, cid, "while away 2");
    await net.settle();
    expect((await view(c!, cid)).epoch).toBe(1n);
    c!.online = true;
    await c!.run((tx) => c!.engine.recover(tx, cid));
    await net.settle();
    const v = await converged([a!, b!, c!, ms[4]!], cid);
    expect(v.epoch).toBe(4n);
    expect(v.name).toBe("new name");
    expect(c!.text(cid).sort()).toEqual(["while away 1", "while away 2"]);
    await allToAll(net, [a!, b!, c!, ms[4]!], cid, "back");
  });

  it("without history, a member that missed commits is re-welcomed (remove + add) and continues", async () => {
    const net = new Net(46, { rewelcomeAfterMs: 30_000, recoveryIntervalMs: 1_000 });
    net.historyEnabled = false;
    const ms = await Promise.all(["a", "b", "c", "d"].map((n) => net.addMember(n)));
    const [a, b, c] = ms;
    const cid = await createGroup(a!, [b!, c!]);
    await net.settle();
    c!.online = false;
    await a!.run(async (tx) => a!.engine.addMembers(tx, cid, [await keyPackage(ms[3]!)]));
    await net.settle();
    await b!.run((tx) => b!.engine.setMetadata(tx, cid, { name: "x", description: "" }));
    await net.settle();
    c!.online = true;
    await sendText(a!, cid, "can c read this?");
    await net.settle();
    expect(c!.text(cid)).toEqual([]);
    await net.tickAll(31_000, 2);
    const v = await converged([a!, b!, c!, ms[3]!], cid);
    expect(v.members).toHaveLength(4);
    await allToAll(net, [a!, b!, c!, ms[3]!], cid, "rejoined");
  });

  it("without history, a member with no pairwise conversation with the lowest-index member is re-welcomed by the next", async () => {
    const net = new Net(48, { rewelcomeAfterMs: 30_000, recoveryIntervalMs: 1_000 });
    net.historyEnabled = false;
    const ms = await Promise.all(["a", "b", "c", "d"].map((n) => net.addMember(n)));
    const [a, b, c, d] = ms as [Member, Member, Member, Member];
    const cid = await createGroup(a, [b, c]);
    await net.settle();
    // Like a device of another account, which has a pairwise conversation with its siblings only.
    net.unpaired.add(`${a.identity}|${c.identity}`);
    c.online = false;
    await a.run(async (tx) => a.engine.addMembers(tx, cid, [await keyPackage(d)]));
    await net.settle();
    c.online = true;
    await sendText(a, cid, "can c read this?");
    await net.settle();
    expect(c.text(cid)).toEqual([]);
    await net.tickAll(31_000, 4);
    // The first request goes to a (lowest index) and is lost; the next one asks b, which re-welcomes c.
    const asked = c.events.flatMap((e) => (e.kind === "control" ? [e.to] : []));
    expect(asked.slice(0, 2)).toEqual([a.identity, b.identity]);
    const v = await converged([a, b, c, d], cid);
    expect(v.members).toHaveLength(4);
    await allToAll(net, [a, b, c, d], cid, "rejoined");
  });
});

describe("GroupV1 large changes", () => {
  it("splits adds that would not fit one message into several commits, all members joining", async () => {
    const net = new Net(47, { maxCommitBytes: 3_000 });
    const ms: Member[] = [];
    for (let i = 0; i < 12; i++) ms.push(await net.addMember(`m${i}`));
    const cid = await createGroup(ms[0]!, ms.slice(1));
    await net.settle();
    const v = await converged(ms, cid);
    expect(v.members).toHaveLength(12);
    expect(v.epoch > 1n).toBe(true);
    const sizes = ms[0]!.events
      .filter((e) => e.kind === "publish")
      .map((e) => (e as { payload: Uint8Array }).payload.length);
    expect(Math.max(...sizes)).toBeLessThan(3_000 + 1_024);
    await allToAll(net, ms, cid, "split");
  });
});
