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
import { bookRoster, checkRosterChange, type DeviceMember, GroupError } from "../group-v1/extension.js";
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
): { book: DeviceListBook } | { refusal: AccountDirectV1Reason } {
  const ext = state.groupContext.extensions.find((e) => e.extensionType === DEVICE_LISTS_EXTENSION_TYPE);
  const lists = ext && decodeDeviceLists(crypto, ext.extensionData);
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

export class AccountRosterGuard implements RosterGuard {
  readonly namespace = ACCOUNT_DIRECT_NS;
  readonly extensionTypes = [DEVICE_LISTS_EXTENSION_TYPE];

  constructor(protected readonly crypto: CryptoProvider) {}

  async check(
    store: GuardStore,
    parent: ClientState | undefined,
    next: ClientState,
    committerLeaf: number | undefined,
  ): Promise<AccountDirectV1Reason | undefined> {
    const held = await loadBook(this.crypto, store);
    const taken = takeCarriedLists(this.crypto, held, next);
    if ("refusal" in taken) return taken.refusal;
    const after = deviceMembers(next);
    if (new Set(after.map((m) => m.account)).size > MAX_ACCOUNTS) return "roster-third-account";
    const before = parent ? deviceMembers(parent) : [];
    const committer = parent ? before.find((m) => m.leafIndex === committerLeaf) : undefined;
    if (parent && !committer) return "roster-foreign-change";
    const refusal = checkRosterChange(bookRoster(taken.book), before, after, committer);
    if (refusal) return refusal;
    if (taken.book !== held) saveBook(store, taken.book);
    return undefined;
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
