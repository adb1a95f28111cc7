/**
 * `Client.account`: this installation's account (docs/ACCOUNTS.md). Creating one makes this device the primary
 * (it holds the account key) and signs list version 1 with it; a device named by a list of an account adopts
 * that list (linking, §4, will hand it over after the confirmation words). The account's types run once the
 * account exists (catalog.ts `accountTypes`); its conversations start from an account address.
 */
import { toHex } from "../base/bytes.js";
import { accountTypes, type BuiltinTypesOptions } from "../conversations/catalog.js";
import type { Content } from "../conversations/content/types.js";
import type { CryptoProvider } from "../crypto/provider.js";
import type { Registry } from "../framework/registry.js";
import type { Transaction } from "../framework/store.js";
import { type AccountKey, createAccountKey } from "../identity/account/account-key.js";
import { encodeAccountAddress, makeAccountAddress, parseAccountAddress } from "../identity/account/address.js";
import {
  addDevice,
  decodeSignedDeviceList,
  encodeSignedDeviceList,
  isDeviceName,
  removeDevice,
  type SignedDeviceList,
  signDeviceList,
} from "../identity/account/device-list.js";
import { AccountError } from "../identity/account/errors.js";
import { sameBytes } from "../identity/account/keys.js";
import { encodeRecoveryCode } from "../identity/account/recovery-code.js";
import { parseIntroBundle } from "../identity/intro-bundle.js";
import { AccountGroups } from "./account-groups.js";
import { ClientSelf } from "./account-self.js";
import { ACCOUNT_KEY, ACCOUNT_NS, type AccountState, decodeAccountState, encodeAccountState } from "./account-state.js";
import type { Control } from "./control.js";
import type { EffectApplier } from "./effects.js";
import { ClientError, lifecycleCall } from "./errors.js";
import { Groups } from "./groups.js";
import { ClientLink, type PendingLink } from "./link.js";
import type { HistoryRecord } from "./records.js";
import type { StateCache } from "./state-cache.js";
import { cached, type Steps } from "./step.js";
import type { GroupInfo, GroupMemberInfo } from "./types.js";

export interface AccountHost {
  readonly crypto: CryptoProvider;
  readonly registry: Registry;
  readonly states: StateCache<unknown>;
  readonly steps: Steps;
  readonly effects: EffectApplier;
  readonly control: Control;
  now(): number;
  /** This installation's keys. */
  installation(): { readonly publicKey: Uint8Array; readonly secretKey: Uint8Array };
  /** Runs `fn` as one serial step of the Client. */
  step<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * The account's list changed: every conversation of these types is due at once (their wake holds the newest
   * list and moves the roster to it).
   */
  listChanged(types: readonly string[]): void;
  /** `Client.introBundle()`: its bundle key is the one an address carries; `fresh` for a link code's own. */
  introBundle(options?: { fresh?: boolean }): Promise<string>;
  /** Content in the application's codecs (the link conversation's first message). */
  encodeContent(content: Content): Uint8Array;
  /** Appends to a conversation's history in `tx` (a linked device's history slice). */
  addHistory(tx: Transaction, conversationId: string, record: HistoryRecord): string;
  /** Messages per conversation in a linked device's history slice. */
  readonly linkHistoryMessages: number;
}

export interface AccountDevice {
  /** Installation key, lower hex. */
  readonly installationKey: string;
  readonly name: string;
  readonly addedAt: number;
  /** This installation. */
  readonly self: boolean;
}

export interface AccountInfo {
  /** The account's Ed25519 public key, lower hex. */
  readonly accountKey: string;
  /** This device holds the account key (it signs the device lists). */
  readonly primary: boolean;
  readonly version: bigint;
  readonly devices: readonly AccountDevice[];
}

export class ClientAccount {
  #state: AccountState | undefined;
  #types: BuiltinTypesOptions | undefined;
  /** The account's registered types (their conversations follow the list). */
  readonly #typeNames: string[] = [];

  /** Linking over the network (link.ts): `linkCode`, `linkWords` on the new device, `beginLink` on the primary. */
  readonly link: ClientLink;
  /** Groups of people with their devices (account-groups.ts). */
  readonly groups: AccountGroups;
  /** What the account's devices share over their own group (account-self.ts): markers, conversations, names. */
  readonly self: ClientSelf;
  /** Queries on conversations with another account (AccountDirectV1). */
  readonly #direct: Groups;

