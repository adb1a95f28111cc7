/**
 * What GroupV1 persists, and how. Namespace `group-v1`:
 * - `meta/{conversation id}`: the GroupMeta record below (JSON, bytes as hex), small and rewritten per step.
 *   Version 3 keeps the joins that hold one of our key packages as typed records (`keyPackageJoins`); versions
 *   1 and 2 kept them as `"kp:<ref>:<epoch>"` strings among `announced`, converted when read. Since version 2
 *   the record holds no orphans: nothing authenticates them yet, so they live in memory (orphans.ts). Version 1
 *   (no `version` field) kept them here; decoding it drops them (start-up fetches the topic's history, which
 *   brings them back if they were genuine);
 * - `node/{conversation id}/{epoch id}`: one encoded MLS GroupState per known epoch, without its tree
 *   (ts-mls encoding), and `tree/{conversation id}/{epoch id}`: that epoch's ratchet tree.
 * Namespace `group-v1-kp`: `{key package ref}` = our own key packages with their private keys, until used.
 * Everything a restart needs is here: no MLS state lives only in memory.
 */
import { fromUtf8, utf8 } from "../../base/bytes.js";
import type { EpochNode } from "./fork-choice.js";

export const NS = "group-v1";
export const KP_NS = "group-v1-kp";
export const metaKey = (cid: string) => `meta/${cid}`;
export const nodeKey = (cid: string, epochId: string) => `node/${cid}/${epochId}`;
export const treeKey = (cid: string, epochId: string) => `tree/${cid}/${epochId}`;

export interface NodeInfo extends EpochNode {
  /**
   * We are not a member in this epoch and hold no MLS state for it: the commit that made it removed us, or it
   * lies past such an epoch (known from `new_epoch_ref`). (A `removalAdopted` flag that an earlier version
   * stored in the meta record is ignored.)
   */
  readonly removed: boolean;
  /** Identity of the member whose commit made this epoch ("" for roots). */
  readonly committer: string;
  /** Changes whenever the stored MLS state changes; keys the in-memory decode cache. */
  readonly rev: string;
}

/** A change this member wants in the group, kept until it is final on the canonical chain. */
export type Intent = IntentBody & {
  /** The head epoch where the change was first seen in effect; cleared if that branch loses. */
  readonly satisfiedAt?: string;
  readonly satisfiedEpoch?: bigint;
};

export type IntentBody =
  | {
      readonly kind: "add";
      readonly identity: string;
      readonly requestId: string;
      /** Encoded KeyPackage (hex), once received. */
      readonly keyPackage?: string;
      readonly since: number;
    }
  | { readonly kind: "remove"; readonly identity: string; readonly since: number }
  | { readonly kind: "readd"; readonly identity: string; readonly keyPackage: string; readonly since: number }
  | { readonly kind: "metadata"; readonly name: string; readonly description: string; readonly since: number };

export interface OutboxEntry {
  readonly messageId: string;
  /** Encoded SdsMessage (hex): re-encrypted as is if its epoch loses the fork choice. */
  readonly plaintext: string;
  /**
   * The epoch it was last encrypted in. Its roster is who may read the message (resend.ts): the sender's
   * roster when it sent, or a subset after a re-send.
   */
  readonly epochId: string;
  readonly epoch: bigint;
  /** Set while the message waits for its branch's removals to be re-applied on the head (resend.ts). */
  readonly waitingSince?: number;
}

export type GroupStatus = "active" | "removed" | "left";

export const META_VERSION = 3;

/**
 * A join by Welcome with one of our key packages. The key package stays until every join with it is final:
 * a Welcome re-sent after a lost fork reuses it, for a join at another epoch.
 */
export interface KeyPackageJoin {
  /** KeyPackageRef of our key package (lower hex): its key in namespace `group-v1-kp`. */
  readonly ref: string;
  /** Epoch number of the Welcome's epoch. */
  readonly epoch: bigint;
}

