/**
 * AccountSelfV1's roster guard (group-v1/profile.ts): every member is a device of this device's own account,
 * listed on the account's newest list held (a device off the list may be removed by any member, none may be
 * added or kept). The account's signed list travels in the group context (extension 0xFF02, as in
 * AccountDirectV1), so a device linked after another learns the newer list from the commit that adds it.
 */
import type { ClientState, Extension } from "ts-mls";
import { toHex } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import {
  checkDeviceRoster,
  DEVICE_LISTS_EXTENSION_TYPE,
  deviceListsExtension,
  loadBook,
} from "../account-direct-v1/extension.js";
import type { GuardStore, RosterGuard } from "../group-v1/extension.js";
import { bookRoster } from "../group-v1/extension.js";
import type { AccountSelfV1Reason } from "./spec.js";

/** This type's namespace: `book` (the device list book), `group` (the id of the account's own group). */
export const ACCOUNT_SELF_NS = "account-self-v1";

export class SelfRosterGuard implements RosterGuard {
  readonly namespace = ACCOUNT_SELF_NS;
  readonly extensionTypes = [DEVICE_LISTS_EXTENSION_TYPE];
  readonly #account: string;

  /** `accountKey`: this device's own account (Ed25519 public key). */
  constructor(
    private readonly crypto: CryptoProvider,
    accountKey: Uint8Array,
  ) {
    this.#account = toHex(accountKey);
  }

  async check(
    store: GuardStore,
    parent: ClientState | undefined,
    next: ClientState,
    committerLeaf: number | undefined,
  ): Promise<AccountSelfV1Reason | undefined> {
    // AccountDirectV1's rule with one account, this device's: its third-account code cannot arise here.
    return (await checkDeviceRoster(this.crypto, store, parent, next, committerLeaf, (after) =>
      after.some((m) => m.account !== this.#account) ? "roster-foreign-account" : undefined,
    )) as AccountSelfV1Reason | undefined;
  }

  /** Every commit carries the account's newest list held (one account: the credentials need not be read). */
  async extensions(store: GuardStore): Promise<Extension[]> {
    const list = bookRoster(await loadBook(this.crypto, store)).listOf(this.#account);
    return [deviceListsExtension(list ? [list] : [])];
  }
}
