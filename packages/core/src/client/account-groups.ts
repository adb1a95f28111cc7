/**
 * `Client.account.groups`: groups of people, each with their devices (docs/ACCOUNTS.md §3, "groups with
 * devices"), through the type that starts `account-group` conversations. A group starts from account addresses
 * (the first invite to each addressed device, which then adds its siblings); people are added by address and
 * removed by account key (all their devices in one commit); members are listed grouped by account. A device
 * linked or revoked on the primary joins or leaves every group at the next sweeps, as in 1:1 conversations.
 */
import { toHex } from "../base/bytes.js";
import type { Registry } from "../framework/registry.js";
import type { Transaction } from "../framework/store.js";
import { parseAccountAddress } from "../identity/account/address.js";
import { sameBytes } from "../identity/account/keys.js";
import type { Control, Reach } from "./control.js";
import type { EffectApplier, StepPlan } from "./effects.js";
import { ClientError, lifecycleCall } from "./errors.js";
import { Groups } from "./groups.js";
import type { Steps } from "./step.js";
import type { GroupInfo, GroupMemberInfo } from "./types.js";

export interface AccountGroupsHost {
  readonly crypto: Parameters<typeof parseAccountAddress>[0];
  readonly registry: Registry;
  readonly steps: Steps;
  readonly effects: EffectApplier;
  readonly control: Control;
  installation(): { readonly publicKey: Uint8Array };
  step<T>(fn: () => Promise<T>): Promise<T>;
  /** This device's account key, or undefined without an account. */
  accountKey(): Uint8Array | undefined;
  /** The first message of a pairwise conversation started from an address alone. */
  greeting(): Promise<Uint8Array>;
}

/** One member account of a group and its devices in the group. */
export interface AccountGroupMember {
  /** The account key, lower hex. */
  readonly account: string;
  readonly devices: readonly GroupMemberInfo[];
  /** This device's own account. */
  readonly self: boolean;
}

const KIND = "account-group";

export class AccountGroups {
  readonly #groups: Groups;

  constructor(private readonly host: AccountGroupsHost) {
    this.#groups = new Groups({ ...host, self: () => toHex(host.installation().publicKey) }, KIND);
  }

  /**
   * A group of this account and the accounts of `addresses`. Control travels over a pairwise conversation with
   * each addressed device: the one held, else one started in the same commit from the address alone.
   */
  create(input: { name: string; description?: string; addresses: readonly string[] }): Promise<string> {
    return this.host.step(async () => {
      const reaches = this.#reaches(input.addresses);
      const { registry, steps, effects, control } = this.host;
      const starter = registry.starter(KIND);
      const start = starter?.lifecycle?.start;
      if (!starter || !start) throw new ClientError("no-account", "no type of groups of accounts runs");
      const request = {
        kind: KIND,
        name: input.name,
        description: input.description ?? "",
        addresses: input.addresses,
      } as const;
      return steps.unit(async (tx, plan) => {
        await control.reach(tx, plan, reaches, this.host.greeting);
        const r = await lifecycleCall(() => start(steps.context(tx, starter), request));
        await effects.apply(tx, r.effects, plan);
        return r.value.conversationId;
      });
    });
  }

  /**
   * Adds the people of `addresses` (none already in the group: `account-in-group`); an addressed device with no
   * pairwise conversation is reached from its address, as in `create`.
   */
  addPeople(conversationId: string, addresses: readonly string[]): Promise<void> {
    return this.host.step(async () => {
      const reaches = this.#reaches(addresses);
      const present = new Set((await this.members(conversationId)).map((m) => m.account));
      for (const a of addresses) {
        const parsed = parseAccountAddress(this.host.crypto, a);
        if (parsed.ok && present.has(toHex(parsed.value.deviceList.list.accountKey)))
          throw new ClientError("account-in-group", "this account is already in the group");
      }
      const reach = (tx: Transaction, plan: StepPlan) => this.host.control.reach(tx, plan, reaches, this.host.greeting);
      await this.#groups.command(conversationId, { kind: "add-accounts", addresses }, undefined, reach);
    });
  }

  /** Removes people by account key (lower hex): all their devices in one commit (`account-not-in-group`). */
  removePeople(conversationId: string, accounts: readonly string[]): Promise<void> {
    return this.host.step(async () => {
      const members = await this.members(conversationId);
      const wanted = [...new Set(accounts.map((a) => a.toLowerCase()))];
      for (const a of wanted) {
        const m = members.find((x) => x.account === a);
        if (!m) throw new ClientError("account-not-in-group", "this account is not in the group");
        if (m.self) throw new ClientError("own-account", "this device's own account leaves with leaveGroup");
      }
      await this.#groups.command(conversationId, { kind: "remove-accounts", accounts: wanted });
    });
  }

  /** The group's members grouped by account, accounts in key order. */
  async members(conversationId: string): Promise<AccountGroupMember[]> {
    const own = this.host.accountKey();
    const by = new Map<string, GroupMemberInfo[]>();
    for (const m of await this.#groups.members(conversationId))
      if (m.account !== undefined) by.set(m.account, [...(by.get(m.account) ?? []), m]);
    return [...by.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([account, devices]) => ({ account, devices, self: own !== undefined && toHex(own) === account }));
  }

  info(conversationId: string): Promise<GroupInfo> {
    return this.#groups.info(conversationId);
  }

  /** Each address's device (lower hex) and the address; throws for a bad address (AccountError), our own account, or no account. */
  #reaches(addresses: readonly string[]): Reach[] {
    const own = this.host.accountKey();
    if (!own) throw new ClientError("no-account", "this installation belongs to no account");
    return addresses.map((text) => {
      const a = parseAccountAddress(this.host.crypto, text);
      if (!a.ok) throw a.error;
      if (sameBytes(a.value.deviceList.list.accountKey, own))
        throw new ClientError("own-account", "an address of this installation's own account");
      return { peer: toHex(a.value.installationKey), text, bundleKey: a.value.ephemeralKey };
    });
  }
}
