/**
 * The working context of the GroupV1 engine. `EngineContext` is what every step shares: the options and
 * their defaults, and what lives in memory only (the decoded-state cache, the orphan buffer, the pacing of
 * history fetches asked for by held input). `Session` is one step over one group: it reads through the
 * caller's transaction and buffers every write until `flush`, so a step that fails writes nothing.
 */
import type { CiphersuiteImpl, CiphersuiteName, ClientConfig, ClientState } from "ts-mls";
import { toHex } from "../../base/bytes.js";
import type { Clock } from "../../base/clock.js";
import type { CryptoProvider, RandomSource } from "../../crypto/provider.js";
import type { TransactionView } from "../../framework/store.js";
import { groupContentTopic } from "./address.js";
import type { GroupIdentity } from "./credential.js";
import { DueNotes, groupDue } from "./due.js";
import type { GroupEffect } from "./effects.js";
import { GroupError } from "./errors.js";
import { clientConfig, decodeState, encodeState, encodeTree, type RosterEntry, roster, suiteId } from "./mls.js";
import { DEFAULT_ORPHAN_LIMITS, type Evictions, OrphanBuffer, type OrphanLimits } from "./orphans.js";
import { Outbox } from "./outbox.js";
import { GROUP_V1_PROFILE, type GroupNamespaces, type GroupProfile, type GuardStore } from "./profile.js";
import { RecordBuffer } from "./record-buffer.js";
import {
  decodeMeta,
  encodeMeta,
  type GroupMeta,
  META_VERSION,
  metaKey,
  type NodeInfo,
  nodeKey,
  treeKey,
} from "./records.js";
import { StoredSet } from "./stored-set.js";

export interface GroupV1Options {
  readonly crypto: CryptoProvider;
  readonly identity: GroupIdentity;
  readonly clock: Clock;
  /** Ids, salts and group ids. Defaults to the provider's randomness. */
  readonly random?: RandomSource;
  readonly suite?: CiphersuiteName;
  /**
   * ts-mls crypto backend. Default "provider": hash, KDF and signatures on `crypto` (suite.ts), the rest on
   * ts-mls's noble provider; "noble" and "webcrypto" are ts-mls's own providers as they are.
   */
  readonly mlsCrypto?: "provider" | "noble" | "webcrypto";
  /** Epochs below head - finalityDepth are final: their states are deleted and competitors ignored. */
  readonly finalityDepth?: number;
  readonly maxMembers?: number;
  /** How long a commit waits for requested key packages before going ahead without the late ones. */
  readonly keyPackageTimeoutMs?: number;
  /** After a leave request, how long non-designated members wait before committing the removal themselves. */
  readonly leaveFailoverMs?: number;
  /** Minimum spacing of history fetches for one group. */
  readonly recoveryIntervalMs?: number;
  /** How long a gap may persist (history did not fill it) before asking a member for a re-welcome. */
  readonly rewelcomeAfterMs?: number;
  /**
   * How long a message of a losing branch waits for the removal it waits for (resend.ts) before it is given up
   * as lost: the remover re-commits at its next step, so a wait this long means it never will.
   */
  readonly removalWaitMs?: number;
  /** After any activity, how long `tick` keeps polling history for tail losses (every recoveryIntervalMs). */
  readonly tailRecoveryMs?: number;
  /** Largest commit published; adds beyond it are split into further commits (default fits a Waku message). */
  readonly maxCommitBytes?: number;
  /** Bounds of the in-memory orphan buffer (orphans.ts; defaults DEFAULT_ORPHAN_LIMITS). */
  readonly orphans?: Partial<OrphanLimits>;
  /** A type built on this engine (profile.ts); GroupV1's own by default. */
  readonly profile?: GroupProfile;
}

/** Caps of the bounded id sets (stored-set.ts) and of the meta record's bounded lists. */
export const CAPS = { seen: 4096, processed: 4096, echoes: 512, recent: 8, missing: 256 };
export const MLS_VERSION = "mls10" as const;

