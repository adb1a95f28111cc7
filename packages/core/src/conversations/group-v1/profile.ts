/**
 * What a conversation type built on the GroupV1 engine may set differently from GroupV1 itself (AccountDirectV1,
 * docs/ACCOUNTS.md §3): the store namespaces its groups live in, how a member's MLS credential binds its keys,
 * a tag that starts every group id (so the two types' ids never collide), and a roster guard that checks every
 * commit and Welcome. GroupV1 is the default profile: its stored bytes and wire are unchanged by this file.
 */
import type { ClientState, Extension } from "ts-mls";
import type { CryptoProvider } from "../../crypto/provider.js";
import { bindCredential, type GroupIdentity, verifyCredential } from "./credential.js";
import { IDS_NS, KP_NS, NS, OUTBOX_NS } from "./records.js";

/** The four namespaces of a group engine (records.ts describes what each holds). */
export interface GroupNamespaces {
  readonly meta: string;
  readonly kp: string;
  readonly outbox: string;
  readonly ids: string;
}

export const GROUP_V1_NAMESPACES: GroupNamespaces = { meta: NS, kp: KP_NS, outbox: OUTBOX_NS, ids: IDS_NS };

/** The four namespaces of a type built on the engine, under its own prefix (`<prefix>-g`, `-kp`, `-out`, `-ids`). */
export function groupNamespaces(prefix: string): GroupNamespaces {
  return { meta: `${prefix}-g`, kp: `${prefix}-kp`, outbox: `${prefix}-out`, ids: `${prefix}-ids` };
}

/** How a leaf's BasicCredential identity binds the MLS signature key to an installation key. */
export interface MemberCredential {
  bind(crypto: CryptoProvider, identity: GroupIdentity, signaturePublicKey: Uint8Array): Uint8Array;
  /** The installation key the credential names, or undefined when it does not verify. Never throws. */
  verify(
    crypto: CryptoProvider,
    credentialIdentity: Uint8Array,
    signaturePublicKey: Uint8Array,
  ): Uint8Array | undefined;
}

export const GROUP_V1_CREDENTIAL: MemberCredential = { bind: bindCredential, verify: verifyCredential };

/** The guard's own records, read and written through the step's buffer (written only if the step succeeds). */
export interface GuardStore {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): void;
}

/**
 * A rule every roster must satisfy beyond MLS's own checks. A refusal is a code of the type's decoding tree;
 * a commit or Welcome refused writes nothing.
 */
export interface RosterGuard {
  /** Its namespace (for `GuardStore`). */
  readonly namespace: string;
  /** Group context extensions it keeps; every member's key package must support them. */
  readonly extensionTypes: readonly number[];
  /**
   * A commit from `parent` (committed by the member at `committerLeaf`) to `next`, or, without `parent`, a
   * group joined by Welcome (`next`) or created. Undefined when allowed.
   */
  check(
    store: GuardStore,
    parent: ClientState | undefined,
    next: ClientState,
    committerLeaf: number | undefined,
  ): Promise<string | undefined>;
  /**
   * An application message from the member at `senderLeaf` of `state` (optional): a refusal code, e.g. for a
   * device its account's newest list no longer holds (a revoked device not yet removed). Undefined when allowed.
   */
  checkSender?(store: GuardStore, state: ClientState, senderLeaf: number): Promise<string | undefined>;
  /**
   * The extensions of its types a commit must carry, given the credential identities of every member after
   * it (the current roster and the members being added).
   */
  extensions(store: GuardStore, credentials: readonly Uint8Array[]): Promise<Extension[]>;
}

export interface GroupProfile {
  /** The registered type whose conversations these groups are (their `ConversationRef.type`). */
  readonly typeName: string;
  readonly namespaces: GroupNamespaces;
  readonly credential: MemberCredential;
  /** Prepended to the 16 random bytes of a new group id. */
  readonly groupIdTag: Uint8Array;
  readonly guard?: RosterGuard;
}

export const GROUP_V1_PROFILE: GroupProfile = {
  typeName: "GroupV1",
  namespaces: GROUP_V1_NAMESPACES,
  credential: GROUP_V1_CREDENTIAL,
  groupIdTag: new Uint8Array(0),
};
