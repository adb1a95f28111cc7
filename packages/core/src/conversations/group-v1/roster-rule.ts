/**
 * The device roster rule (docs/ACCOUNTS.md §3, §5), pure: whether a group whose members are devices of
 * accounts may go from one roster to the next, judged against the newest verified device list of each account.
 *
 * - Every member after the change is on its account's newest list: a device added that is not listed is
 *   `roster-device-not-listed`; a device kept that a newer list dropped (revoked) is `roster-device-revoked`;
 *   a member of an account whose list we do not hold is `roster-unknown-account`.
 * - Only a device of account A adds or removes A's devices (`roster-foreign-change`), with two exceptions
 *   that follow from the accounts' own word: the first device of an account is added by the other side (the
 *   first invite goes to the device an address names, which then adds its siblings), and a device its
 *   account's newest list no longer holds may be removed by anyone (the list's signature authorises it).
 */
import { fromHex, toHex } from "../../base/bytes.js";
import type { SignedDeviceList } from "../../identity/account/device-list.js";
import type { DeviceListBook } from "../../identity/account/device-list-book.js";

/** The newest verified device list of each account, by account key (lower hex). */
export interface DeviceRoster {
  listOf(accountKey: string): SignedDeviceList | undefined;
}

/** A member as its MLS credential names it: installation key and account key, lower hex. */
export interface DeviceMember {
  readonly installation: string;
  readonly account: string;
}

export type RosterRefusal =
  | "roster-unknown-account"
  | "roster-device-not-listed"
  | "roster-device-revoked"
  | "roster-foreign-change";

/** A roster backed by a device list book. */
export function bookRoster(book: DeviceListBook): DeviceRoster {
  return { listOf: (account) => book.get(fromHex(account) ?? new Uint8Array(0)) };
}

/** Whether `member` is on its account's newest list. */
export function isListed(roster: DeviceRoster, member: DeviceMember): boolean {
  const list = roster.listOf(member.account);
  return list?.list.devices.some((d) => toHex(d.installationKey) === member.installation) ?? false;
}

const key = (m: DeviceMember) => `${m.account}/${m.installation}`;

/** Options of the rule for a type with more than two accounts (AccountGroupV1). */
export interface RosterRuleOptions {
  /**
   * Any member may remove a whole account (every device it has in the group, in one commit): removing a
   * person from a group of accounts, as any GroupV1 member may remove any member.
   */
  readonly accountRemoval?: boolean;
}

/**
 * The rule for a change from `before` to `after` committed by `committer`; without a committer (a roster
 * seen whole: a group joined or created) only the first rule applies. Undefined when allowed.
 */
export function checkRosterChange(
  roster: DeviceRoster,
  before: readonly DeviceMember[],
  after: readonly DeviceMember[],
  committer: DeviceMember | undefined,
  options: RosterRuleOptions = {},
): RosterRefusal | undefined {
  const had = new Set(before.map(key));
  const has = new Set(after.map(key));
  for (const m of after) {
    if (roster.listOf(m.account) === undefined) return "roster-unknown-account";
    if (!isListed(roster, m)) return had.has(key(m)) ? "roster-device-revoked" : "roster-device-not-listed";
  }
  if (committer === undefined) return undefined;
  const accountsBefore = new Set(before.map((m) => m.account));
  for (const m of after)
    if (!had.has(key(m)) && m.account !== committer.account && accountsBefore.has(m.account))
      return "roster-foreign-change";
  const accountsAfter = new Set(after.map((m) => m.account));
  for (const m of before) {
    if (has.has(key(m)) || m.account === committer.account || !isListed(roster, m)) continue;
    if (!(options.accountRemoval && !accountsAfter.has(m.account))) return "roster-foreign-change";
  }
  return undefined;
}

/** What a member of `account` should change so the group holds exactly the listed devices of `accounts`. */
export function rosterGaps(
  roster: DeviceRoster,
  members: readonly DeviceMember[],
  accounts: readonly string[],
): { readonly missing: DeviceMember[]; readonly revoked: DeviceMember[] } {
  const present = new Set(members.map(key));
  const missing: DeviceMember[] = [];
  for (const account of accounts)
    for (const d of roster.listOf(account)?.list.devices ?? []) {
      const m = { installation: toHex(d.installationKey), account };
      if (!present.has(key(m))) missing.push(m);
    }
  // Only a list held can revoke: a member of an account whose list we lack is left to the rule's refusals.
  const revoked = members.filter((m) => roster.listOf(m.account) !== undefined && !isListed(roster, m));
  return { missing, revoked };
}