/** States decoded in this process, keyed by conversation, epoch id and revision. */
export class StateCache {
  private readonly map = new Map<string, ClientState>();
  constructor(private readonly limit: number) {}
  get(key: string): ClientState | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, state: ClientState): void {
    this.map.set(key, state);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value!);
  }
}

/** The engine's settings and its memory-only parts, shared by every step. */
export class EngineContext {
  readonly cache = new StateCache(256);
  /** Messages waiting for an epoch we cannot read yet: memory only (orphans.ts). */
  readonly orphans: OrphanBuffer;
  /** Last history fetch per group asked for by a held message (not stored: held input writes nothing). */
  readonly heldRecovery = new Map<string, number>();
  /** When each group a step wrote is next due (due.ts), for the runtime to keep with the step's commit. */
  readonly due = new DueNotes();
  /** Re-welcome requests sent per group since start (recovery.ts: each asks the next member). */
  readonly rewelcomeAsked = new Map<string, number>();
  readonly config: ClientConfig;
  readonly self: string;
  readonly random: RandomSource;
  readonly finality: number;
  readonly maxMembers: number;
  readonly kpTimeout: number;
  readonly leaveFailover: number;
  readonly recoveryInterval: number;
  readonly rewelcomeAfter: number;
  readonly removalWait: number;
  readonly tailWindow: number;
  readonly maxCommitBytes: number;
  readonly profile: GroupProfile;
  private revCounter = 0;
  private readonly revPrefix: string;

  constructor(
    readonly options: GroupV1Options,
    readonly suite: CiphersuiteImpl,
    readonly suiteName: CiphersuiteName,
  ) {
    this.random = options.random ?? ((n) => options.crypto.randomBytes(n));
    this.finality = options.finalityDepth ?? 8;
    this.maxMembers = options.maxMembers ?? 1000;
    this.kpTimeout = options.keyPackageTimeoutMs ?? 30_000;
    this.leaveFailover = options.leaveFailoverMs ?? 10_000;
    this.recoveryInterval = options.recoveryIntervalMs ?? 5_000;
    this.rewelcomeAfter = options.rewelcomeAfterMs ?? 60_000;
    this.removalWait = options.removalWaitMs ?? 60_000;
    this.tailWindow = options.tailRecoveryMs ?? 30_000;
    // 150 KiB Waku message minus room for the envelope, the hint and the GroupV1Message wrapper.
    this.maxCommitBytes = options.maxCommitBytes ?? 150 * 1024 - 1024;
    this.profile = options.profile ?? GROUP_V1_PROFILE;
    this.config = clientConfig(options.crypto, 2, this.profile.credential);
    this.self = toHex(options.identity.publicKey);
    this.revPrefix = toHex(this.random(6));
    this.orphans = new OrphanBuffer({ ...DEFAULT_ORPHAN_LIMITS, ...options.orphans });
  }

  get ns(): GroupNamespaces {
    return this.profile.namespaces;
  }

  nextRev(): string {
    return `${this.revPrefix}.${(this.revCounter++).toString(36)}`;
  }

  get crypto(): CryptoProvider {
    return this.options.crypto;
  }

  now(): number {
    return this.options.clock.now();
  }

  shortHash(bytes: Uint8Array): string {
    return toHex(this.crypto.blake2b(bytes, { dkLen: 16 }));
  }

  contentTopic(conversationId: string): string {
    return groupContentTopic(this.crypto, conversationId);
  }
}

