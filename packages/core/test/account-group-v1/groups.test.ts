/**
 * AccountGroupV1 with 4 accounts of 1, 2, 3 and 1 devices over a faulty network (drops, duplicates, seeded
 * reorder, a partition healed later, history for recovery): every message exactly once on every current device
 * of every member account, the sender's siblings included; a device linked on the primary joins every group of
 * its account; a revoked device is removed from every group and reads nothing sent after; re-link after revoke;
 * removing a person removes all their devices in one commit.
 */
import { describe, expect, it } from "vitest";
import { tickDevices } from "../account-direct-v1/harness.js";
import { Net, sendText, view } from "../group-v1/harness.js";
import { converge, type GroupAccount, type GroupDevice, groupAccount, startGroup } from "./harness.js";

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
});
