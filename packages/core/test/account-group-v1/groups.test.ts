/**
 * AccountGroupV1 with 4 accounts of 1, 2, 3 and 1 devices over a faulty network (drops, duplicates, seeded
 * reorder, a partition healed later, history for recovery): every message exactly once on every current device
 * of every member account, the sender's siblings included; a device linked on the primary joins every group of
 * its account; a revoked device is removed from every group and reads nothing sent after; re-link after revoke;
 * removing a person removes all their devices in one commit.
 */
import { Transaction } from "@parley/core/internals";
import { describe, expect, it } from "vitest";
import { tickDevices } from "../account-direct-v1/harness.js";
import { Net, sendText, view } from "../group-v1/harness.js";
import { converge, type GroupDevice, groupAccount, startGroup } from "./harness.js";

async function fourAccounts(seed: number) {
  const net = new Net(seed);
  const a = await groupAccount(net, "a", 1);
  const b = await groupAccount(net, "b", 2);
  const c = await groupAccount(net, "c", 3);
  const d = await groupAccount(net, "d", 1);
  const accounts = [a, b, c, d];
  const cid = await startGroup(b.all[1]!, [a, c, d]);
  await net.settle();
  const all = () => accounts.flatMap((x) => x.all);
  await converge(net, all(), cid);
  return { net, a, b, c, d, accounts, cid, all };
}

/** Each device's texts are exactly those sent by every other device, once each. */
function expectExactlyOnce(devices: readonly GroupDevice[], cid: string, sent: Map<GroupDevice, string[]>) {
  for (const d of devices) {
    const want = [...sent.entries()].filter(([from]) => from !== d).flatMap(([, texts]) => texts);
    expect(d.text(cid).sort(), d.name).toEqual(want.sort());
  }
}