/** One step over one group: reads through the transaction, buffers every write until `flush`. */
export class Session {
  readonly effects: GroupEffect[] = [];
  /** Records other than the meta record and epoch states, written at `flush`. */
  readonly records: RecordBuffer;
  readonly outbox: Outbox;
  /** Delivered message ids (ours included): exactly once across re-sends. */
  readonly seen: StoredSet;
  /** Hashes of processed GroupV1Message payloads and commits: replays are skipped. */
  readonly processed: StoredSet;
  /** Hashes of our own published payloads: echoes are skipped. */
  readonly echoes: StoredSet;
  private readonly states = new Map<string, ClientState>();
  private readonly dirty = new Set<string>();
  private readonly deleted = new Set<string>();
  private readonly newTrees = new Set<string>();
  /** Own key packages to delete once the step succeeds. */
  readonly usedKeyPackages = new Set<string>();
  /** Set by `tick`: its time-driven work has just run (due.ts). */
  ticked = false;
  constructor(
    readonly ctx: EngineContext,
    readonly tx: TransactionView,
    readonly meta: GroupMeta,
  ) {
    this.records = new RecordBuffer(tx);
    this.outbox = new Outbox(this.records, meta, ctx.ns.outbox);
    const set = (name: "seen" | "processed" | "echoes", cap: number) =>
      new StoredSet(this.records, meta.sets, name, meta.conversationId, cap, ctx.ns.ids);
    this.seen = set("seen", CAPS.seen);
    this.processed = set("processed", CAPS.processed);
    this.echoes = set("echoes", CAPS.echoes);
    // A version 1-3 record: its lists move into their records when this step writes (never before).
    const legacy = meta.legacy;
    if (legacy) {
      delete meta.legacy;
      this.outbox.adopt(legacy.outbox);
      this.seen.adopt(legacy.seen);
      this.processed.adopt(legacy.commits);
      this.echoes.adopt(legacy.echoes);
    }
  }

  get cid(): string {
    return this.meta.conversationId;
  }

  node(id: string): NodeInfo | undefined {
    return this.meta.nodes.find((n) => n.id === id);
  }

  headNode(): NodeInfo {
    const n = this.node(this.meta.head);
    if (!n) throw new GroupError("bad-state", "group has no head epoch");
    return n;
  }

  async state(id: string): Promise<ClientState> {
    const own = this.states.get(id);
    if (own) return own;
    const info = this.node(id);
    if (!info || info.removed) throw new GroupError("bad-state", "no state for this epoch");
    const cacheKey = `${this.cid}/${id}/${info.rev}`;
    const cached = this.ctx.cache.get(cacheKey);
    if (cached) return cached;
    const ns = this.ctx.ns.meta;
    const bytes = await this.tx.get(ns, nodeKey(this.cid, id));
    const tree = await this.tx.get(ns, treeKey(this.cid, id));
    const state = bytes && tree && decodeState(bytes, tree, this.ctx.config);
    if (!state) throw new GroupError("bad-state", "stored epoch state is missing or undecodable");
    this.ctx.cache.set(cacheKey, state);
    return state;
  }

  /** The roster of the head epoch. */
  async headRoster(): Promise<RosterEntry[]> {
    return roster(await this.state(this.meta.head));
  }

  setState(id: string, state: ClientState): void {
    this.states.set(id, state);
    this.dirty.add(id);
    this.deleted.delete(id);
  }

  addNode(info: Omit<NodeInfo, "rev">, state?: ClientState): void {
    this.meta.nodes.push({ ...info, rev: "" });
    if (state) {
      this.setState(info.id, state);
      this.newTrees.add(info.id);
    }
  }

  /** Gives a known epoch without state (one we were removed in, or past that) the state we now hold for it. */
  reviveNode(id: string, committer: string, state: ClientState): void {
    this.meta.nodes = this.meta.nodes.map((n) => (n.id === id ? { ...n, removed: false, committer } : n));
    this.setState(id, state);
    this.newTrees.add(id);
  }

  dropNode(id: string): void {
    this.meta.nodes = this.meta.nodes.filter((n) => n.id !== id);
    this.states.delete(id);
    this.dirty.delete(id);
    this.newTrees.delete(id);
    this.deleted.add(id);
  }

  emit(effect: GroupEffect): void {
    this.effects.push(effect);
  }

