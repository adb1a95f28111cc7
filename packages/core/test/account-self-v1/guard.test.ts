/**
 * AccountSelfV1's roster rule on the wire (engine level, over the GroupV1 test network): the account's group
 * forms from its listed devices; a commit by a member whose own guard lets anything through (a modified
 * device) that adds a device of another account, or a device of the account not on its list, is refused by
 * every other member, and their epoch does not move.
 */
import { Transaction } from "@parley/core/internals";
import type { ClientState } from "ts-mls";
import { describe, expect, it } from "vitest";
import { AccountSelfV1Engine } from "../../src/conversations/account-self-v1/engine.js";
import { SelfRosterGuard } from "../../src/conversations/account-self-v1/guard.js";
import type { GuardStore, RosterGuard } from "../../src/conversations/group-v1/profile.js";
import { type AccountKey, createAccountKey } from "../../src/identity/account/account-key.js";
import { type SignedDeviceList, signDeviceList } from "../../src/identity/account/device-list.js";
import { crypto, MapStore, Member, Net, view } from "../group-v1/harness.js";

/** Lets every roster through (a modified device), but keeps the book as the real guard would. */
class LaxGuard extends SelfRosterGuard {
  override async check(store: GuardStore, parent: ClientState | undefined, next: ClientState, committer?: number) {
    await super.check(store, parent, next, committer);
    return undefined;
  }
}

class SelfDevice extends Member {
  self!: AccountSelfV1Engine;

  async startSelf(account: AccountKey, guard?: RosterGuard): Promise<void> {
    this.self = await AccountSelfV1Engine.create({
      crypto,
      identity: this.keys,
      clock: this.net.clock,
      accountKey: account.publicKey,
      ...(guard && { guard }),
      ...this.net.engineOptions,
    });
    this.engine = this.self.group;
  }

  async hold(list: SignedDeviceList): Promise<void> {
    const tx = new Transaction(this.store);
    await this.self.devices.holdOwnList(tx, list);
    await tx.commit();
  }
}

async function device(net: Net, name: string, account: AccountKey, lax = false): Promise<SelfDevice> {
  const d = new SelfDevice(net, name, crypto.x25519GenerateKeyPair(), new MapStore());
  await d.startSelf(account, lax ? new LaxGuard(crypto, account.publicKey) : undefined);
  net.members.push(d);
  return d;
}

function listOf(account: AccountKey, version: bigint, devices: SelfDevice[]): SignedDeviceList {
  const entries = devices.map((d) => ({ installationKey: d.keys.publicKey, name: d.name, addedAt: 1 }));
  return signDeviceList(crypto, account, version, entries);
}

async function world(seed: number) {
  const net = new Net(seed);
  const a = createAccountKey(crypto);
  const [a1, a2, a3] = [await device(net, "a1", a, true), await device(net, "a2", a), await device(net, "a3", a)];
  const list = listOf(a, 1n, [a1, a2, a3]);
  for (const d of [a1, a2, a3]) await d.hold(list);
  const r = await a1.step(
    (tx) => a1.self.createGroup(tx, list),
    (x) => x.effects,
  );
  const cid = r.conversationId;
  await net.settle();
  for (let i = 0; i < 6; i++) {
    net.clock.t += 6_000;
    for (const d of [a1, a2, a3]) await d.run((tx) => d.engine.tick(tx));
    await net.settle();
  }
  const all = [a1, a2, a3];
  const epochs = async () => Promise.all([a2, a3].map(async (d) => (await view(d, cid)).epochId));
  const settled = await epochs();
  expect(new Set(settled).size).toBe(1);
  for (const d of all) expect((await view(d, cid)).members).toHaveLength(3);
  expect(cid).toMatch(/^a5[0-9a-f]{32}$/);
  return { net, a, a1, a2, a3, list, cid, epochs, settled };
}

const reasons = (net: Net) => net.rejected.map((r) => (r.kind === "rejected" ? r.reason : ""));

async function invite(d: SelfDevice, cid: string, who: SelfDevice) {
  await d.run((tx) => d.engine.invite(tx, cid, [who.identity]));
  await d.net.settle();
}

describe("AccountSelfV1 roster rule on the wire", () => {
  it("a commit adding a device of another account is refused by every other member", async () => {
    const w = await world(41);
    const other = await device(w.net, "x1", createAccountKey(crypto));
    await invite(w.a1, w.cid, other);
    expect(reasons(w.net)).toContain("roster-foreign-account");
    expect(await w.epochs()).toEqual(w.settled);
  });

  it("a commit adding a device of the account that is not on its list is refused", async () => {
    const w = await world(42);
    const stray = await device(w.net, "a4", w.a);
    await invite(w.a1, w.cid, stray);
    expect(reasons(w.net)).toContain("roster-device-not-listed");
    expect(await w.epochs()).toEqual(w.settled);
  });

  it("a device revoked by a newer list is removed by sync, and the others follow", async () => {
    const w = await world(43);
    const newer = listOf(w.a, 2n, [w.a1, w.a2]);
    for (const d of [w.a1, w.a2]) await d.hold(newer);
    await w.a2.run((tx) => w.a2.self.sync(tx, w.cid));
    await w.net.settle();
    expect((await view(w.a1, w.cid)).members).toHaveLength(2);
    expect((await view(w.a2, w.cid)).members).toEqual((await view(w.a1, w.cid)).members);
  });
});