describe("AccountGroupV1: every device of every member account", () => {
  for (const seed of [1, 2, 3]) {
    it(`4 accounts (1, 2, 3, 1 devices): each message exactly once on every other device (seed ${seed})`, async () => {
      const { net, b, c, cid, all } = await fourAccounts(seed);
      const devices = all();
      expect(cid).toMatch(/^a6[0-9a-f]{32}$/);
      expect(devices).toHaveLength(7);
      const sent = new Map<GroupDevice, string[]>();
      const send = async (d: GroupDevice, text: string) => {
        await sendText(d, cid, text);
        sent.set(d, [...(sent.get(d) ?? []), text]);
      };
      net.drop = 0.2;
      net.duplicate = 0.2;
      for (const d of devices) await send(d, `from ${d.name}`);
      await net.settle();
      // A partition: c's devices and b2 are cut off while the others talk, then heal.
      const cut = [...c.all, b.all[1]!];
      for (const d of cut) d.online = false;
      for (const d of devices.filter((x) => !cut.includes(x))) await send(d, `during ${d.name}`);
      await net.settle();
      await tickDevices(net, 6_000, 1);
      for (const d of cut) d.online = true;
      for (const d of cut) await send(d, `after ${d.name}`);
      await net.settle();
      net.drop = 0;
      net.duplicate = 0;
      await tickDevices(net, 6_000, 5);
      expectExactlyOnce(devices, cid, sent);
      expect(net.rejected).toEqual([]);
    });
  }

  it("a device linked on the primary joins every group of its account; revoke and re-link cycles: revoked, it leaves all and reads nothing after; re-linked, it joins again", async () => {
    const { net, a, b, c, d, cid, all } = await fourAccounts(4);
    // A second group: b and d only.
    const cid2 = await startGroup(d.all[0]!, [b]);
    await net.settle();
    await converge(net, [...b.all, ...d.all], cid2);

    // Linking: b's primary signs a list with a third device and passes it to it.
    const epochs = [(await view(a.all[0]!, cid)).epoch, (await view(d.all[0]!, cid2)).epoch];
    const b3 = (await b.device("b3")) as GroupDevice;
    b.sign(b.all);
    for (const x of [b.all[0]!, b3]) await x.offer(b.list);
    await converge(net, all(), cid);
    await converge(net, [...b.all, ...d.all], cid2);
    // One commit per group: the add carries the newer list (sync invites before the timers reconcile).
    expect([(await view(a.all[0]!, cid)).epoch, (await view(d.all[0]!, cid2)).epoch]).toEqual(
      epochs.map((e) => e + 1n),
    );
    await sendText(c.all[2]!, cid, "hello b3");
    await sendText(d.all[0]!, cid2, "hello again b3");
    await net.settle();
    expect(b3.text(cid)).toEqual(["hello b3"]);
    expect(b3.text(cid2)).toEqual(["hello again b3"]);

    // Two cycles of revoking b2 on the primary (every group removes it; it reads nothing sent after) and
    // re-linking it (a newer list naming it again: it joins both groups again and reads what follows).
    const b2 = b.all[1]!;
    for (const cycle of [1, 2]) {
      b.sign(b.all.filter((x) => x !== b2));
      await b.all[0]!.offer(b.list);
      const current = all().filter((x) => x !== b2);
      await converge(net, current, cid);
      await converge(
        net,
        current.filter((x) => x.account === b || x.account === d),
        cid2,
      );
      expect((await view(b2, cid)).status).toBe("removed");
      expect((await view(b2, cid2)).status).toBe("removed");
      // While the newer list spreads, a commit or message from a device still on the older one (keeping b2, or
      // b2 itself) is refused by those holding the newer: the rule at work, and the only refusal.
      expect(new Set(net.rejected.map((r) => (r.kind === "rejected" ? r.reason : r.kind)))).toEqual(
        new Set(net.rejected.length > 0 ? ["roster-device-revoked"] : []),
      );
      net.rejected = [];
      await sendText(a.all[0]!, cid, `after revocation ${cycle}`);
      await sendText(d.all[0]!, cid2, `after revocation ${cycle} (2)`);
      await net.settle();
      await tickDevices(net, 6_000, 2);
      expect(b2.text(cid)).not.toContain(`after revocation ${cycle}`);
      expect(b2.text(cid2)).not.toContain(`after revocation ${cycle} (2)`);
      for (const x of current.filter((y) => y !== a.all[0]))
        expect(x.text(cid).filter((t) => t === `after revocation ${cycle}`)).toHaveLength(1);

      b.sign(b.all);
      for (const x of [b.all[0]!, b2]) await x.offer(b.list);
      await converge(net, all(), cid);
      await converge(net, [...b.all, ...d.all], cid2);
      await sendText(c.all[0]!, cid, `welcome back ${cycle}`);
      await sendText(b2, cid2, `back ${cycle}`);
      await net.settle();
      expect(b2.text(cid).filter((t) => t === `welcome back ${cycle}`)).toHaveLength(1);
      for (const x of [...b.all, ...d.all].filter((y) => y !== b2))
        expect(x.text(cid2).filter((t) => t === `back ${cycle}`)).toHaveLength(1);
      expect(net.rejected).toEqual([]);
    }
    expect(net.rejected).toEqual([]);
  });

  it("removing a person removes all their devices in one commit; they read nothing after", async () => {
    const { net, a, b, c, d, cid } = await fourAccounts(5);
    const before = (await view(a.all[0]!, cid)).epoch;
    // a (one device) removes c (three devices): allowed though a is not of c's account.
    const effects = await a.all[0]!.run((tx) => a.all[0]!.ag.removeAccounts(tx, cid, [c.hex]));
    const rest = [...a.all, ...b.all, ...d.all];
    // Two commits for three devices: one removes them all, the next carries the lists without c's (a commit
    // that removes may not also change the group context under ts-mls 1.6.4).
    expect(effects.filter((e) => e.kind === "publish")).toHaveLength(2);
    const afterRemoval = await view(a.all[0]!, cid);
    expect(afterRemoval.epoch).toBe(before + 2n);
    expect(afterRemoval.members).toEqual(rest.map((x) => x.identity).sort());
    await net.settle();
    await converge(net, rest, cid);
    for (const x of c.all) expect((await view(x, cid)).status).toBe("removed");
    // No device of c's adds its siblings back, and nothing sent after reaches c.
    await sendText(d.all[0]!, cid, "without c");
    await net.settle();
    await tickDevices(net, 6_000, 2);
    for (const x of c.all) expect(x.text(cid)).not.toContain("without c");
    const members = await b.all[1]!.ag.membersByAccount(new Transaction(b.all[1]!.store), cid);
    expect(members.map((m) => m.account).sort()).toEqual([a.hex, b.hex, d.hex].sort());
    expect(members.find((m) => m.account === b.hex)?.devices).toEqual(b.all.map((x) => x.identity).sort());
    expect(net.rejected).toEqual([]);
  });
});
