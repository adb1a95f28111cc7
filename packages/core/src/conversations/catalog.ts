/**
 * The conversation types built into every Client, one line each (and those of a device with an account:
 * `accountTypes`): adding a type is its folder plus a line here (or, for an application's own type, `ClientOptions.types`). The Client reaches the types only through
 * this file and the registry; it never names one.
 */
import type { Clock } from "../base/clock.js";
import type { CryptoProvider, X25519KeyPair } from "../crypto/provider.js";
import type { AnyConversationTypeRuntime } from "../framework/runtime.js";
import type { SignedDeviceList } from "../identity/account/device-list.js";
import { createAccountDirectV1Runtime } from "./account-direct-v1/runtime.js";
import { createAccountGroupV1Runtime } from "./account-group-v1/runtime.js";
import { createAccountSelfV1Runtime } from "./account-self-v1/runtime.js";
import type { GroupV1Options } from "./group-v1/engine.js";
import { createGroupV1Runtime } from "./group-v1/runtime.js";
import { inboxV1 } from "./inbox-v1/runtime.js";
import { createPrivateV1Runtime } from "./private-v1/runtime.js";
import type { PrivateV1Options } from "./private-v1/session.js";

export type { GroupV1Options as GroupTypeOptions, MemberState } from "./group-v1/engine.js";
export type { OrphanEviction } from "./group-v1/orphans.js";
export { type IdentityInbox, identityInbox } from "./inbox-v1/identity.js";

/** What the built-in types are configured with. */
export interface BuiltinTypesOptions {
  readonly crypto: CryptoProvider;
  readonly clock: Clock;
  readonly identity: X25519KeyPair;
  /** The pairwise type's bounds and timers. */
  readonly pairwise: Omit<PrivateV1Options, "identity">;
  /** The group type's options. */
  readonly groups: Partial<Omit<GroupV1Options, "crypto" | "identity" | "clock">>;
}

export async function builtinTypes(o: BuiltinTypesOptions): Promise<AnyConversationTypeRuntime[]> {
  const group = { ...o.groups, crypto: o.crypto, identity: o.identity, clock: o.clock };
  return [
    inboxV1,
    createPrivateV1Runtime({ ...o.pairwise, identity: o.identity }),
    await createGroupV1Runtime(group),
  ] as AnyConversationTypeRuntime[];
}

/** What a device of an account adds to the built-in options: its account (the Client's account state). */
export interface AccountTypesOptions {
  /** The account's Ed25519 public key. */
  readonly accountKey: Uint8Array;
  /** The newest list of the account this device holds. */
  ownList(): SignedDeviceList;
  /** A type's book holds a newer list of this device's account (carried by a sibling's commit). */
  ownListLearned?(list: SignedDeviceList): void;
}

/** The types a device runs once it belongs to an account (registered at boot, or when the account is made). */
export async function accountTypes(
  o: BuiltinTypesOptions,
  account: AccountTypesOptions,
): Promise<AnyConversationTypeRuntime[]> {
  const group = { ...o.groups, crypto: o.crypto, identity: o.identity, clock: o.clock };
  return [
    await createAccountDirectV1Runtime({ ...group, ...account }),
    await createAccountGroupV1Runtime({ ...group, ...account }),
    await createAccountSelfV1Runtime({ ...group, ...account }),
  ] as AnyConversationTypeRuntime[];
}
