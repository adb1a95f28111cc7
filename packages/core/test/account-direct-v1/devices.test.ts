/**
 * AccountDirectV1 with 2 accounts x 3 devices over a faulty network (drops, duplicates, seeded reorder, history
 * for recovery): every message exactly once on every current device of the recipient and on the sender's
 * other devices; a device added to an account joins; a revoked device is removed in one commit and reads
 * nothing sent after it (post-compromise security, per device).
 */
import { Transaction } from "@parley/core/internals";
import { describe, expect, it } from "vitest";
import { Net, sendText, view } from "../group-v1/harness.js";
import { account, type DeviceMember, startDirect, tickDevices } from "./harness.js";

async function converge(net: Net, devices: DeviceMember[], cid: string) {
  for (let i = 0; i < 12; i++) {
    await tickDevices(net, 6_000, 1);
    const views = await Promise.all(devices.map((d) => view(d, cid)));
    const want = devices.map((d) => d.identity).sort();
    if (views.every((v) => v.status === "active" && v.epochId === views[0]!.epochId && equal(v.members, want))) return;
  }
  const views = await Promise.all(devices.map(async (d) => ({ n: d.name, ...(await view(d, cid)) })));
  throw new Error(
    `devices did not converge ${JSON.stringify(views.map((v) => [v.n, v.status, String(v.epoch), v.epochId.slice(0, 6), v.members.length]))} ${JSON.stringify(net.rejected)}`,
  );
}

const equal = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

describe("AccountDirectV1: every device of both accounts", () => {
  for (const seed of [1, 2, 3]) {
    it(`2 accounts x 3 devices: each message exactly once on every other device (seed ${seed})`, async () => {
      const net = new Net(seed);
      const alice = await account(net, "a", 3);
      const bob = await account(net, "b", 3);
      const cid = await startDirect(alice.devices[0]!, bob.devices[0]!);
      const all = [...alice.devices, ...bob.devices];
      await net.settle();
      await converge(net, all, cid);
      expect(cid).toMatch(/^ad[0-9a-f]{32}$/);
      net.drop = 0.2;
      net.duplicate = 0.2;
      for (const d of all) await sendText(d, cid, `from ${d.name}`);
      await net.settle();
      net.drop = 0;
      net.duplicate = 0;
      await tickDevices(net, 6_000, 4);
      for (const d of all)
        expect(d.text(cid).sort()).toEqual(
          all
            .filter((o) => o !== d)
            .map((o) => `from ${o.name}`)
            .sort(),
        );
      expect(net.rejected).toEqual([]);
    });
  }

  it("a device added to an account joins; a revoked one is removed in one commit and reads nothing after", async () => {
    const net = new Net(7);
    const alice = await account(net, "a", 3);
    const bob = await account(net, "b", 3);
    const cid = await startDirect(alice.devices[0]!, bob.devices[0]!);
    await net.settle();
    await converge(net, [...alice.devices, ...bob.devices], cid);

    // Linking: alice's primary signs a list with a fourth device and passes it to one sibling.
    const a4 = await alice.device("a4");
    alice.sign(alice.devices);
    for (const d of [alice.devices[0]!, a4]) await d.offer(alice.list);
    await converge(net, [...alice.devices, ...bob.devices], cid);
    await sendText(bob.devices[1]!, cid, "welcome a4");
    await net.settle();
    expect(a4.text(cid)).toEqual(["welcome a4"]);

    // Revoking: the list without a3; the next commit removes it, and it reads nothing sent afterwards.
    const a3 = alice.devices[2]!;
    const before = (await view(bob.devices[0]!, cid)).epoch;
    alice.sign(alice.devices.filter((d) => d !== a3));
    await alice.devices[0]!.offer(alice.list);
    const current = [...alice.devices.filter((d) => d !== a3), ...bob.devices];
    await converge(net, current, cid);
    // One commit removes it; the next carries the newer list (reconcile.ts: not both in one, a ts-mls defect).
    expect((await view(bob.devices[0]!, cid)).epoch).toBe(before + 2n);
    expect((await view(a3, cid)).status).toBe("removed");
    // Bob's devices learned the newer list from the commit that carried it.
    const held = await bob.devices[2]!.ad.deviceList(new Transaction(bob.devices[2]!.store), alice.hex);
    expect(held?.list.version).toBe(alice.list.list.version);
    await sendText(bob.devices[2]!, cid, "after revocation");
    await net.settle();
    await tickDevices(net, 6_000, 2);
    expect(a3.text(cid)).not.toContain("after revocation");
    for (const d of current.filter((d) => d !== bob.devices[2])) expect(d.text(cid)).toContain("after revocation");
  });
});
