/**
 * What GroupV1 persists, and how. Namespace `group-v1`:
 * - `meta/{conversation id}`: the GroupMeta record below (JSON, bytes as hex), small and rewritten per step:
 *   nothing in it grows with the number of messages (version 4). Versions 1 to 3 kept the outbox and the
 *   seen, processed and echo ids here, so every step rewrote the whole history; reading one of them hands
 *   those lists over as `legacy` and the step that writes the record moves them into the records below.
 *   Version 3 keeps the joins that hold one of our key packages as typed records (`keyPackageJoins`);
 *   versions 1 and 2 kept them as `"kp:<ref>:<epoch>"` strings among `announced`, converted when read. Since
 *   version 2 the record holds no orphans: nothing authenticates them yet, so they live in memory
 *   (orphans.ts). Version 1 (no `version` field) kept them here; decoding it drops them (start-up fetches the
 *   topic's history, which brings them back if they were genuine);
 * - `node/{conversation id}/{epoch id}`: one encoded MLS GroupState per known epoch, without its tree
 *   (ts-mls encoding), and `tree/{conversation id}/{epoch id}`: that epoch's ratchet tree.
 * Namespace `group-v1-out`: `{conversation id}/{epoch id}/{seq}` = one sent message kept for re-sending
 * (OutboxEntry, JSON), deleted when its epoch is final (outbox.ts); the meta record counts them per epoch.
 * Namespace `group-v1-ids`: the bounded sets of recent ids (seen message ids, processed and echoed payload
 * hashes) as records, a ring of slots per set (stored-set.ts).
 * Namespace `group-v1-kp`: `{key package ref}` = our own key packages with their private keys, until used.
 * Everything a restart needs is here: no MLS state lives only in memory.
 */
import { fromUtf8, utf8 } from "../../base/bytes.js";
import type { EpochNode } from "./fork-choice.js";

export const NS = "group-v1";
export const KP_NS = "group-v1-kp";
export const OUTBOX_NS = "group-v1-out";
export const IDS_NS = "group-v1-ids";
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
  | {
      readonly kind: "readd";
      readonly identity: string;
      readonly keyPackage: string;
      readonly since: number;
      /**
       * The signature key (hex) of the leaf the member asked to leave behind. Any fresh leaf for it, from
       * whoever committed it, or its removal, ends the request (absent in records written before it).
       */
      readonly staleKey?: string;
    }
  | { readonly kind: "metadata"; readonly name: string; readonly description: string; readonly since: number };

export interface OutboxEntry {
  /** Order of sending within the group (re-sends keep it): entries are re-sent in this order. */
  readonly seq: number;
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

/** How many outbox entries are stored with one epoch, and how many of them wait (outbox.ts). */
export interface OutboxEpoch {
  readonly epochId: string;
  readonly epoch: bigint;
  readonly count: number;
  readonly waiting: number;
}

/** The bounded id sets kept as records (stored-set.ts), by name: how many ids each has taken in. */
export interface SetCounters {
  seen: number;
  processed: number;
  echoes: number;
}

/** What versions 1 to 3 kept inside the meta record and version 4 keeps as records of their own. */
export interface LegacyLists {
  readonly outbox: readonly Omit<OutboxEntry, "seq">[];
  readonly seen: readonly string[];
  readonly commits: readonly string[];
  readonly echoes: readonly string[];
}

export const META_VERSION = 4;

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
  /** The outbox by epoch (its entries are records in OUTBOX_NS); bounded by the epochs that are not final. */
  outboxEpochs: OutboxEpoch[];
  /** Next outbox `seq`. */
  outboxSeq: number;
  /**
   * Recently delivered message ids (exactly-once delivery across re-sends), hashes of processed messages
   * (GroupV1Message payloads) and commits (replays are skipped), hashes of our own published payloads (echo
   * filter): sets kept as records (stored-set.ts); here, how many ids each has taken in.
   */
  sets: SetCounters;
  /** Lists of a version 1-3 record, not yet moved into their records (never encoded). */
  legacy?: LegacyLists;
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

/**
 * JSON with bigints as {"$big": "<decimal>"}, so no user string can be mistaken for one. The bigints are
 * swapped in and out by a walk rather than a replacer and reviver: those call back for every value of the
 * 10 KB record every step reads and writes, which was most of what GroupV1 adds to a message (issue 17).
 */
export function encodeJson(value: unknown): Uint8Array {
  return utf8(JSON.stringify(bigsOut(value)));
}

/** Total: the value of `encodeJson` bytes, undefined for anything else. */
export function decodeJson(bytes: Uint8Array): unknown {
  const text = fromUtf8(bytes);
  if (text === undefined) return undefined;
  try {
    return bigsIn(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** `value` with every bigint as {"$big": …}; what holds none is returned as it is (no copy). */
function bigsOut(value: unknown): unknown {
  if (typeof value === "bigint") return { $big: value.toString() };
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = bigsOut(value[i]);
      if (v === value[i]) continue;
      out ??= value.slice();
      out[i] = v;
    }
    return out ?? value;
  }
  if (value === null || typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, x] of Object.entries(value)) {
    const v = bigsOut(x);
    if (v === x) continue;
    out ??= { ...value };
    own(out, k, v);
  }
  return out ?? value;
}

/** Parsed JSON with every {"$big": "<decimal>"} object as its bigint (in place). */
function bigsIn(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = bigsIn(value[i]);
    return value;
  }
  if (value === null || typeof value !== "object") return value;
  const o = value as Record<string, unknown>;
  for (const [k, x] of Object.entries(o)) {
    const v = bigsIn(x);
    if (v !== x) own(o, k, v);
  }
  return typeof o.$big === "string" && /^\d+$/.test(o.$big) ? BigInt(o.$big) : o;
}

