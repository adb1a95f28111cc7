/**
 * AccountDirectV1 = the GroupV1 engine under this type's profile (its namespaces, the account credential, the
 * 0xAD group id tag, the roster guard), plus what only accounts need: a device list book, starting from an
 * account address, and keeping the roster equal to the two accounts' lists (`sync`).
 */
import { toHex } from "../../base/bytes.js";
import type { TransactionView } from "../../framework/store.js";
import type { AccountAddress } from "../../identity/account/address.js";
import type { SignedDeviceList } from "../../identity/account/device-list.js";
import type { BookUpdate } from "../../identity/account/device-list-book.js";
import type { Parsed } from "../../identity/account/errors.js";
import type { GroupEffect, GroupProfile, GuardStore, RosterGuard } from "../group-v1/extension.js";
import {
  bookRoster,
  type DeviceMember,
  GroupError,
  GroupV1Engine,
  type GroupV1Options,
  groupNamespaces,
  rosterGaps,
} from "../group-v1/extension.js";
import { accountCredential, memberOfCredential } from "./credential.js";
import { ACCOUNT_DIRECT_NS, AccountRosterGuard, loadBook, saveBook } from "./guard.js";

export const ACCOUNT_DIRECT_V1 = "AccountDirectV1";
export const GROUP_ID_TAG = 0xad;
export const ACCOUNT_DIRECT_NAMESPACES = groupNamespaces(ACCOUNT_DIRECT_NS);

/**
 * What sets a type of accounts' devices apart on this engine (AccountGroupV1 runs it with its own): its name,
 * namespaces (the engine's and its book's), group id tag and roster guard.
 */
export interface AccountGroupKind {
  readonly typeName: string;
  readonly namespaces: GroupProfile["namespaces"];
  readonly bookNamespace: string;
  readonly groupIdTag: number;
  /** The roster guard, for this device's account (`accountKey`). */
  guard(crypto: GroupV1Options["crypto"], accountKey: Uint8Array): RosterGuard;
}

const ACCOUNT_DIRECT_KIND: AccountGroupKind = {
  typeName: ACCOUNT_DIRECT_V1,
  namespaces: ACCOUNT_DIRECT_NAMESPACES,
  bookNamespace: ACCOUNT_DIRECT_NS,
  groupIdTag: GROUP_ID_TAG,
  guard: (crypto) => new AccountRosterGuard(crypto),
};

export interface AccountDirectV1Options extends Omit<GroupV1Options, "profile"> {
  /** This device's account key (Ed25519 public key). */
  readonly accountKey: Uint8Array;
  /** The roster guard; AccountRosterGuard by default. */
  readonly guard?: RosterGuard;
  /**
   * The book holds a newer list of this device's own account than the one it was given (a sibling's commit
   * carried it): the host's own record may take it. Called inside a step; the host adopts it in a later one.
   */
  readonly ownListLearned?: (list: SignedDeviceList) => void;
}

export class AccountDirectV1Engine {
  private constructor(
    readonly group: GroupV1Engine,
    readonly account: string,
    /** The namespace of the type's device list book. */
    readonly bookNamespace: string,
    private readonly ownListLearned?: (list: SignedDeviceList) => void,
  ) {}

  static async create(
    o: AccountDirectV1Options,
    kind: AccountGroupKind = ACCOUNT_DIRECT_KIND,
  ): Promise<AccountDirectV1Engine> {
    const profile: GroupProfile = {
      typeName: kind.typeName,
      namespaces: kind.namespaces,
      credential: accountCredential(o.accountKey),
      groupIdTag: new Uint8Array([kind.groupIdTag]),
      guard: o.guard ?? kind.guard(o.crypto, o.accountKey),
    };
    const group = await GroupV1Engine.create({ ...o, profile });
    return new AccountDirectV1Engine(group, toHex(o.accountKey), kind.bookNamespace, o.ownListLearned);
  }

  get self(): string {
    return this.group.self;
  }

  private store(tx: TransactionView): GuardStore {
    const ns = this.bookNamespace;
    return { get: (k) => tx.get(ns, k), put: (k, v) => tx.put(ns, k, v) };
  }

  /** The newest list held for an account (lower hex). */
  async deviceList(tx: TransactionView, account: string): Promise<SignedDeviceList | undefined> {
    return bookRoster(await loadBook(this.group.options.crypto, this.store(tx))).listOf(account);
  }

