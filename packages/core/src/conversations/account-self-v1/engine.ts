/**
 * AccountSelfV1 = the engine of one account's devices (AccountDirectV1's, with this type's profile: namespaces,
 * the 0xA5 group id tag, the one-account roster guard), plus what the group of one account's devices needs:
 * the one group the account holds (`groupId`), created with every listed sibling invited. Its `sync` is the
 * devices engine's, for one account: the roster kept equal to the account's newest list.
 */
import { fromUtf8, toHex, utf8 } from "../../base/bytes.js";
import type { TransactionView } from "../../framework/store.js";
import type { SignedDeviceList } from "../../identity/account/device-list.js";
import {
  AccountDevicesEngine,
  type AccountEngineOptions,
  type AccountGroupKind,
  OnDevicesEngine,
} from "../account-direct-v1/extension.js";
import type { DeviceMember, GroupEffect } from "../group-v1/extension.js";
import { GroupError, groupNamespaces } from "../group-v1/extension.js";
import { ACCOUNT_SELF_NS, SelfRosterGuard } from "./guard.js";

export const ACCOUNT_SELF_V1 = "AccountSelfV1";
export const SELF_GROUP_ID_TAG = 0xa5;
export const ACCOUNT_SELF_NAMESPACES = groupNamespaces(ACCOUNT_SELF_NS);
const GROUP_KEY = "group";

export type AccountSelfV1Options = AccountEngineOptions;

const KIND: AccountGroupKind = {
  typeName: ACCOUNT_SELF_V1,
  namespaces: ACCOUNT_SELF_NAMESPACES,
  bookNamespace: ACCOUNT_SELF_NS,
  groupIdTag: SELF_GROUP_ID_TAG,
  guard: (crypto, accountKey) => new SelfRosterGuard(crypto, accountKey),
};

export class AccountSelfV1Engine extends OnDevicesEngine {
  static async create(o: AccountSelfV1Options): Promise<AccountSelfV1Engine> {
    return new AccountSelfV1Engine(await AccountDevicesEngine.create(o, KIND));
  }

  /** The account's group this device is in (the last one created or joined), if any. */
  async groupId(tx: TransactionView): Promise<string | undefined> {
    const bytes = await tx.get(ACCOUNT_SELF_NS, GROUP_KEY);
    return bytes && fromUtf8(bytes);
  }

  /** Records `cid` as the account's group (in the step that created or joined it). */
  setGroup(tx: TransactionView, cid: string): void {
    tx.put(ACCOUNT_SELF_NS, GROUP_KEY, utf8(cid));
  }

  /** Creates the account's group with every listed sibling invited, and records it in the same transaction. */
  async createGroup(
    tx: TransactionView,
    own: SignedDeviceList,
  ): Promise<{ conversationId: string; effects: GroupEffect[] }> {
    if (toHex(own.list.accountKey) !== this.account)
      throw new GroupError("invalid-argument", "not this account's list");
    await this.devices.holdOwnList(tx, own);
    const siblings = own.list.devices.map((d) => toHex(d.installationKey)).filter((d) => d !== this.self);
    const r = await this.group.createGroup(tx, { invite: siblings });
    this.setGroup(tx, r.conversationId);
    return r;
  }

  members(tx: TransactionView, cid: string): Promise<DeviceMember[]> {
    return this.devices.members(tx, cid);
  }

  /** Removes members off the account's newest list, invites listed devices missing and not yet invited. */
  sync(tx: TransactionView, cid: string): Promise<GroupEffect[]> {
    return this.devices.sync(tx, cid);
  }
}
