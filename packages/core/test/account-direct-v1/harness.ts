/**
 * Accounts with devices over the GroupV1 test network (../group-v1/harness.ts: seeded order, drops,
 * duplicates, offline members, history): each device runs an AccountDirectV1 engine; accounts and their
 * signed device lists are made with the identity/account functions directly.
 */
import { toHex } from "@parley/core";
import { Transaction } from "@parley/core/internals";
import {
  AccountDirectV1Engine,
  type AccountDirectV1Options,
} from "../../src/conversations/account-direct-v1/engine.js";
import type { GroupEffect } from "../../src/conversations/group-v1/effects.js";
import type { RosterGuard } from "../../src/conversations/group-v1/profile.js";
import { type AccountKey, createAccountKey } from "../../src/identity/account/account-key.js";
import { makeAccountAddress } from "../../src/identity/account/address.js";
import { type Device, type SignedDeviceList, signDeviceList } from "../../src/identity/account/device-list.js";
import { crypto, MapStore, Member, type Net } from "../group-v1/harness.js";

export class DeviceMember extends Member {
  ad!: AccountDirectV1Engine;
  constructor(
    net: Net,
    name: string,
    keys: { publicKey: Uint8Array; secretKey: Uint8Array },
    readonly account: TestAccount,
  ) {
    super(net, name, keys, new MapStore());
  }

  async startDevice(guard?: RosterGuard): Promise<void> {
    this.ad = await this.createEngine({
      crypto,
      identity: this.keys,
      clock: this.net.clock,
      accountKey: this.account.key.publicKey,
      ...(guard && { guard }),
      ...this.net.engineOptions,
    });
    this.engine = this.ad.group;
  }

  /** Its timers and roster sync of every group. */
  tick(tx: Transaction): Promise<GroupEffect[]> {
    return this.ad.tick(tx);
  }

  /** The engine this device runs (a type's harness may run another on the same parts). */
  protected createEngine(o: AccountDirectV1Options): Promise<AccountDirectV1Engine> {
    return AccountDirectV1Engine.create(o);
  }

  /** Offers a list to this device's book (as a sibling or a peer would pass it on). */
  async offer(list: SignedDeviceList): Promise<string | undefined> {
    const tx = new Transaction(this.store);
    const r = await this.ad.offerDeviceList(tx, list);
    await tx.commit();
    return r.ok ? undefined : r.error.code;
  }

  async members(cid: string): Promise<string[]> {
    return (await this.ad.members(new Transaction(this.store), cid)).map((m) => m.installation).sort();
  }
}

export class TestAccount {
  readonly key: AccountKey = createAccountKey(crypto);
  readonly devices: DeviceMember[] = [];
  list!: SignedDeviceList;
  version = 0n;
  constructor(
    readonly net: Net,
    readonly name: string,
  ) {}

  get hex(): string {
    return toHex(this.key.publicKey);
  }

  /** Signs the next list holding exactly `devices`. */
  sign(devices: readonly DeviceMember[]): SignedDeviceList {
    this.version++;
    const entries: Device[] = devices.map((d) => ({ installationKey: d.keys.publicKey, name: d.name, addedAt: 1 }));
    this.list = signDeviceList(crypto, this.key, this.version, entries);
    return this.list;
  }

  /** The device object a new device of this account is (a type's harness may run another engine). */
  protected make(name: string): DeviceMember {
    return new DeviceMember(this.net, name, crypto.x25519GenerateKeyPair(), this);
  }

  /** A new device of this account (not yet listed), online on the network. */
  async device(name: string, guard?: RosterGuard): Promise<DeviceMember> {
    const d = this.make(name);
    await d.startDevice(guard);
    this.net.members.push(d);
    this.devices.push(d);
    return d;
  }

  /** The account address of `device` (its consent and a bundle key), under the current list. */
  address(device: DeviceMember) {
    return makeAccountAddress(crypto, device.keys.secretKey, crypto.x25519GenerateKeyPair().publicKey, this.list);
  }
}

/** An account with `n` listed devices, each holding its account's list. */
export async function account(net: Net, name: string, n: number, a = new TestAccount(net, name)): Promise<TestAccount> {
  for (let i = 1; i <= n; i++) await a.device(`${name}${i}`);
  a.sign(a.devices);
  for (const d of a.devices) await d.offer(a.list);
  return a;
}

/** Runs every online device's timers (and roster sync) and delivers, `rounds` times. */
export async function tickDevices(net: Net, ms: number, rounds = 3): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    net.clock.t += ms;
    for (const m of net.members) if (m.online && m instanceof DeviceMember) await m.run((tx) => m.tick(tx));
    await net.settle();
  }
}

/** Starts the conversation of `from`'s account with `to`'s, from `to`'s address. */
export async function startDirect(from: DeviceMember, to: DeviceMember): Promise<string> {
  const r = await from.step(
    (tx) => from.ad.start(tx, to.account.address(to)),
    (x) => x.effects,
  );
  return r.conversationId;
}
