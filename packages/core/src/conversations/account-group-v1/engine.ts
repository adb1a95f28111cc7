/**
 * AccountGroupV1 = the engine of a group of accounts' devices (AccountDirectV1's, with this type's profile:
 * namespaces, the 0xA6 group id tag, the roster rule for N accounts), plus what a group of people needs:
 * starting from several account addresses, adding a person (their addressed device, which then adds its
 * siblings), removing a person (all their devices in one commit), and the members grouped by account.
 */
import { toHex } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import type { TransactionView } from "../../framework/store.js";
import type { AccountAddress } from "../../identity/account/address.js";
import {
  AccountDevicesEngine,
  type AccountEngineOptions,
  type AccountGroupKind,
  AccountRosterGuard,
  OnDevicesEngine,
} from "../account-direct-v1/extension.js";
import { type GroupEffect, GroupError, groupNamespaces } from "../group-v1/extension.js";

export const ACCOUNT_GROUP_V1 = "AccountGroupV1";
/** The namespace of this type's device list book. */
export const ACCOUNT_GROUP_NS = "account-group-v1";
export const ACCOUNT_GROUP_ID_TAG = 0xa6;
/** The most accounts one group holds (each list holds at most 32 devices). */
export const MAX_GROUP_ACCOUNTS = 32;
export const ACCOUNT_GROUP_NAMESPACES = groupNamespaces(ACCOUNT_GROUP_NS);

/** The roster guard of this type: AccountDirectV1's rule, for N accounts, where anyone may remove a person. */
export function accountGroupGuard(crypto: CryptoProvider): AccountRosterGuard {
  return new AccountRosterGuard(crypto, {
    namespace: ACCOUNT_GROUP_NS,
    maxAccounts: MAX_GROUP_ACCOUNTS,
    tooManyAccounts: "roster-too-many-accounts",
    options: { accountRemoval: true },
    refuseUnlistedSenders: true,
  });
}

const KIND: AccountGroupKind = {
  typeName: ACCOUNT_GROUP_V1,
  namespaces: ACCOUNT_GROUP_NAMESPACES,
  bookNamespace: ACCOUNT_GROUP_NS,
  groupIdTag: ACCOUNT_GROUP_ID_TAG,
  guard: accountGroupGuard,
};

/** One member account and its devices in the head roster (installation keys, lower hex, sorted). */
export interface AccountMembers {
  readonly account: string;
  readonly devices: readonly string[];
}

export class AccountGroupV1Engine extends OnDevicesEngine {
  static async create(o: AccountEngineOptions): Promise<AccountGroupV1Engine> {
    return new AccountGroupV1Engine(await AccountDevicesEngine.create(o, KIND));
  }

  /** Each address's list into the book (a refusal throws and, the step failing, writes nothing). */
  private async offerAddresses(tx: TransactionView, addresses: readonly AccountAddress[]): Promise<string[]> {
    const accounts: string[] = [];
    for (const a of addresses) {
      const account = toHex(a.deviceList.list.accountKey);
      if (account === this.account) throw new GroupError("invalid-argument", "an address of this device's account");
      if (accounts.includes(account)) throw new GroupError("invalid-argument", "two addresses of one account");
      const offered = await this.devices.offerDeviceList(tx, a.deviceList);
      if (!offered.ok && offered.error.code !== "device-list-rollback") throw offered.error;
      accounts.push(account);
    }
    return accounts;
  }

  /**
   * A group of this account and the accounts of `addresses`: the first invites go to each addressed device and
   * to our own listed siblings; each addressed device then adds its siblings (`sync`).
   */
  async start(
    tx: TransactionView,
    addresses: readonly AccountAddress[],
    meta: { name?: string; description?: string } = {},
  ): Promise<{ conversationId: string; effects: GroupEffect[] }> {
    const own = await this.devices.deviceList(tx, this.account);
    if (!own) throw new GroupError("invalid-argument", "this device's own account list is not held");
    if (addresses.length + 1 > MAX_GROUP_ACCOUNTS) throw new GroupError("invalid-argument", "too many accounts");
    await this.offerAddresses(tx, addresses);
    const siblings = own.list.devices.map((d) => toHex(d.installationKey)).filter((d) => d !== this.self);
    const invite = [...addresses.map((a) => toHex(a.installationKey)), ...siblings];
    return this.group.createGroup(tx, { ...meta, invite });
  }

  /** Adds the people of `addresses` (none already a member): their addressed devices, which add their siblings. */
  async addAccounts(tx: TransactionView, cid: string, addresses: readonly AccountAddress[]): Promise<GroupEffect[]> {
    const present = new Set((await this.membersByAccount(tx, cid)).map((m) => m.account));
    const accounts = await this.offerAddresses(tx, addresses);
    if (accounts.some((a) => present.has(a))) throw new GroupError("invalid-argument", "already a member account");
    if (present.size + accounts.length > MAX_GROUP_ACCOUNTS)
      throw new GroupError("invalid-argument", "too many accounts");
    return this.group.invite(
      tx,
      cid,
      addresses.map((a) => toHex(a.installationKey)),
    );
  }

  /** Removes people: every device of each account, in one commit. Our own account leaves with `leave`. */
  async removeAccounts(tx: TransactionView, cid: string, accounts: readonly string[]): Promise<GroupEffect[]> {
    if (accounts.includes(this.account)) throw new GroupError("invalid-argument", "this device's own account");
    const members = await this.membersByAccount(tx, cid);
    const devices: string[] = [];
    for (const account of accounts) {
      const m = members.find((x) => x.account === account);
      if (!m) throw new GroupError("invalid-argument", "not a member account");
      devices.push(...m.devices);
    }
    return this.group.removeMembers(tx, cid, devices);
  }

  /** The head roster grouped by account, accounts in key order. */
  async membersByAccount(tx: TransactionView, cid: string): Promise<AccountMembers[]> {
    const by = new Map<string, string[]>();
    for (const m of await this.devices.members(tx, cid))
      by.set(m.account, [...(by.get(m.account) ?? []), m.installation]);
    return [...by.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([account, devices]) => ({ account, devices: devices.sort() }));
  }

  /** Toward exactly the listed devices of the member accounts (AccountDirectV1's `sync`, N accounts). */
  sync(tx: TransactionView, cid: string): Promise<GroupEffect[]> {
    return this.devices.sync(tx, cid);
  }

  /** `wake` of every group: its `sync`, then its timers (`wake` says why in this order). */
  async tick(tx: TransactionView): Promise<GroupEffect[]> {
    const effects: GroupEffect[] = [];
    for (const cid of await this.group.listGroups(tx)) effects.push(...(await this.wake(tx, cid)));
    return effects;
  }

  /**
   * One group's `sync` before its timers: a device our newer list added is invited first, so the commit that
   * reconciles waits for its key package and carries the newer list with the add, one commit per device linked
   * (the timers first would commit the list alone, then the add: two).
   */
  async wake(tx: TransactionView, cid: string): Promise<GroupEffect[]> {
    const effects = (await this.group.summary(tx, cid)).status === "active" ? await this.sync(tx, cid) : [];
    return [...effects, ...(await this.group.tick(tx, cid))];
  }
}