  constructor(private readonly host: AccountHost) {
    this.#direct = new Groups({ ...host, self: () => toHex(host.installation().publicKey) }, "account");
    this.groups = new AccountGroups({
      ...host,
      accountKey: () => this.#state?.accountKey,
      greeting: () => this.#greeting(),
    });
    this.self = new ClientSelf({
      ...host,
      ns: ACCOUNT_NS,
      account: () => this.#state,
      sliceMessages: host.linkHistoryMessages,
    });
    this.link = new ClientLink(host, {
      ns: ACCOUNT_NS,
      current: () => this.#state,
      stage: (tx, plan, next) => {
        tx.put(ACCOUNT_NS, ACCOUNT_KEY, encodeAccountState(next));
        plan.after.push(() => void this.#adopted(next));
      },
    });
  }

  /** New device: the link code to show the primary (docs/ACCOUNTS.md §4). */
  linkCode(): Promise<string> {
    return this.link.linkCode();
  }

  /** Primary: starts linking the device of `code`; the words to compare, then `confirm()` or `cancel()`. */
  beginLink(code: string): Promise<PendingLink> {
    return this.link.beginLink(code);
  }

  /** New device: the six words of the link conversation the primary started. */
  linkWords(conversationId: string): Promise<readonly string[]> {
    return this.link.linkWords(conversationId);
  }

  /** At boot, before conversations resume: the stored account, and its types registered. */
  async load(types: BuiltinTypesOptions): Promise<void> {
    this.#types = types;
    const bytes = await this.host.steps.store.get(ACCOUNT_NS, ACCOUNT_KEY);
    if (bytes === undefined) return;
    this.#state = decodeAccountState(this.host.crypto, bytes);
    await this.#register();
  }

  /**
   * Creates an account with this installation as its primary and only device (list version 1). Returns the
   * recovery code, shown once: it is the only copy of the account key outside this device.
   */
  create(options: { deviceName?: string } = {}): Promise<{ accountKey: string; recoveryCode: string }> {
    const name = options.deviceName ?? "primary";
    if (!isDeviceName(name)) return Promise.reject(new AccountError("device-list-malformed", "not a device name"));
    return this.host.step(async () => {
      if (this.#state) throw new ClientError("account-exists", "this installation already belongs to an account");
      const key = createAccountKey(this.host.crypto);
      const device = { installationKey: this.host.installation().publicKey, name, addedAt: this.host.now() };
      const list = signDeviceList(this.host.crypto, key, 1n, [device]);
      await this.#save({ accountKey: key.publicKey, signer: key, list });
      return { accountKey: toHex(key.publicKey), recoveryCode: encodeRecoveryCode(this.host.crypto, key) };
    });
  }

  /** The account, or undefined when this installation belongs to none. */
  async info(): Promise<AccountInfo | undefined> {
    const s = this.#state;
    if (!s) return undefined;
    const self = toHex(this.host.installation().publicKey);
    const devices = s.list.list.devices.map((d) => ({
      installationKey: toHex(d.installationKey),
      name: d.name,
      addedAt: d.addedAt,
      self: toHex(d.installationKey) === self,
    }));
    return { accountKey: toHex(s.accountKey), primary: s.signer !== undefined, version: s.list.list.version, devices };
  }

  /** This device's account address (text): the newest list it holds and its current intro bundle key. */
  async address(): Promise<string> {
    this.#require();
    const bundle = parseIntroBundle(this.host.crypto, await this.host.introBundle());
    const s = this.#require();
    if (!bundle.ok) throw bundle.error;
    const { secretKey } = this.host.installation();
    return encodeAccountAddress(makeAccountAddress(this.host.crypto, secretKey, bundle.bundle.ephemeralKey, s.list));
  }

  /**
   * Starts the conversation of this account with the account of `address`: one group of every device of both
   * (the addressed device adds its siblings). Control travels over a PrivateV1 conversation with the addressed
   * device: the one held, else one started in the same commit from the address alone (an InboxV1 handshake to
   * the address's bundle key, which its device signed for the account), with `first` as its first message
   * (default: this account's display name as a profile, else a short text). Throws AccountError for a bad
   * address.
   */
  startConversation(address: string, first?: Content | string): Promise<{ conversationId: string }> {
    const parsed = parseAccountAddress(this.host.crypto, address);
    if (!parsed.ok) return Promise.reject(parsed.error);
    const { registry, steps, effects, control } = this.host;
    return this.host.step(async () => {
      if (sameBytes(this.#require().accountKey, parsed.value.deviceList.list.accountKey))
        throw new ClientError("own-account", "this address is of this installation's own account");
      const starter = registry.starter("account");
      const start = starter?.lifecycle?.start;
      if (!starter || !start) throw new ClientError("no-account", "no account conversation type runs");
      const conversationId = await steps.unit(async (tx, plan) => {
        const { installationKey, ephemeralKey } = parsed.value;
        const reach = { peer: toHex(installationKey), text: address, bundleKey: ephemeralKey };
        await control.reach(tx, plan, [reach], () => this.#greeting(first));
        const r = await lifecycleCall(() => start(steps.context(tx, starter), { kind: "account", address }));
        await effects.apply(tx, r.effects, plan);
        return r.value.conversationId;
      });
      return { conversationId };
    });
  }

  /** The first message of a pairwise conversation started from an address alone. */
  async #greeting(first?: Content | string): Promise<Uint8Array> {
    if (typeof first === "string") return this.host.encodeContent({ kind: "text", text: first });
    if (first) return this.host.encodeContent(first);
    const displayName = await this.self.displayName();
    return this.host.encodeContent(
      displayName !== undefined
        ? { kind: "profile", displayName }
        : { kind: "text", text: "Starting a conversation between our accounts" },
    );
  }

  /**
   * The devices in a conversation with another account at this device's head epoch: exactly who can read what
   * it sends now (a device added by a commit this one has not seen yet cannot). ClientError `not-a-group` for a
   * conversation of another type.
   */
  members(conversationId: string): Promise<GroupMemberInfo[]> {
    return this.#direct.members(conversationId);
  }

  /** Status and head epoch of a conversation with another account (its `epochId` is equal where devices agree). */
  conversationInfo(conversationId: string): Promise<GroupInfo> {
    return this.#direct.info(conversationId);
  }

  /**
   * On the primary: signs the next list with one more device. Every conversation of the account adds it at its
   * next sweep; the returned `SignedDeviceList` bytes are what the new device adopts (`adoptList`).
   */
  addDevice(installationKey: Uint8Array, name: string): Promise<Uint8Array> {
    const device = { installationKey, name, addedAt: this.host.now() };
    return this.#sign((s, signer) => addDevice(this.host.crypto, signer, s.list.list, device));
  }

  /**
   * On the primary: signs the next list without a device (a lost one, §5). Every conversation of the account
   * removes it at its next sweep, then carries the newer list; it reads nothing sent after its removal. Returns
   * the new list's `SignedDeviceList` bytes. The primary cannot revoke itself (it holds the account key).
   */
  removeDevice(installationKey: Uint8Array): Promise<Uint8Array> {
    if (sameBytes(installationKey, this.host.installation().publicKey))
      return Promise.reject(new ClientError("not-on-account-list", "the primary stays on its own list"));
    return this.#sign((s, signer) => removeDevice(this.host.crypto, signer, s.list.list, installationKey));
  }

  /** One step: the next list signed by the account key, committed as the account's newest. */
  #sign(next: (s: AccountState, signer: AccountKey) => SignedDeviceList): Promise<Uint8Array> {
    return this.host.step(async () => {
      const s = this.#require();
      if (!s.signer) throw new ClientError("not-account-primary", "only the device holding the account key signs");
      const list = next(s, s.signer);
      await this.#save({ ...s, list });
      return encodeSignedDeviceList(list);
    });
  }

  /**
   * Takes a newer list of this device's account (or, on a device of no account yet, makes it a linked device
   * of the list's account). The list must name this device; an older one or a fork is refused, and a refusal
   * changes nothing.
   */
  adoptList(signedList: Uint8Array): Promise<void> {
    return this.host.step(async () => {
      const s = this.#state;
      const r = decodeSignedDeviceList(this.host.crypto, signedList, s?.accountKey);
      if (!r.ok) throw r.error;
      const self = this.host.installation().publicKey;
      if (!r.value.list.devices.some((d) => sameBytes(d.installationKey, self)))
        throw new ClientError("not-on-account-list", "the list does not name this device");
      if (s) {
        const held = s.list.list.version;
        if (r.value.list.version === held && sameBytes(r.value.bytes, s.list.bytes)) return;
        if (r.value.list.version === held) throw new AccountError("device-list-fork", "another list of this version");
        if (r.value.list.version < held) throw new AccountError("device-list-rollback", "older than the list held");
      }
      await this.#save({ accountKey: r.value.list.accountKey, ...(s?.signer && { signer: s.signer }), list: r.value });
    });
  }

  #require(): AccountState {
    if (!this.#state) throw new ClientError("no-account", "this installation belongs to no account");
    return this.#state;
  }

  /** One commit; then the state in memory, and the account's types on the first save. */
  async #save(next: AccountState): Promise<void> {
    await this.host.steps.store.commit([
      { op: "put", ns: ACCOUNT_NS, key: ACCOUNT_KEY, value: encodeAccountState(next) },
    ]);
    await this.#adopted(next);
  }

  /** After a commit of `next`: the state in memory, and the account's types on the first one. */
  async #adopted(next: AccountState): Promise<void> {
    const first = this.#state === undefined;
    this.#state = next;
    if (first) await this.#register();
    else this.host.listChanged(this.#typeNames);
  }

  /**
   * A type's book took a newer list of this account from a sibling's commit (a device linked or revoked on the
   * primary): this record takes it too, in a step of its own after the one that learned it, so `info()`, the
   * address and the types' own list follow the account. A list that no longer names this device (it was revoked)
   * or a fork is refused there and changes nothing.
   */
  #learned(list: SignedDeviceList): void {
    const held = this.#state?.list.list.version;
    if (held === undefined || list.list.version <= held || this.#state?.signer) return;
    this.adoptList(encodeSignedDeviceList(list)).catch(() => {});
  }

  async #register(): Promise<void> {
    const s = this.#state;
    if (!s || !this.#types) return;
    const account = {
      accountKey: s.accountKey,
      ownList: () => this.#state?.list ?? s.list,
      ownListLearned: (list: SignedDeviceList) => this.#learned(list),
    };
    for (const t of await accountTypes(this.#types, account)) {
      this.host.registry.register(cached(t, this.host.states), { yieldCapabilities: true });
      this.#typeNames.push(t.spec.name);
    }
  }
}