export interface GroupMeta {
  readonly version: typeof META_VERSION;
  readonly conversationId: string;
  readonly suite: number;
  readonly self: string;
  status: GroupStatus;
  head: string;
  nodes: NodeInfo[];
  /** Members known to have processed their Welcome (sent something in the group). */
  confirmed: string[];
  intents: Intent[];
  outbox: OutboxEntry[];
  /** Recently delivered message ids (exactly-once delivery across re-sends). */
  seen: string[];
  /** Hashes of processed messages (GroupV1Message payloads) and commits: replays are skipped. */
  commits: string[];
  /** Hashes of our own published payloads (echo filter). */
  echoes: string[];
  lamport: number;
  /** Last message ids, carried as SDS causal history. */
  recent: string[];
  /** Ids referenced by others' causal history that we never received, with first-noticed time. */
  missing: { id: string; since: number }[];
  /**
   * Members that asked to leave, with the time we learned it and the signature key (hex) of the leaf that
   * asked: a request only removes that leaf, never the member's leaf after it was added again. (Records
   * written before `key` existed hold no key; such a request applies to any leaf of the member.)
   */
  leaving: { identity: string; since: number; key?: string }[];
  lastRecovery: number;
  /** Last send, receive or commit (drives the tail-loss history polling). */
  lastActivity?: number;
  /** Joined announcements already queued, by epoch id of the welcome. */
  announced: string[];
  /** Joins that keep one of our key packages (version 3; earlier versions kept them in `announced`). */
  keyPackageJoins: KeyPackageJoin[];
  createdAt: number;
}

export function encodeMeta(meta: GroupMeta): Uint8Array {
  // Epoch numbers are bigints; they travel as {"$big": "<decimal>"} so no user string can be mistaken for one.
  return utf8(JSON.stringify(meta, (_k, v) => (typeof v === "bigint" ? { $big: v.toString() } : v)));
}

/** Total: undefined for anything that is not a meta record of version 1, 2 or 3 (1 and 2 are upgraded). */
export function decodeMeta(bytes: Uint8Array): GroupMeta | undefined {
  const text = fromUtf8(bytes);
  if (text === undefined) return undefined;
  try {
    const raw = JSON.parse(text, (_k, v) =>
      v !== null && typeof v === "object" && typeof v.$big === "string" && /^\d+$/.test(v.$big) ? BigInt(v.$big) : v,
    ) as (Omit<GroupMeta, "version"> & { version?: number; orphans?: unknown }) | null;
    if (typeof raw?.conversationId !== "string" || !Array.isArray(raw.nodes) || typeof raw.head !== "string")
      return undefined;
    if (!Array.isArray(raw.announced)) return undefined;
    // Version 1 stored unauthenticated orphans here: they are dropped, never loaded.
    const { orphans: _dropped, ...rest } = raw;
    if (raw.version === undefined || raw.version === 2)
      return { ...rest, version: META_VERSION, ...splitAnnounced(raw.announced) };
    if (raw.version !== META_VERSION) return undefined;
    if (!Array.isArray(raw.keyPackageJoins) || !raw.keyPackageJoins.every(isKeyPackageJoin)) return undefined;
    return { ...rest, version: META_VERSION };
  } catch {
    return undefined;
  }
}

function isKeyPackageJoin(j: unknown): j is KeyPackageJoin {
  const r = j as Partial<KeyPackageJoin> | null;
  return typeof r?.ref === "string" && /^[0-9a-f]+$/.test(r.ref) && typeof r.epoch === "bigint";
}

/**
 * Versions 1 and 2 kept key-package joins as `"kp:<ref>:<epoch>"` among the announced epoch ids. Such a string
 * that does not parse matched nothing there either (it was never released): it is dropped.
 */
function splitAnnounced(announced: readonly unknown[]): Pick<GroupMeta, "announced" | "keyPackageJoins"> {
  const out: Pick<GroupMeta, "announced" | "keyPackageJoins"> = { announced: [], keyPackageJoins: [] };
  for (const a of announced) {
    if (typeof a !== "string") continue;
    if (!a.startsWith("kp:")) out.announced.push(a);
    else {
      const join = decodeLegacyJoin(a);
      if (join) out.keyPackageJoins.push(join);
    }
  }
  return out;
}

/** Total: the key-package join of a version-1 or 2 `"kp:<ref>:<epoch>"` entry, undefined if it is not one. */
export function decodeLegacyJoin(entry: string): KeyPackageJoin | undefined {
  const m = /^kp:([0-9a-f]+):(\d+)$/.exec(entry);
  return m ? { ref: m[1]!, epoch: BigInt(m[2]!) } : undefined;
}

export function pushCapped<T>(list: T[], item: T, cap: number): void {
  list.push(item);
  if (list.length > cap) list.splice(0, list.length - cap);
}
