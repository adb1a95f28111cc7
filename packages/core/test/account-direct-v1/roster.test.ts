/**
 * The device roster rule: the pure rule (each refusal code), then through the network, commits built by a
 * device whose own guard lets anything through, refused by every other device with the rule's code and
 * changing nothing: an unlisted device, another account's device added, a forged list, and a list rolled back.
 */
import { Transaction } from "@parley/core/internals";
import type { ClientState, Extension } from "ts-mls";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/base/bytes.js";
import {
  AccountRosterGuard,
  loadBook,
  saveBook,
  takeCarriedLists,
} from "../../src/conversations/account-direct-v1/guard.js";
import type { GuardStore } from "../../src/conversations/group-v1/profile.js";
import { checkRosterChange, type DeviceRoster, rosterGaps } from "../../src/conversations/group-v1/roster-rule.js";
import { createAccountKey } from "../../src/identity/account/account-key.js";
import { type SignedDeviceList, signDeviceList } from "../../src/identity/account/device-list.js";
import { crypto, Net, view } from "../group-v1/harness.js";
import { account, type DeviceMember, startDirect, tickDevices } from "./harness.js";

describe("roster rule (pure)", () => {
  const keyA = createAccountKey(crypto);
  const keyB = createAccountKey(crypto);
  const dev = () => crypto.x25519GenerateKeyPair().publicKey;
  const [a1, a2, a3, b1, b2] = [dev(), dev(), dev(), dev(), dev()];
  const list = (k: typeof keyA, v: bigint, ds: Uint8Array[]) =>
    signDeviceList(
      crypto,
      k,
      v,
      ds.map((d, i) => ({ installationKey: d, name: `d${i}`, addedAt: 0 })),
    );
  const lists = new Map<string, SignedDeviceList>([
    [toHex(keyA.publicKey), list(keyA, 2n, [a1, a2])],
    [toHex(keyB.publicKey), list(keyB, 1n, [b1, b2])],
  ]);
  const roster: DeviceRoster = { listOf: (a) => lists.get(a) };
  const A = (d: Uint8Array) => ({ installation: toHex(d), account: toHex(keyA.publicKey) });
  const B = (d: Uint8Array) => ({ installation: toHex(d), account: toHex(keyB.publicKey) });

  it("allows listed devices, the peer account's first device, and removing a revoked device by anyone", () => {
    expect(checkRosterChange(roster, [A(a1)], [A(a1), A(a2), B(b1)], A(a1))).toBeUndefined();
    expect(checkRosterChange(roster, [A(a1), B(b1)], [A(a1), B(b1), B(b2)], B(b1))).toBeUndefined();
    expect(checkRosterChange(roster, [A(a1), A(a3), B(b1)], [A(a1), B(b1)], B(b1))).toBeUndefined();
  });

  it("refuses each breach with its code", () => {
    expect(checkRosterChange(roster, [A(a1)], [A(a1), A(a3)], A(a1))).toBe("roster-device-not-listed");
    expect(checkRosterChange(roster, [A(a1), A(a3)], [A(a1), A(a3), B(b1)], A(a1))).toBe("roster-device-revoked");
    expect(checkRosterChange(roster, [A(a1), B(b1)], [A(a1), B(b1), B(b2)], A(a1))).toBe("roster-foreign-change");
    expect(checkRosterChange(roster, [A(a1), A(a2), B(b1)], [A(a1), B(b1)], B(b1))).toBe("roster-foreign-change");
    const stranger = { installation: toHex(dev()), account: toHex(createAccountKey(crypto).publicKey) };
    expect(checkRosterChange(roster, [A(a1)], [A(a1), stranger], A(a1))).toBe("roster-unknown-account");
  });

  it("names the devices to add and to remove", () => {
    const gaps = rosterGaps(roster, [A(a1), A(a3), B(b1)], [toHex(keyA.publicKey), toHex(keyB.publicKey)]);
    expect(gaps.missing).toEqual([A(a2), B(b2)]);
    expect(gaps.revoked).toEqual([A(a3)]);
  });
});

