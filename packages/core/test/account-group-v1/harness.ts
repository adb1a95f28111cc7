/**
 * Groups of accounts over the GroupV1 test network: AccountDirectV1's harness (accounts, signed lists,
 * ticks that sync every group) with each device running an AccountGroupV1 engine.
 */
import { toHex } from "@parley/core";
import type { Transaction } from "@parley/core/internals";
import type {
  AccountDirectV1Engine,
  AccountDirectV1Options,
} from "../../src/conversations/account-direct-v1/engine.js";
import { AccountGroupV1Engine } from "../../src/conversations/account-group-v1/engine.js";
import type { GroupEffect } from "../../src/conversations/group-v1/effects.js";
import { DeviceMember, account as makeAccount, TestAccount, tickDevices } from "../account-direct-v1/harness.js";
import { crypto, type MapStore, type Net, view } from "../group-v1/harness.js";

export class GroupDevice extends DeviceMember {
  ag!: AccountGroupV1Engine;

  override tick(tx: Transaction): Promise<GroupEffect[]> {
    return this.ag.tick(tx);
  }

  protected override async createEngine(o: AccountDirectV1Options): Promise<AccountDirectV1Engine> {
    this.ag = await AccountGroupV1Engine.create(o);
    return this.ag.devices;
  }
}

export class GroupAccount extends TestAccount {
  protected override make(name: string): DeviceMember {
    return new GroupDevice(this.net, name, crypto.x25519GenerateKeyPair(), this);
  }

  get all(): GroupDevice[] {
    return this.devices as GroupDevice[];
  }
}

export async function groupAccount(net: Net, name: string, n: number): Promise<GroupAccount> {
  return (await makeAccount(net, name, n, new GroupAccount(net, name))) as GroupAccount;
}

/** A group of `others`' accounts started by `from`, from each account's address of its first device. */
export async function startGroup(from: GroupDevice, others: readonly GroupAccount[]): Promise<string> {
  const addresses = others.map((a) => a.address(a.devices[0]!));
  const r = await from.step(
    (tx) => from.ag.start(tx, addresses, { name: "g" }),
    (x) => x.effects,
  );
  return r.conversationId;
}

const equal = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Ticks until every device in `devices` is active on one epoch with exactly `devices` as members. */
export async function converge(net: Net, devices: readonly DeviceMember[], cid: string, rounds = 16): Promise<void> {
  const want = devices.map((d) => d.identity).sort();
  for (let i = 0; i < rounds; i++) {
    await tickDevices(net, 6_000, 1);
    const views = await Promise.all(devices.map((d) => view(d, cid)));
    if (views.every((v) => v.status === "active" && v.epochId === views[0]!.epochId && equal(v.members, want))) return;
  }
  const views = await Promise.all(devices.map(async (d) => ({ n: d.name, ...(await view(d, cid)) })));
  throw new Error(
    `devices did not converge ${JSON.stringify(views.map((v) => [v.n, v.status, String(v.epoch), v.epochId.slice(0, 6), v.members.length]))} ${JSON.stringify(net.rejected)}`,
  );
}

/** The store's entries, for "nothing written" checks. */
export function snapshot(d: DeviceMember): string {
  const data = (d.store as MapStore).data;
  return [...data.entries()].map(([k, v]) => `${k}=${toHex(v)}`).join("\n");
}
