/**
 * AccountDirectV1's roster guard (group-v1/profile.ts): the device roster rule (group-v1/roster-rule.ts)
 * applied to every commit and Welcome, against a device list book kept in this type's namespace. The lists a
 * commit carries (device-lists.ts) are offered to the book first: a newer one is kept, an older one
 * (rollback) is ignored and the commit is judged against the newer list held, a forged or forked one refuses
 * the commit. The roster is at most two accounts' devices.
 */
import type { ClientState, Extension } from "ts-mls";
import { fromHex } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import type { SignedDeviceList } from "../../identity/account/device-list.js";
import { DeviceListBook } from "../../identity/account/device-list-book.js";
import type { GuardStore, RosterGuard } from "../group-v1/extension.js";
import {
  bookRoster,
  checkRosterChange,
  type DeviceMember,
  GroupError,
  isListed,
  type RosterRuleOptions,
} from "../group-v1/extension.js";
import { memberOfCredential } from "./credential.js";
import { DEVICE_LISTS_EXTENSION_TYPE, decodeDeviceLists, deviceListsExtension } from "./device-lists.js";
import type { AccountDirectV1Reason } from "./spec.js";

/** This type's namespace: `book` = the device list book (DeviceListBook state, its own version). */
export const ACCOUNT_DIRECT_NS = "account-direct-v1";
/** The device list book's record in ACCOUNT_DIRECT_NS (every group of the type reads it). */
export const BOOK_KEY = "book";
export const MAX_ACCOUNTS = 2;

export async function loadBook(crypto: CryptoProvider, store: Pick<GuardStore, "get">): Promise<DeviceListBook> {
  const bytes = await store.get(BOOK_KEY);
  if (bytes === undefined) return DeviceListBook.empty();
  const book = DeviceListBook.decode(crypto, bytes);
  if (!book.ok) throw new GroupError("bad-state", `stored device list book: ${book.error.code}`);
  return book.value;
}

export function saveBook(store: Pick<GuardStore, "put">, book: DeviceListBook): void {
  store.put(BOOK_KEY, book.encode());
}

/** The members of a state, as their credentials name them (leaf order). */
export function deviceMembers(state: ClientState): (DeviceMember & { readonly leafIndex: number })[] {
  const out: (DeviceMember & { leafIndex: number })[] = [];
  state.ratchetTree.forEach((node, i) => {
    if (i % 2 !== 0 || node?.nodeType !== "leaf" || node.leaf.credential.credentialType !== "basic") return;
    const m = memberOfCredential(node.leaf.credential.identity);
    if (m) out.push({ ...m, leafIndex: i / 2 });
  });
  return out;
}

/** Takes the lists a state carries into `book`; a refusal code for a forged or forked one. */
export function takeCarriedLists(
  crypto: CryptoProvider,
  book: DeviceListBook,
  state: ClientState,
  maxLists?: number,
): { book: DeviceListBook } | { refusal: AccountDirectV1Reason } {
  const ext = state.groupContext.extensions.find((e) => e.extensionType === DEVICE_LISTS_EXTENSION_TYPE);
  const lists = ext && decodeDeviceLists(crypto, ext.extensionData, maxLists);
  if (!lists) return { refusal: "roster-lists-malformed" };
  for (const l of lists) {
    if (!l.ok) return { refusal: "roster-list-forged" };
    const offered = book.offer(crypto, l.value);
    if (offered.ok) book = offered.value.book;
    else if (offered.error.code === "device-list-fork") return { refusal: "roster-list-fork" };
    // A rollback: the sender had not heard of the newer list we hold; its roster is judged against ours.
    else if (offered.error.code !== "device-list-rollback") return { refusal: "roster-list-forged" };
  }
  return { book };
}

