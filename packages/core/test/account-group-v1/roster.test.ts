/**
 * The device roster rule for N accounts: the pure rule with `accountRemoval` (a whole account removed by any
 * member; a part of it only by its own devices), then on the wire, commits built by a device whose own guard
 * lets anything through, refused by every other device with the rule's code and writing nothing: an unlisted
 * device added, a forged list, a list rolled back, a part of another account removed.
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
import { accountGroupGuard } from "../../src/conversations/account-group-v1/engine.js";
import type { GuardStore } from "../../src/conversations/group-v1/profile.js";
import { checkRosterChange, type DeviceRoster } from "../../src/conversations/group-v1/roster-rule.js";
import { createAccountKey } from "../../src/identity/account/account-key.js";
import { type SignedDeviceList, signDeviceList } from "../../src/identity/account/device-list.js";
import { tickDevices } from "../account-direct-v1/harness.js";
import { crypto, Net, sendText, view } from "../group-v1/harness.js";
import { type GroupDevice, groupAccount, snapshot, startGroup } from "./harness.js";

describe("roster rule for N accounts (pure)", () => {
  const dev = () => crypto.x25519GenerateKeyPair().publicKey;
  const keys = [createAccountKey(crypto), createAccountKey(crypto), createAccountKey(crypto)];
  const [a1, a2, b1, b2, c1, c2] = [dev(), dev(), dev(), dev(), dev(), dev()];
  const listed = new Map<string, SignedDeviceList>();
  keys.forEach((k, i) => {
    const ds = [
      [a1, a2],
      [b1, b2],
      [c1, c2],
    ][i]!;
    const devices = ds.map((d, j) => ({ installationKey: d, name: `d${j}`, addedAt: 0 }));
    listed.set(toHex(k.publicKey), signDeviceList(crypto, k, 1n, devices));
  });
  const roster: DeviceRoster = { listOf: (a) => listed.get(a) };
  const [A, B, C] = keys.map((k) => (d: Uint8Array) => ({ installation: toHex(d), account: toHex(k.publicKey) }));
  const all = [A!(a1), A!(a2), B!(b1), B!(b2)];
  const group = { accountRemoval: true };

  it("any member adds an account's first devices, or removes a whole account", () => {
    expect(checkRosterChange(roster, all, [...all, C!(c1), C!(c2)], A!(a1), group)).toBeUndefined();
    expect(checkRosterChange(roster, all, [A!(a1), A!(a2)], A!(a1), group)).toBeUndefined();
    // Without the option (AccountDirectV1), removing the other account's devices stays refused.
    expect(checkRosterChange(roster, all, [A!(a1), A!(a2)], A!(a1))).toBe("roster-foreign-change");
  });

  it("refuses a part of another account removed, or its devices added once it is a member", () => {
    expect(checkRosterChange(roster, all, [A!(a1), A!(a2), B!(b1)], A!(a1), group)).toBe("roster-foreign-change");
    const withC = [...all, C!(c1)];
    expect(checkRosterChange(roster, withC, [...withC, C!(c2)], A!(a1), group)).toBe("roster-foreign-change");
    expect(checkRosterChange(roster, withC, [...withC, C!(c2)], C!(c1), group)).toBeUndefined();
    expect(checkRosterChange(roster, all, [...all, C!(dev())], A!(a1), group)).toBe("roster-device-not-listed");
  });
});

/** A guard that lets its own device commit anything (to forge what the rule refuses); optionally a forged list. */
class LaxGuard extends AccountRosterGuard {
  forge = false;
  override async check(store: GuardStore, _parent: unknown, next: ClientState): Promise<undefined> {
    const taken = takeCarriedLists(crypto, await loadBook(crypto, store), next, 40);
    if ("book" in taken) saveBook(store, taken.book);
    return undefined;
  }
  override async extensions(store: GuardStore, credentials: readonly Uint8Array[]): Promise<Extension[]> {
    const real = await super.extensions(store, credentials);
    if (!this.forge) return real;
    const data = real[0]!.extensionData.slice();
    data[data.length - 1]! ^= 1;
    return [{ ...real[0]!, extensionData: data }];
  }
}