  /** Offers a list to the book: the newest wins; a rollback, fork or forgery is refused and changes nothing. */
  async offerDeviceList(
    tx: TransactionView,
    signed: Pick<SignedDeviceList, "bytes" | "signature">,
  ): Promise<Parsed<BookUpdate>> {
    const store = this.store(tx);
    const r = (await loadBook(this.group.options.crypto, store)).offer(this.group.options.crypto, signed);
    if (r.ok && r.value.outcome !== "unchanged") saveBook(store, r.value.book);
    return r;
  }

  /**
   * Our own newest list into the book. A newer one the book learned from a sibling's commit stays (ours is then a
   * rollback) and is handed to the host, whose own record would otherwise keep the list it was linked with.
   */
  async holdOwnList(tx: TransactionView, own: SignedDeviceList): Promise<void> {
    const r = await this.offerDeviceList(tx, own);
    if (r.ok) return;
    if (r.error.code !== "device-list-rollback") throw r.error;
    const newer = await this.deviceList(tx, this.account);
    if (newer) this.ownListLearned?.(newer);
  }

  /**
   * Starts the conversation with the account of `address` (docs/ACCOUNTS.md §3): the first invite goes to the
   * device it names, and to our own listed siblings; the addressed device then adds its siblings (`sync`).
   */
  async start(
    tx: TransactionView,
    address: AccountAddress,
  ): Promise<{ conversationId: string; effects: GroupEffect[] }> {
    const own = await this.deviceList(tx, this.account);
    if (!own) throw new GroupError("invalid-argument", "this device's own account list is not held");
    const offered = await this.offerDeviceList(tx, address.deviceList);
    if (!offered.ok) throw offered.error;
    const siblings = own.list.devices.map((d) => toHex(d.installationKey)).filter((d) => d !== this.self);
    return this.group.createGroup(tx, { invite: [toHex(address.installationKey), ...siblings] });
  }

  /** The members of the head roster, as their credentials name them. */
  async members(tx: TransactionView, cid: string): Promise<DeviceMember[]> {
    const out: DeviceMember[] = [];
    for (const c of await this.group.credentials(tx, cid)) {
      const m = memberOfCredential(c);
      if (m) out.push(m);
    }
    return out;
  }

  /**
   * Moves a group toward exactly the listed devices of its accounts (two here, N in AccountGroupV1, one in
   * AccountSelfV1): removes every member no longer on
   * its account's newest list (any member may: the list authorises it) and adds our own account's listed
   * devices that are missing (only a device of an account adds its devices).
   */
  async sync(tx: TransactionView, cid: string): Promise<GroupEffect[]> {
    const members = await this.members(tx, cid);
    if (members.length === 0) return [];
    const roster = bookRoster(await loadBook(this.group.options.crypto, this.store(tx)));
    const accounts = [...new Set([this.account, ...members.map((m) => m.account)])];
    const gaps = rosterGaps(roster, members, accounts);
    const effects: GroupEffect[] = [];
    const revoked = gaps.revoked.map((m) => m.installation).filter((i) => i !== this.self);
    if (revoked.length > 0) effects.push(...(await this.group.removeMembers(tx, cid, revoked)));
    // A device already invited waits for its key package (or its timeout): inviting it again would only rewrite
    // the group and make it due at once, on every wake.
    const invited = new Set(
      (await this.group.members(tx, cid)).filter((m) => m.state === "invited").map((m) => m.identity),
    );
    const mine = gaps.missing
      .filter((m) => m.account === this.account && !invited.has(m.installation))
      .map((m) => m.installation);
    if (mine.length > 0) effects.push(...(await this.group.invite(tx, cid, mine)));
    return effects;
  }

  /** The engine's timers, then `sync` of every active group. */
  async tick(tx: TransactionView): Promise<GroupEffect[]> {
    const effects: GroupEffect[] = [];
    for (const cid of await this.group.listGroups(tx)) effects.push(...(await this.wake(tx, cid)));
    return effects;
  }

  /** One group's timers, then its `sync` if it is active. */
  async wake(tx: TransactionView, cid: string): Promise<GroupEffect[]> {
    const effects = await this.group.tick(tx, cid);
    if ((await this.group.summary(tx, cid)).status === "active") effects.push(...(await this.sync(tx, cid)));
    return effects;
  }
}

/** A type's engine built on the devices engine (AccountGroupV1, AccountSelfV1): what it shares, named once. */
export abstract class OnDevicesEngine {
  protected constructor(readonly devices: AccountDirectV1Engine) {}

  get group(): GroupV1Engine {
    return this.devices.group;
  }

  get account(): string {
    return this.devices.account;
  }

  get self(): string {
    return this.devices.self;
  }
}