/** What a type built on this guard sets (AccountGroupV1: its namespace, N accounts, removing a person). */
export interface AccountRosterRule {
  /** The namespace of its device list book. */
  readonly namespace: string;
  /** The most accounts a roster may hold; more is refused with `tooManyAccounts`. */
  readonly maxAccounts: number;
  readonly tooManyAccounts: string;
  readonly options: RosterRuleOptions;
  /** Refuse application messages from a member its account's newest list held does not name (revoked). */
  readonly refuseUnlistedSenders?: boolean;
}

const ACCOUNT_DIRECT_RULE: AccountRosterRule = {
  namespace: ACCOUNT_DIRECT_NS,
  maxAccounts: MAX_ACCOUNTS,
  tooManyAccounts: "roster-third-account",
  options: {},
};

/**
 * The device roster rule of a commit from `parent` to `next` (or a Welcome or creation, without `parent`): the
 * carried lists taken into the book, `accounts` on the roster's accounts, then the rule; the book saved only when
 * the roster is allowed.
 */
export async function checkDeviceRoster<R extends string>(
  crypto: CryptoProvider,
  store: GuardStore,
  parent: ClientState | undefined,
  next: ClientState,
  committerLeaf: number | undefined,
  accounts: (after: readonly DeviceMember[]) => R | undefined,
  options: RosterRuleOptions = {},
  maxLists?: number,
): Promise<R | AccountDirectV1Reason | undefined> {
  const held = await loadBook(crypto, store);
  const taken = takeCarriedLists(crypto, held, next, maxLists);
  if ("refusal" in taken) return taken.refusal;
  const after = deviceMembers(next);
  const foreign = accounts(after);
  if (foreign) return foreign;
  const before = parent ? deviceMembers(parent) : [];
  const committer = parent ? before.find((m) => m.leafIndex === committerLeaf) : undefined;
  if (parent && !committer) return "roster-foreign-change";
  const refusal = checkRosterChange(bookRoster(taken.book), before, after, committer, options);
  if (refusal) return refusal;
  if (taken.book !== held) saveBook(store, taken.book);
  return undefined;
}

export class AccountRosterGuard implements RosterGuard {
  readonly namespace: string;
  readonly extensionTypes = [DEVICE_LISTS_EXTENSION_TYPE];

  constructor(
    protected readonly crypto: CryptoProvider,
    private readonly rule: AccountRosterRule = ACCOUNT_DIRECT_RULE,
  ) {
    this.namespace = rule.namespace;
  }

  async check(
    store: GuardStore,
    parent: ClientState | undefined,
    next: ClientState,
    committerLeaf: number | undefined,
  ): Promise<string | undefined> {
    const { maxAccounts, tooManyAccounts, options } = this.rule;
    // A few lists more than accounts still decode, so a refusal names the rule, not the format.
    return checkDeviceRoster(
      this.crypto,
      store,
      parent,
      next,
      committerLeaf,
      (after) => (new Set(after.map((m) => m.account)).size > maxAccounts ? tooManyAccounts : undefined),
      options,
      maxAccounts + 6,
    );
  }

  async checkSender(store: GuardStore, state: ClientState, senderLeaf: number): Promise<string | undefined> {
    if (!this.rule.refuseUnlistedSenders) return undefined;
    const sender = deviceMembers(state).find((m) => m.leafIndex === senderLeaf);
    const roster = bookRoster(await loadBook(this.crypto, store));
    // A sender of an account whose list we lack is left to the commits that carry it (the rule refuses those).
    if (!sender || roster.listOf(sender.account) === undefined || isListed(roster, sender)) return undefined;
    return "roster-device-revoked";
  }

  async extensions(store: GuardStore, credentials: readonly Uint8Array[]): Promise<Extension[]> {
    const book = await loadBook(this.crypto, store);
    const lists = new Map<string, SignedDeviceList>();
    for (const c of credentials) {
      const account = memberOfCredential(c)?.account;
      const list = account && book.get(fromHex(account) ?? new Uint8Array(0));
      if (account && list) lists.set(account, list);
    }
    return [deviceListsExtension([...lists.values()])];
  }
}