/** A guard that lets its own device commit anything (to forge what the rule refuses); optionally a forged list. */
class LaxGuard extends AccountRosterGuard {
  forge = false;
  override async check(store: GuardStore, _parent: unknown, next: ClientState): Promise<undefined> {
    const taken = takeCarriedLists(crypto, await loadBook(crypto, store), next);
    if ("book" in taken) saveBook(store, taken.book);
    return undefined;
  }
  override async extensions(store: GuardStore, credentials: readonly Uint8Array[]): Promise<Extension[]> {
    const real = await super.extensions(store, credentials);
    if (!this.forge) return real;
    return [forgedLists(real[0]!)];
  }
}

/** The carried lists with one signature bit flipped. */
function forgedLists(ext: Extension): Extension {
  const data = ext.extensionData.slice();
  data[data.length - 1]! ^= 1;
  return { ...ext, extensionData: data };
}

async function world(seed: number) {
  const net = new Net(seed);
  const alice = await account(net, "a", 3);
  const bob = await account(net, "b", 2);
  const lax = new LaxGuard(crypto);
  // Bob's extra device with a lax guard, listed, so it joins like any other.
  const b3 = await bob.device("b3", lax);
  bob.sign(bob.devices);
  for (const d of bob.devices) await d.offer(bob.list);
  const cid = await startDirect(alice.devices[0]!, bob.devices[0]!);
  await net.settle();
  await tickDevices(net, 6_000, 6);
  const all = [...alice.devices, ...bob.devices];
  const epochs = async () => Promise.all(all.filter((d) => d !== b3).map(async (d) => (await view(d, cid)).epochId));
  const settled = await epochs();
  expect(new Set(settled).size).toBe(1);
  expect((await view(b3, cid)).members).toHaveLength(6);
  return { net, alice, bob, b3, lax, cid, epochs, settled };
}

const reasons = (net: Net) => net.rejected.map((r) => (r.kind === "rejected" ? r.reason : ""));

async function invite(d: DeviceMember, cid: string, who: DeviceMember) {
  await d.run((tx) => d.engine.invite(tx, cid, [who.identity]));
  await d.net.settle();
}

describe("roster rule on the wire", () => {
  it("a commit adding a device not on its account's list is refused by every other device", async () => {
    const w = await world(31);
    const stray = await w.bob.device("stray"); // bob's account in its credential, on no list
    await invite(w.b3, w.cid, stray);
    expect(reasons(w.net)).toContain("roster-device-not-listed");
    expect(await w.epochs()).toEqual(w.settled);
  });

  it("a commit adding a device of the other account is refused, though that device is listed", async () => {
    const w = await world(32);
    const a4 = await w.alice.device("a4");
    w.alice.sign(w.alice.devices);
    await w.b3.offer(w.alice.list); // only bob's lax device knows alice's newer list
    await invite(w.b3, w.cid, a4);
    expect(reasons(w.net)).toContain("roster-foreign-change");
    expect(await w.epochs()).toEqual(w.settled);
  });

  it("a commit carrying a forged list is refused", async () => {
    const w = await world(33);
    w.lax.forge = true;
    await w.b3.run((tx) => w.b3.engine.setMetadata(tx, w.cid, { name: "forged", description: "" }));
    await w.net.settle();
    expect(reasons(w.net)).toContain("roster-list-forged");
    expect(await w.epochs()).toEqual(w.settled);
  });

  it("a rolled-back list is refused: the book keeps the newer one and judges the commit by it", async () => {
    const w = await world(34);
    const [a1, a2, a3] = w.alice.devices as [DeviceMember, DeviceMember, DeviceMember];
    const older = w.alice.list;
    const newer = w.alice.sign([a1, a2]); // a3 revoked
    const b1 = w.bob.devices[0]!;
    expect(await b1.offer(newer)).toBeUndefined();
    expect(await b1.offer(older)).toBe("device-list-rollback");
    // a2 has not heard of the revocation: its rename carries the older list and keeps a3.
    await a2.run((tx) => a2.engine.setMetadata(tx, w.cid, { name: "old view", description: "" }));
    await w.net.settle();
    expect(reasons(w.net)).toContain("roster-device-revoked");
    expect((await view(b1, w.cid)).epochId).toBe(w.settled[0]);
    const held = await b1.ad.deviceList(new Transaction(b1.store), w.alice.hex);
    expect(held?.list.version).toBe(newer.list.version);
    expect(a3).toBeDefined();
  });
});