async function world(seed: number) {
  const net = new Net(seed);
  const a = await groupAccount(net, "a", 2);
  const b = await groupAccount(net, "b", 1);
  const c = await groupAccount(net, "c", 2);
  // b's second device runs a lax guard (in this type's namespace), listed, so it joins like any other.
  const real = accountGroupGuard(crypto);
  const lax = new LaxGuard(crypto, { namespace: real.namespace, maxAccounts: 32, tooManyAccounts: "x", options: {} });
  const bad = (await b.device("b-lax", lax)) as GroupDevice;
  b.sign(b.all);
  for (const d of b.all) await d.offer(b.list);
  const cid = await startGroup(a.all[0]!, [b, c]);
  await net.settle();
  await tickDevices(net, 6_000, 6);
  const honest = [...a.all, ...b.all, ...c.all].filter((d) => d !== bad);
  const settled = await Promise.all(honest.map(async (d) => (await view(d, cid)).epochId));
  expect(new Set(settled).size).toBe(1);
  expect((await view(bad, cid)).members).toHaveLength(6);
  const stores = honest.map(snapshot);
  /** Every honest device but `besides` refused `reason` and wrote nothing (`extra`: more refusals expected). */
  const refusedByAll = (reason: string, besides: GroupDevice[] = [], extra = 0) => {
    const reasons = net.rejected.map((r) => (r.kind === "rejected" ? r.reason : ""));
    expect(reasons).toEqual([...honest.filter((d) => !besides.includes(d)), ...Array(extra)].map(() => reason));
    const unchanged = honest.map((d, i) => (besides.includes(d) ? "" : stores[i]));
    expect(honest.map((d) => (besides.includes(d) ? "" : snapshot(d)))).toEqual(unchanged);
  };
  return { net, a, b, c, bad, lax, cid, refusedByAll };
}

describe("roster rule for N accounts on the wire", () => {
  it("a commit adding a device not on its account's list is refused, nothing written", async () => {
    const w = await world(41);
    const stray = await w.b.device("stray"); // b's account in its credential, on no list
    await w.bad.run((tx) => w.bad.engine.invite(tx, w.cid, [stray.identity]));
    await w.net.settle();
    // The stray device itself refuses the Welcome to a roster naming it unlisted.
    w.refusedByAll("roster-device-not-listed", [], 1);
    expect(await stray.engine.listGroups(new Transaction(stray.store))).toEqual([]);
  });

  it("a commit removing part of another account's listed devices is refused, nothing written", async () => {
    const w = await world(42);
    const c2 = w.c.all[1]!;
    await w.bad.run((tx) => w.bad.engine.removeMembers(tx, w.cid, [c2.identity]));
    await w.net.settle();
    // c2 cannot read the commit that claims to remove it; the others refuse it.
    w.refusedByAll("roster-foreign-change", [c2]);
  });

  it("a commit carrying a forged list is refused, nothing written", async () => {
    const w = await world(43);
    w.lax.forge = true;
    await w.bad.run((tx) => w.bad.engine.setMetadata(tx, w.cid, { name: "forged", description: "" }));
    await w.net.settle();
    w.refusedByAll("roster-list-forged");
  });

  it("a rolled-back list is refused: a commit keeping a revoked device is judged by the newer list held", async () => {
    const w = await world(44);
    const [c1, c2] = w.c.all as [GroupDevice, GroupDevice];
    const older = w.c.list;
    const newer = w.c.sign([c1]); // c2 revoked; only a's first device hears of it
    const a1 = w.a.all[0]!;
    expect(await a1.offer(newer)).toBeUndefined();
    expect(await a1.offer(older)).toBe("device-list-rollback");
    const before = snapshot(a1);
    // The lax device has not heard of the revocation: its rename carries the older list and keeps c2.
    await w.bad.run((tx) => w.bad.engine.setMetadata(tx, w.cid, { name: "old view", description: "" }));
    await w.net.settle();
    expect(w.net.rejected.map((r) => (r.kind === "rejected" ? r.reason : ""))).toEqual(["roster-device-revoked"]);
    expect(snapshot(a1)).toEqual(before);
    expect(c2).toBeDefined();
  });

  it("a message from a device its account's newest list held revokes is refused, nothing written", async () => {
    const w = await world(45);
    const [c1, c2] = w.c.all as [GroupDevice, GroupDevice];
    const a1 = w.a.all[0]!;
    expect(await a1.offer(w.c.sign([c1]))).toBeUndefined(); // only a1 holds the list revoking c2
    const before = snapshot(a1);
    await sendText(c2, w.cid, "from a revoked device");
    await w.net.settle();
    expect(w.net.rejected.map((r) => (r.kind === "rejected" ? r.reason : ""))).toEqual(["roster-device-revoked"]);
    expect(snapshot(a1)).toEqual(before);
    expect(a1.text(w.cid)).toEqual([]);
    // Devices that have not heard of the revocation read it: c2 is a member in their view until removed.
    expect(w.b.all[0]!.text(w.cid)).toEqual(["from a revoked device"]);
  });
});