/**
 * Sets an own property, whatever its name: a key "__proto__" stays a plain key, as JSON.parse made it (defined,
 * not assigned; only then, since defining a property makes V8 keep the object in its slower dictionary form).
 */
function own(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === "__proto__")
    Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

export function encodeMeta(meta: GroupMeta): Uint8Array {
  const { legacy: _moved, ...stored } = meta;
  return encodeJson(stored);
}

type RawMeta = Omit<GroupMeta, "version"> &
  Partial<LegacyLists> & { version?: number; orphans?: unknown; outbox?: Omit<OutboxEntry, "seq">[] };

/** Total: undefined for anything that is not a meta record of version 1 to 4 (1 to 3 are upgraded). */
export function decodeMeta(bytes: Uint8Array): GroupMeta | undefined {
  const raw = decodeJson(bytes) as RawMeta | null | undefined;
  if (typeof raw?.conversationId !== "string" || !Array.isArray(raw.nodes) || typeof raw.head !== "string")
    return undefined;
  if (!Array.isArray(raw.announced)) return undefined;
  // Version 1 stored unauthenticated orphans here: they are dropped, never loaded.
  const { orphans: _dropped, outbox, seen, commits, echoes, ...rest } = raw;
  if (raw.version === undefined || raw.version === 2 || raw.version === 3) {
    const lists = { outbox: outbox ?? [], seen: seen ?? [], commits: commits ?? [], echoes: echoes ?? [] };
    if (!Object.values(lists).every(Array.isArray) || !lists.outbox.every(isLegacyEntry)) return undefined;
    const joins = raw.version === 3 ? { announced: raw.announced, keyPackageJoins: raw.keyPackageJoins } : undefined;
    if (joins && (!Array.isArray(joins.keyPackageJoins) || !joins.keyPackageJoins.every(isKeyPackageJoin)))
      return undefined;
    const empty = Object.values(lists).every((l) => l.length === 0);
    return {
      ...rest,
      version: META_VERSION,
      ...(joins ?? splitAnnounced(raw.announced)),
      outboxEpochs: [],
      outboxSeq: 0,
      sets: { seen: 0, processed: 0, echoes: 0 },
      ...(empty ? {} : { legacy: lists }),
    };
  }
  if (raw.version !== META_VERSION) return undefined;
  if (!Array.isArray(raw.keyPackageJoins) || !raw.keyPackageJoins.every(isKeyPackageJoin)) return undefined;
  if (!Array.isArray(raw.outboxEpochs) || !raw.outboxEpochs.every(isOutboxEpoch)) return undefined;
  if (!Number.isSafeInteger(raw.outboxSeq) || !isSetCounters(raw.sets)) return undefined;
  return { ...rest, version: META_VERSION };
}

function isLegacyEntry(e: unknown): e is Omit<OutboxEntry, "seq"> {
  const r = e as Partial<OutboxEntry> | null;
  return (
    typeof r?.messageId === "string" &&
    typeof r.plaintext === "string" &&
    /^([0-9a-f]{2})*$/.test(r.plaintext) &&
    typeof r.epochId === "string" &&
    typeof r.epoch === "bigint"
  );
}

/** Total: an outbox record (`outbox.ts`), undefined for anything else. */
export function decodeOutboxEntry(bytes: Uint8Array): OutboxEntry | undefined {
  const e = decodeJson(bytes) as Partial<OutboxEntry> | undefined;
  if (!isLegacyEntry(e) || !Number.isSafeInteger((e as Partial<OutboxEntry>).seq)) return undefined;
  if (e.waitingSince !== undefined && typeof e.waitingSince !== "number") return undefined;
  return e as OutboxEntry;
}

function isOutboxEpoch(e: unknown): e is OutboxEpoch {
  const r = e as Partial<OutboxEpoch> | null;
  return (
    typeof r?.epochId === "string" &&
    typeof r.epoch === "bigint" &&
    Number.isSafeInteger(r.count) &&
    Number.isSafeInteger(r.waiting)
  );
}

function isSetCounters(c: unknown): c is SetCounters {
  const r = c as Partial<SetCounters> | null;
  return Number.isSafeInteger(r?.seen) && Number.isSafeInteger(r?.processed) && Number.isSafeInteger(r?.echoes);
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