  /** Reports orphans the buffer dropped unread. */
  reportEvictions(evicted: Evictions): void {
    for (const [conversationId, counts] of evicted)
      for (const [reason, count] of counts) this.emit({ kind: "orphans-evicted", conversationId, reason, count });
  }

  /** The roster guard's records, through this step's buffer. */
  guardStore(): GuardStore {
    const ns = this.ctx.profile.guard?.namespace ?? "";
    return { get: (key) => this.records.get(ns, key), put: (key, value) => this.records.put(ns, key, value) };
  }

  /** Whether the step changed nothing: no effect, no pending write, and the record still encodes as `stored`. */
  unchanged(stored: Uint8Array): boolean {
    if (this.effects.length > 0 || this.dirty.size > 0 || this.deleted.size > 0) return false;
    if (this.usedKeyPackages.size > 0 || !this.records.empty) return false;
    const now = encodeMeta(this.meta);
    return now.length === stored.length && now.every((b, i) => b === stored[i]);
  }

  /** Notes when the group is next due (due.ts) for the step's commit. */
  noteDue(): void {
    this.ctx.due.note(this.tx, this.cid, groupDue(this, this.ticked));
  }

  /** Writes everything into the transaction. Only called once the step has fully succeeded. */
  flush(): GroupEffect[] {
    const NS = this.ctx.ns.meta;
    for (const id of this.dirty) {
      const state = this.states.get(id)!;
      const rev = this.ctx.nextRev();
      this.meta.nodes = this.meta.nodes.map((n) => (n.id === id ? { ...n, rev } : n));
      this.tx.put(NS, nodeKey(this.cid, id), encodeState(state));
      if (this.newTrees.has(id)) this.tx.put(NS, treeKey(this.cid, id), encodeTree(state));
      this.ctx.cache.set(`${this.cid}/${id}/${rev}`, state);
    }
    for (const id of this.deleted) {
      this.tx.delete(NS, nodeKey(this.cid, id));
      this.tx.delete(NS, treeKey(this.cid, id));
    }
    for (const ref of this.usedKeyPackages) this.tx.delete(this.ctx.ns.kp, ref);
    this.records.flush();
    this.tx.put(NS, metaKey(this.cid), encodeMeta(this.meta));
    this.noteDue();
    return this.effects;
  }
}

/** Conversation ids of every stored group (whatever its status). */
export async function listGroups(tx: TransactionView, ns: GroupNamespaces): Promise<string[]> {
  return (await tx.scan(ns.meta, { prefix: "meta/" })).map((e) => e.key.slice(5));
}

export async function loadMeta(tx: TransactionView, ns: GroupNamespaces, cid: string): Promise<GroupMeta | undefined> {
  const bytes = await tx.get(ns.meta, metaKey(cid));
  return bytes ? decodeMeta(bytes) : undefined;
}

export async function openSession(ctx: EngineContext, tx: TransactionView, cid: string): Promise<Session> {
  const meta = await loadMeta(tx, ctx.ns, cid);
  if (!meta) throw new GroupError("unknown-group", "no such group");
  return new Session(ctx, tx, meta);
}

export async function activeSession(ctx: EngineContext, tx: TransactionView, cid: string): Promise<Session> {
  const s = await openSession(ctx, tx, cid);
  if (s.meta.status !== "active") throw new GroupError("not-a-member", "not an active member of this group");
  return s;
}

/** The record of a group we are about to create or join. */
export function newMeta(ctx: EngineContext, cid: string): GroupMeta {
  return {
    version: META_VERSION,
    conversationId: cid,
    suite: suiteId(ctx.suiteName),
    self: ctx.self,
    status: "active",
    head: "",
    nodes: [],
    confirmed: [],
    intents: [],
    outboxEpochs: [],
    outboxSeq: 0,
    sets: { seen: 0, processed: 0, echoes: 0 },
    lamport: 0,
    recent: [],
    missing: [],
    leaving: [],
    lastRecovery: 0,
    announced: [],
    keyPackageJoins: [],
    createdAt: ctx.now(),
  };
}
