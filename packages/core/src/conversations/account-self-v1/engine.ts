/**
 * AccountSelfV1 = the GroupV1 engine under this type's profile (its namespaces, the account credential, the
 * 0xA5 group id tag, the one-account roster guard), plus what the group of one account's devices needs: the
 * device list book, the one group the account holds (`group`), and keeping its roster equal to the account's
 * newest list (`sync`).
 */
import { fromUtf8, toHex, utf8 } from "../../base/bytes.js";
import type { TransactionView } from "../../framework/store.js";
import type { SignedDeviceList } from "../../identity/account/device-list.js";
import { accountCredential, loadBook, memberOfCredential, saveBook } from "../account-direct-v1/extension.js";
import type { GroupEffect, GuardStore, RosterGuard } from "../group-v1/extension.js";
import {
  bookRoster,
  type DeviceMember,
  GroupError,
  GroupV1Engine,
  type GroupV1Options,
  groupNamespaces,
  rosterGaps,
} from "../group-v1/extension.js";
import { ACCOUNT_SELF_NS, SelfRosterGuard } from "./guard.js";

export const ACCOUNT_SELF_V1 = "AccountSelfV1";
export const SELF_GROUP_ID_TAG = 0xa5;
export const ACCOUNT_SELF_NAMESPACES = groupNamespaces(ACCOUNT_SELF_NS);
const GROUP_KEY = "group";

export interface AccountSelfV1Options extends Omit<GroupV1Options, "profile"> {
  /** This device's account key (Ed25519 public key). */
  readonly accountKey: Uint8Array;
  /** The roster guard; SelfRosterGuard by default. */
  readonly guard?: RosterGuard;
}

export class AccountSelfV1Engine {
  private constructor(
    readonly group: GroupV1Engine,
    readonly account: string,
  ) {}

  static async create(o: AccountSelfV1Options): Promise<AccountSelfV1Engine> {
    const profile = {
      typeName: ACCOUNT_SELF_V1,
      namespaces: ACCOUNT_SELF_NAMESPACES,
      credential: accountCredential(o.accountKey),
      groupIdTag: new Uint8Array([SELF_GROUP_ID_TAG]),
      guard: o.guard ?? new SelfRosterGuard(o.crypto, o.accountKey),
    };
    return new AccountSelfV1Engine(await GroupV1Engine.create({ ...o, profile }), toHex(o.accountKey));
  }

  get self(): string {
    return this.group.self;
  }

  private store(tx: TransactionView): GuardStore {
    return { get: (k) => tx.get(ACCOUNT_SELF_NS, k), put: (k, v) => tx.put(ACCOUNT_SELF_NS, k, v) };
  }

  /** Our own newest list into the book (a newer one learned from a sibling's commit stays: a rollback). */
  async holdOwnList(tx: TransactionView, own: SignedDeviceList): Promise<void> {
    const store = this.store(tx);
    const r = (await loadBook(this.group.options.crypto, store)).offer(this.group.options.crypto, own);
    if (r.ok && r.value.outcome !== "unchanged") saveBook(store, r.value.book);
    else if (!r.ok && r.error.code !== "device-list-rollback") throw r.error;
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
    await this.holdOwnList(tx, own);
    const siblings = own.list.devices.map((d) => toHex(d.installationKey)).filter((d) => d !== this.self);
    const r = await this.group.createGroup(tx, { invite: siblings });
    this.setGroup(tx, r.conversationId);
    return r;
  }

  async members(tx: TransactionView, cid: string): Promise<DeviceMember[]> {
    const out: DeviceMember[] = [];
    for (const c of await this.group.credentials(tx, cid)) {
      const m = memberOfCredential(c);
      if (m) out.push(m);
    }
    return out;
  }

  /** Removes members off the account's newest list, adds listed devices missing (one commit each at most). */
  async sync(tx: TransactionView, cid: string): Promise<GroupEffect[]> {
    const members = await this.members(tx, cid);
    if (members.length === 0) return [];
    const roster = bookRoster(await loadBook(this.group.options.crypto, this.store(tx)));
    const gaps = rosterGaps(roster, members, [this.account]);
    const effects: GroupEffect[] = [];
    const revoked = gaps.revoked.map((m) => m.installation).filter((i) => i !== this.self);
    if (revoked.length > 0) effects.push(...(await this.group.removeMembers(tx, cid, revoked)));
    const missing = gaps.missing.map((m) => m.installation);
    if (missing.length > 0) effects.push(...(await this.group.invite(tx, cid, missing)));
    return effects;
  }
}
