/**
 * The GroupV1 engine: MLS groups (ts-mls) with fork-free membership, exactly-once delivery and full
 * persistence. Pure with respect to persistence: every entry point reads through the caller's
 * transaction (a `TransactionView`: it never commits), computes in memory, and only on success writes the whole new state back into that
 * transaction; the caller commits it, then routes the returned effects (publish, pairwise control frames,
 * app events). A message that fails anywhere leaves the stored state untouched.
 *
 * Design (docs/GROUPS.md): every member keeps the tree of recent epochs it can validate; the head is chosen
 * by a pure fork-choice rule (fork-choice.ts); a member whose change lost re-commits it on the head; a
 * member whose application message was sent on a losing branch re-sends it (same message id, receivers
 * deduplicate).
 */
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  type CiphersuiteImpl,
  type CiphersuiteName,
  type ClientConfig,
  type ClientState,
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeMlsMessage,
  defaultLifetime,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  type KeyPackage,
  type PrivateMessage,
  type Proposal,
  processPrivateMessage,
  type Welcome,
} from "ts-mls";
import { nextEpochContext } from "ts-mls/clientState.js";
import { decodeKeyPackage, encodeKeyPackage, makeKeyPackageRef, verifyKeyPackage } from "ts-mls/keyPackage.js";
import { unprotectPrivateMessage } from "ts-mls/messageProtection.js";
import { fromHex, toHex } from "../../base/bytes.js";
import type { Clock } from "../../base/clock.js";
import type { CryptoProvider, RandomSource } from "../../crypto/provider.js";
import { saltedHint } from "../../framework/hints.js";
import type { TransactionView } from "../../framework/store.js";
import { EncryptedPayloadSchema } from "../../wire/gen/logoschat/encryption/encryption_pb.js";
import { EnvelopeV1Schema } from "../../wire/gen/logoschat/envelope/envelope_pb.js";
import {
  type GroupAppFrame,
  GroupAppFrameSchema,
  type GroupControlFrame,
  GroupControlFrameSchema,
  GroupV1MessageSchema,
} from "../../wire/gen/logoschat/group/group_v1_pb.js";
import { SdsMessageSchema } from "../../wire/gen/logoschat/sds/sds_pb.js";
import { conversationIdFromGroupId, GROUP_ID_BYTES, groupContentTopic } from "./address.js";
import { bindCredential, type GroupIdentity, verifyCredential } from "./credential.js";
import type { GroupEffect, HeldReason } from "./effects.js";
import { GroupError } from "./errors.js";
import { canonicalChain, chooseHead } from "./fork-choice.js";
import { joinFromWelcome } from "./join.js";
import { decodeMetadata, encodeMetadata, type GroupMetadata, METADATA_EXTENSION_TYPE } from "./metadata.js";
import {
  capabilities,
  clientConfig,
  DEFAULT_SUITE,
  decodeState,
  encodeState,
  encodeTree,
  epochId,
  loadSuite,
  ownLeafIndex,
  type RosterEntry,
  roster,
  suiteId,
} from "./mls.js";
import { DEFAULT_ORPHAN_LIMITS, type Evictions, type Orphan, OrphanBuffer, type OrphanLimits } from "./orphans.js";
import {
  decodeMeta,
  encodeMeta,
  type GroupMeta,
  type Intent,
  type IntentBody,
  KP_NS,
  META_VERSION,
  metaKey,
  type NodeInfo,
  NS,
  nodeKey,
  type OutboxEntry,
  pushCapped,
  treeKey,
} from "./records.js";
import { type ResendView, resendOutbox, waitingChanges } from "./resend.js";
import type { GroupV1Reason } from "./spec.js";

export interface GroupV1Options {
  readonly crypto: CryptoProvider;
  readonly identity: GroupIdentity;
  readonly clock: Clock;
  /** Ids, salts and group ids. Defaults to the provider's randomness. */
  readonly random?: RandomSource;
  readonly suite?: CiphersuiteName;
  /** ts-mls crypto backend (default "noble": synchronous, measured faster than its WebCrypto provider). */
  readonly mlsCrypto?: "noble" | "webcrypto";
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
  /** After any activity, how long `tick` keeps polling history for tail losses (every recoveryIntervalMs). */
  readonly tailRecoveryMs?: number;
  /** Largest commit published; adds beyond it are split into further commits (default fits a Waku message). */
  readonly maxCommitBytes?: number;
  /** Bounds of the in-memory orphan buffer (orphans.ts; defaults DEFAULT_ORPHAN_LIMITS). */
  readonly orphans?: Partial<OrphanLimits>;
}

/** How one message ended: only `processed` wrote anything (held and duplicate input leaves the store as is). */
type Ingested = "processed" | "held" | "duplicate";

export type MemberState = "member" | "pending" | "invited";

export interface GroupMember {
  /** Identity public key, lower hex. */
  readonly identity: string;
  readonly state: MemberState;
  readonly self: boolean;
}

export interface GroupSummary extends GroupMetadata {
  readonly conversationId: string;
  readonly contentTopic: string;
  readonly status: GroupMeta["status"];
  readonly epoch: bigint;
  readonly epochId: string;
}

const CAPS = { seen: 4096, processed: 4096, echoes: 512, recent: 8, missing: 256 };
const MLS_VERSION = "mls10" as const;
/** Epochs a removed member follows from one parent on the word of a clear `new_epoch_ref` (unauthenticated). */
const MAX_STATELESS_CHILDREN = 2;

/** States decoded in this process, keyed by conversation, epoch id and revision. */
class StateCache {
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

/** One step over one group: reads through the transaction, buffers every write until `flush`. */
class Session {
  readonly effects: GroupEffect[] = [];
  private readonly states = new Map<string, ClientState>();
  private readonly dirty = new Set<string>();
  private readonly deleted = new Set<string>();
  private readonly newTrees = new Set<string>();
  /** Own key packages to delete once the step succeeds. */
  readonly usedKeyPackages = new Set<string>();
  constructor(
    readonly engine: GroupV1Engine,
    readonly tx: TransactionView,
    readonly meta: GroupMeta,
  ) {}

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
    const cached = this.engine.cache.get(cacheKey);
    if (cached) return cached;
    const bytes = await this.tx.get(NS, nodeKey(this.cid, id));
    const tree = await this.tx.get(NS, treeKey(this.cid, id));
    const state = bytes && tree && decodeState(bytes, tree, this.engine.config);
    if (!state) throw new GroupError("bad-state", "stored epoch state is missing or undecodable");
    this.engine.cache.set(cacheKey, state);
    return state;
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

  /** Writes everything into the transaction. Only called once the step has fully succeeded. */
  flush(): GroupEffect[] {
    for (const id of this.dirty) {
      const state = this.states.get(id)!;
      const rev = this.engine.nextRev();
      this.meta.nodes = this.meta.nodes.map((n) => (n.id === id ? { ...n, rev } : n));
      this.tx.put(NS, nodeKey(this.cid, id), encodeState(state));
      if (this.newTrees.has(id)) this.tx.put(NS, treeKey(this.cid, id), encodeTree(state));
      this.engine.cache.set(`${this.cid}/${id}/${rev}`, state);
    }
    for (const id of this.deleted) {
      this.tx.delete(NS, nodeKey(this.cid, id));
      this.tx.delete(NS, treeKey(this.cid, id));
    }
    for (const ref of this.usedKeyPackages) this.tx.delete(KP_NS, ref);
    this.tx.put(NS, metaKey(this.cid), encodeMeta(this.meta));
    return this.effects;
  }
}

export class GroupV1Engine {
  readonly cache = new StateCache(256);
  /** Messages waiting for an epoch we cannot read yet: memory only (orphans.ts). */
  readonly orphans: OrphanBuffer;
  /** Last history fetch per group asked for by a held message (not stored: held input writes nothing). */
  private readonly heldRecovery = new Map<string, number>();
  readonly config: ClientConfig;
  readonly self: string;
  private revCounter = 0;
  private readonly revPrefix: string;
  private readonly random: RandomSource;
  private readonly finality: number;
  private readonly maxMembers: number;
  private readonly kpTimeout: number;
  private readonly leaveFailover: number;
  private readonly recoveryInterval: number;
  private readonly rewelcomeAfter: number;
  private readonly tailWindow: number;
  private readonly maxCommitBytes: number;

  private constructor(
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
    this.tailWindow = options.tailRecoveryMs ?? 30_000;
    // 150 KiB Waku message minus room for the envelope, the hint and the GroupV1Message wrapper.
    this.maxCommitBytes = options.maxCommitBytes ?? 150 * 1024 - 1024;
    this.config = clientConfig(options.crypto, 2);
    this.self = toHex(options.identity.publicKey);
    this.revPrefix = toHex(this.random(6));
    this.orphans = new OrphanBuffer({ ...DEFAULT_ORPHAN_LIMITS, ...options.orphans });
  }

  static async create(options: GroupV1Options): Promise<GroupV1Engine> {
    const name = options.suite ?? DEFAULT_SUITE;
    return new GroupV1Engine(options, await loadSuite(name, options.mlsCrypto), name);
  }

  nextRev(): string {
    return `${this.revPrefix}.${(this.revCounter++).toString(36)}`;
  }

  private get crypto(): CryptoProvider {
    return this.options.crypto;
  }

  private now(): number {
    return this.options.clock.now();
  }

  private shortHash(bytes: Uint8Array): string {
    return toHex(this.crypto.blake2b(bytes, { dkLen: 16 }));
  }

  contentTopic(conversationId: string): string {
    return groupContentTopic(this.crypto, conversationId);
  }

  // ---------------------------------------------------------------- key packages

  /**
   * A fresh key package (RFC 9420 MLSMessage bytes) whose credential binds a new MLS signature key to our
   * identity. Its private keys are stored in the transaction until a Welcome uses them.
   */
  async createKeyPackage(tx: TransactionView): Promise<Uint8Array> {
    const sig = await this.suite.signature.keygen();
    const credential = {
      credentialType: "basic" as const,
      identity: bindCredential(this.crypto, this.options.identity, sig.publicKey),
    };
    // No expiry: ts-mls checks lifetimes against the wall clock (not our injected one), and freshness comes
    // from the protocol instead: a key package is made on request and travels over an authenticated channel.
    const kp = await generateKeyPackageWithKey(credential, capabilities(), defaultLifetime, [], sig, this.suite);
    const ref = toHex(await makeKeyPackageRef(kp.publicPackage, this.suite.hash));
    const record = {
      kp: toHex(encodeKeyPackage(kp.publicPackage)),
      init: toHex(kp.privatePackage.initPrivateKey),
      hpke: toHex(kp.privatePackage.hpkePrivateKey),
      sig: toHex(kp.privatePackage.signaturePrivateKey),
    };
    tx.put(KP_NS, ref, new TextEncoder().encode(JSON.stringify(record)));
    return encodeMlsMessage({ version: MLS_VERSION, wireformat: "mls_key_package", keyPackage: kp.publicPackage });
  }

  /** Decodes and fully checks a key package: suite, signature, credential binding (and its identity). */
  private async checkKeyPackage(bytes: Uint8Array, expectedIdentity?: string): Promise<KeyPackage> {
    let kp: KeyPackage | undefined;
    try {
      const m = decodeMlsMessage(bytes, 0);
      if (m && m[1] === bytes.length && m[0].wireformat === "mls_key_package") kp = m[0].keyPackage;
    } catch {
      kp = undefined;
    }
    if (!kp) throw new GroupError("bad-key-package", "not an MLS key package");
    if (kp.cipherSuite !== this.suiteName) throw new GroupError("bad-key-package", "key package uses another suite");
    if (!(await verifyKeyPackage(kp, this.suite.signature)))
      throw new GroupError("bad-key-package", "key package signature is invalid");
    const cred = kp.leafNode.credential;
    const identity =
      cred.credentialType === "basic"
        ? verifyCredential(this.crypto, cred.identity, kp.leafNode.signaturePublicKey)
        : undefined;
    if (!identity) throw new GroupError("bad-credential", "key package credential does not verify");
    if (expectedIdentity !== undefined && toHex(identity) !== expectedIdentity)
      throw new GroupError("bad-credential", "key package belongs to another identity");
    return kp;
  }

  private identityOfKeyPackage(kp: KeyPackage): string {
    const cred = kp.leafNode.credential;
    return cred.credentialType === "basic" ? toHex(cred.identity.subarray(0, 32)) : "";
  }

  // ---------------------------------------------------------------- loading

  private async load(tx: TransactionView, cid: string): Promise<GroupMeta | undefined> {
    const bytes = await tx.get(NS, metaKey(cid));
    return bytes ? decodeMeta(bytes) : undefined;
  }

  private async session(tx: TransactionView, cid: string): Promise<Session> {
    const meta = await this.load(tx, cid);
    if (!meta) throw new GroupError("unknown-group", "no such group");
    return new Session(this, tx, meta);
  }

  private newMeta(cid: string): GroupMeta {
    return {
      version: META_VERSION,
      conversationId: cid,
      suite: suiteId(this.suiteName),
      self: this.self,
      status: "active",
      head: "",
      nodes: [],
      confirmed: [],
      intents: [],
      outbox: [],
      seen: [],
      commits: [],
      echoes: [],
      lamport: 0,
      recent: [],
      missing: [],
      leaving: [],
      lastRecovery: 0,
      announced: [],
      createdAt: this.now(),
    };
  }

  async listGroups(tx: TransactionView): Promise<string[]> {
    return (await tx.scan(NS, { prefix: "meta/" })).map((e) => e.key.slice(5));
  }

  // ---------------------------------------------------------------- queries

  async members(tx: TransactionView, cid: string): Promise<GroupMember[]> {
    const s = await this.session(tx, cid);
    const out: GroupMember[] = [];
    const head = s.node(s.meta.head);
    if (head && !head.removed && s.meta.status === "active") {
      for (const r of roster(await s.state(head.id))) {
        const pending = !s.meta.confirmed.includes(r.identity) && r.identity !== this.self;
        out.push({ identity: r.identity, state: pending ? "pending" : "member", self: r.identity === this.self });
      }
    }
    for (const i of s.meta.intents)
      if (i.kind === "add" && i.satisfiedAt === undefined && !out.some((m) => m.identity === i.identity))
        out.push({ identity: i.identity, state: "invited", self: false });
    return out;
  }

  async summary(tx: TransactionView, cid: string): Promise<GroupSummary> {
    const s = await this.session(tx, cid);
    const head = s.node(s.meta.head) ?? { id: "", epoch: -1n, removed: true };
    let meta: GroupMetadata = { name: "", description: "" };
    if (!head.removed) {
      const ext = (await s.state(head.id)).groupContext.extensions.find(
        (e) => e.extensionType === METADATA_EXTENSION_TYPE,
      );
      meta = (ext && decodeMetadata(ext.extensionData)) ?? meta;
    }
    return {
      ...meta,
      conversationId: cid,
      contentTopic: this.contentTopic(cid),
      status: s.meta.status,
      epoch: head.epoch,
      epochId: head.id,
    };
  }

  // ---------------------------------------------------------------- commands

  /**
   * Creates a group. Members whose key packages are given are added in the group's first commit; for
   * `invite` identities a key package is requested over the pairwise conversation first, and all of them
   * are added together in ONE commit once their key packages arrive (or after keyPackageTimeoutMs).
   */
  async createGroup(
    tx: TransactionView,
    input: { name?: string; description?: string; keyPackages?: Uint8Array[]; invite?: string[] },
  ): Promise<{ conversationId: string; effects: GroupEffect[] }> {
    const kps = await Promise.all((input.keyPackages ?? []).map((b) => this.checkKeyPackage(b)));
    const inviteCount = new Set([...(input.invite ?? []), ...kps.map((k) => this.identityOfKeyPackage(k))]).size;
    if (inviteCount + 1 > this.maxMembers) throw new GroupError("too-many-members", "group would exceed maxMembers");
    const groupId = this.random(GROUP_ID_BYTES);
    const cid = conversationIdFromGroupId(groupId);
    const ownKp = await this.createKeyPackage(tx);
    const own = await this.takeOwnKeyPackage(tx, ownKp);
    const metaExt = {
      extensionType: METADATA_EXTENSION_TYPE,
      extensionData: encodeMetadata({ name: input.name ?? "", description: input.description ?? "" }),
    };
    const state = await createGroup(groupId, own.publicPackage, own.privatePackage, [metaExt], this.suite, this.config);
    const meta = this.newMeta(cid);
    const s = new Session(this, tx, meta);
    const id = epochId(this.crypto, state);
    s.addNode({ id, parent: "", epoch: state.groupContext.epoch, removed: false, committer: this.self }, state);
    meta.head = id;
    const now = this.now();
    for (const kp of kps)
      meta.intents.push({
        kind: "add",
        identity: this.identityOfKeyPackage(kp),
        requestId: "",
        keyPackage: toHex(encodeKeyPackage(kp)),
        since: now,
      });
    this.requestKeyPackages(s, input.invite ?? []);
    s.emit({ kind: "subscribe", conversationId: cid, contentTopic: this.contentTopic(cid) });
    await this.reconcile(s);
    return { conversationId: cid, effects: s.flush() };
  }

  /** Invites identities: requests their key packages over the pairwise conversations, then adds them. */
  async invite(tx: TransactionView, cid: string, identities: string[]): Promise<GroupEffect[]> {
    const s = await this.activeSession(tx, cid);
    const ros = await this.headRoster(s);
    this.refuseMembers(ros, identities);
    this.checkCapacity(s, ros, identities.length);
    this.requestKeyPackages(s, identities);
    await this.reconcile(s);
    return s.flush();
  }

  /** Adds members whose key packages the caller already holds, in one commit. */
  async addMembers(tx: TransactionView, cid: string, keyPackages: Uint8Array[]): Promise<GroupEffect[]> {
    const s = await this.activeSession(tx, cid);
    const kps = await Promise.all(keyPackages.map((b) => this.checkKeyPackage(b)));
    const ros = await this.headRoster(s);
    this.refuseMembers(
      ros,
      kps.map((kp) => this.identityOfKeyPackage(kp)),
    );
    this.checkCapacity(s, ros, kps.length);
    for (const kp of kps)
      this.setIntent(s, {
        kind: "add",
        identity: this.identityOfKeyPackage(kp),
        requestId: "",
        keyPackage: toHex(encodeKeyPackage(kp)),
        since: this.now(),
      });
    await this.reconcile(s);
    return s.flush();
  }

  async removeMembers(tx: TransactionView, cid: string, identities: string[]): Promise<GroupEffect[]> {
    if (identities.includes(this.self)) throw new GroupError("invalid-argument", "use leave() to remove yourself");
    const s = await this.activeSession(tx, cid);
    for (const identity of identities) this.setIntent(s, { kind: "remove", identity, since: this.now() });
    await this.reconcile(s);
    return s.flush();
  }

  async setMetadata(tx: TransactionView, cid: string, meta: GroupMetadata): Promise<GroupEffect[]> {
    const s = await this.activeSession(tx, cid);
    s.meta.intents = s.meta.intents.filter((i) => i.kind !== "metadata");
    s.meta.intents.push({ kind: "metadata", name: meta.name, description: meta.description, since: this.now() });
    await this.reconcile(s);
    return s.flush();
  }

  /**
   * Leaves: asks the group (an authenticated LeaveRequest) to remove us, then forgets every epoch secret at
   * once. MLS does not let a member commit its own removal; the lowest-index other member commits it, and
   * any member does after leaveFailoverMs, the fork choice keeping those competing commits safe.
   */
  async leave(tx: TransactionView, cid: string): Promise<GroupEffect[]> {
    const s = await this.activeSession(tx, cid);
    await this.sendFrame(s, { case: "leaveRequest", value: {} });
    s.meta.status = "left";
    s.meta.intents = [];
    this.reportLost(s, (o) => o.waitingSince !== undefined);
    s.meta.outbox = [];
    for (const n of [...s.meta.nodes]) s.dropNode(n.id);
    this.reportEvictions(s, this.orphans.clear(cid));
    s.emit({ kind: "left", conversationId: cid });
    return s.flush();
  }

  /** Sends application content (an encoded ContentFrame) to the group. */
  async send(
    tx: TransactionView,
    cid: string,
    content: Uint8Array,
  ): Promise<{ messageId: string; effects: GroupEffect[] }> {
    const s = await this.activeSession(tx, cid);
    const messageId = await this.sendFrame(s, { case: "content", value: content });
    return { messageId, effects: s.flush() };
  }

  private async activeSession(tx: TransactionView, cid: string): Promise<Session> {
    const s = await this.session(tx, cid);
    if (s.meta.status !== "active") throw new GroupError("not-a-member", "not an active member of this group");
    return s;
  }

  private async headRoster(s: Session): Promise<RosterEntry[]> {
    return roster(await s.state(s.meta.head));
  }

  private checkCapacity(s: Session, ros: RosterEntry[], adding: number): void {
    const invited = s.meta.intents.filter((i) => i.kind === "add").length;
    if (ros.length + invited + adding > this.maxMembers)
      throw new GroupError("too-many-members", "group would exceed maxMembers");
  }

  /**
   * Adding someone already in the head roster would do nothing; say so at once instead. (A member whose leave
   * is not committed yet is still in the roster: it can be added again once its removal is.)
   */
  private refuseMembers(ros: RosterEntry[], identities: string[]): void {
    for (const identity of identities)
      if (ros.some((r) => r.identity === identity))
        throw new GroupError("already-a-member", "already a member of this group (at the head epoch)");
  }

  /**
   * Records a membership change: the newest intent about a member replaces every older one about it, so a
   * member removed (or who left) and added again is not held back by the finished removal, nor by the add
   * that brought it in the first time (both stay until final, and would otherwise swallow the new request).
   */
  private setIntent(s: Session, intent: Extract<IntentBody, { kind: "add" | "remove" }>): void {
    s.meta.intents = s.meta.intents.filter((i) => i.kind === "metadata" || i.identity !== intent.identity);
    s.meta.intents.push(intent);
  }

  private requestKeyPackages(s: Session, identities: string[]): void {
    for (const identity of identities) {
      const pending = (i: Intent) => i.kind === "add" && i.identity === identity && i.satisfiedAt === undefined;
      if (identity === this.self || s.meta.intents.some(pending)) continue;
      const requestId = `${s.cid}:${toHex(this.random(8))}`;
      this.setIntent(s, { kind: "add", identity, requestId, since: this.now() });
      this.control(s, identity, {
        case: "keyPackageRequest",
        value: { requestId, conversationId: s.cid, cipherSuite: suiteId(this.suiteName) },
      });
    }
  }

  private control(s: Session, to: string, control: MessageInitShape<typeof GroupControlFrameSchema>["control"]): void {
    const frame = toBinary(GroupControlFrameSchema, create(GroupControlFrameSchema, { control }));
    s.emit({ kind: "control", conversationId: s.cid, to, frame });
  }

  // ---------------------------------------------------------------- sending

  private async sendFrame(
    s: Session,
    frameType: MessageInitShape<typeof GroupAppFrameSchema>["frameType"],
  ): Promise<string> {
    const messageId = toHex(this.random(16));
    const frame = create(GroupAppFrameSchema, { timestamp: BigInt(this.now()), frameType });
    s.meta.lamport += 1;
    const sds = create(SdsMessageSchema, {
      senderId: this.self,
      messageId,
      channelId: s.cid,
      lamportTimestamp: BigInt(s.meta.lamport),
      causalHistory: s.meta.recent.map((id) => ({ messageId: id })),
      content: toBinary(GroupAppFrameSchema, frame),
    });
    const plaintext = toBinary(SdsMessageSchema, sds);
    const head = s.headNode();
    pushCapped(s.meta.seen, messageId, CAPS.seen);
    pushCapped(s.meta.recent, messageId, CAPS.recent);
    s.meta.outbox.push({ messageId, plaintext: toHex(plaintext), epochId: head.id, epoch: head.epoch });
    s.meta.lastActivity = this.now();
    await this.encryptAndPublish(s, plaintext);
    return messageId;
  }

  /** Encrypts in `epochId` (default: the head), whose roster is exactly who can read it. */
  private async encryptAndPublish(s: Session, plaintext: Uint8Array, epochId = s.meta.head): Promise<void> {
    const r = await createApplicationMessage(await s.state(epochId), plaintext, this.suite);
    s.setState(epochId, r.newState);
    const bytes = encodeMlsMessage({
      version: MLS_VERSION,
      wireformat: "mls_private_message",
      privateMessage: r.privateMessage,
    });
    this.publish(s, epochId, bytes);
  }

  /** `newEpochRef`: for a commit, the epoch it creates (lets members removed by that branch follow it). */
  private publish(s: Session, epochRef: string, mlsMessage: Uint8Array, newEpochRef?: string): void {
    const gm = toBinary(
      GroupV1MessageSchema,
      create(GroupV1MessageSchema, {
        epochRef: fromHex(epochRef)!,
        mlsMessage,
        newEpochRef: newEpochRef ? fromHex(newEpochRef)! : new Uint8Array(),
      }),
    );
    pushCapped(s.meta.echoes, this.shortHash(gm), CAPS.echoes);
    const saltBytes = this.random(8);
    const salt = new DataView(saltBytes.buffer, saltBytes.byteOffset, 8).getBigUint64(0, false);
    const envelope = create(EnvelopeV1Schema, {
      conversationHint: saltedHint(this.crypto, salt, s.cid),
      salt,
      payload: toBinary(
        EncryptedPayloadSchema,
        create(EncryptedPayloadSchema, { encryption: { case: "plaintext", value: { payload: gm } } }),
      ),
    });
    s.emit({
      kind: "publish",
      conversationId: s.cid,
      contentTopic: this.contentTopic(s.cid),
      payload: toBinary(EnvelopeV1Schema, envelope),
    });
  }

  // ---------------------------------------------------------------- receiving

  /**
   * Handles one GroupV1Message (the `EncryptedPayload.plaintext.payload` of an envelope addressed to this
   * group). Rejected input yields a single `rejected` effect and writes nothing; so does input for an epoch
   * we cannot read yet (a `held` effect: it waits in memory), and a replay.
   */
  async receive(tx: TransactionView, cid: string, groupMessage: Uint8Array): Promise<GroupEffect[]> {
    const meta = await this.load(tx, cid);
    if (!meta || meta.status === "left") return [];
    const s = new Session(this, tx, meta);
    try {
      // Replays and own echoes (common: history fetches, relays) cost one hash and write nothing.
      if (this.alreadyHandled(s, groupMessage)) return [];
      // Nothing authenticated happened: the step's effects (held, evictions, a history fetch) but no write.
      if ((await this.ingest(s, groupMessage)) !== "processed") return s.effects;
      await this.reconcile(s);
      return s.flush();
    } catch (e) {
      return [{ kind: "rejected", conversationId: cid, reason: receiveReason(e) }];
    }
  }

  private alreadyHandled(s: Session, payload: Uint8Array): boolean {
    const hash = this.shortHash(payload);
    return s.meta.echoes.includes(hash) || s.meta.commits.includes(hash) || this.orphans.has(s.cid, hash);
  }

  private async ingest(s: Session, payload: Uint8Array): Promise<Ingested> {
    const hash = this.shortHash(payload);
    // Own echoes and replays (history fetches, duplicates) are skipped before any decryption.
    if (s.meta.echoes.includes(hash) || s.meta.commits.includes(hash)) return "duplicate";
    let ref: string;
    let newRef: string;
    let pm: PrivateMessage;
    let mlsBytes: Uint8Array;
    try {
      const gm = fromBinary(GroupV1MessageSchema, payload);
      const m = decodeMlsMessage(gm.mlsMessage, 0);
      if (!m || m[1] !== gm.mlsMessage.length || m[0].wireformat !== "mls_private_message") throw new Error();
      ref = toHex(gm.epochRef);
      newRef = gm.newEpochRef.length === 16 ? toHex(gm.newEpochRef) : "";
      pm = m[0].privateMessage;
      mlsBytes = gm.mlsMessage;
    } catch {
      throw new GroupError("bad-message", "not a GroupV1 message");
    }
    if (toHex(pm.groupId) !== s.cid) throw new GroupError("bad-message", "message of another group");
    const node = s.node(ref);
    if (!node) {
      this.orphan(s, ref, pm.epoch, payload, hash, true);
      return "held";
    }
    if (node.removed) {
      // A commit built on an epoch we cannot read (it removed us, or lies past such an epoch): the epoch it
      // creates, named by `new_epoch_ref`, joins the tree without state, so we follow that branch in the fork
      // choice with the same ids as its members. (Older senders do not name it: a placeholder stands for it.)
      let followed = false;
      if (pm.contentType === "commit" && pm.epoch === node.epoch) {
        const id = newRef || this.shortHash(fromHex(`ff${node.id}`)!);
        if (!s.node(id) && this.statelessChildren(s, node.id) < MAX_STATELESS_CHILDREN) {
          s.addNode({ id, parent: node.id, epoch: node.epoch + 1n, removed: true, committer: "" });
          await this.adoptOrphans(s, id);
          followed = true;
        }
      }
      // Kept like an orphan: if a Welcome gives us this epoch's state (a re-add), it is processed then.
      this.orphan(s, ref, pm.epoch, payload, hash, false);
      return followed ? "processed" : "held";
    }
    if (pm.epoch !== node.epoch) throw new GroupError("bad-message", "epoch mismatch");
    if (pm.contentType === "commit") {
      if (!(await this.ingestCommit(s, node, pm, this.shortHash(mlsBytes)))) return "duplicate";
    } else if (pm.contentType === "application") await this.ingestApplication(s, node, pm);
    else throw new GroupError("bad-message", "proposals are not used by GroupV1");
    pushCapped(s.meta.commits, hash, CAPS.processed);
    s.meta.lastActivity = this.now();
    this.orphans.delete(s.cid, hash);
    return "processed";
  }

  /** Epochs known only from a clear `new_epoch_ref` under `parent`: few, since nothing authenticates them. */
  private statelessChildren(s: Session, parent: string): number {
    return s.meta.nodes.filter((n) => n.parent === parent && n.removed && n.committer === "").length;
  }

  /**
   * Keeps a message for an epoch we cannot read yet in the memory buffer, if plausible: not final, at most
   * `maxEpochsAhead` above our head, not larger than a delivery message. Emits `held` with the outcome.
   * `unknown`: its epoch is not in our tree at all (not merely one we cannot read).
   */
  private orphan(s: Session, ref: string, epoch: bigint, payload: Uint8Array, hash: string, unknown: boolean): void {
    const head = s.node(s.meta.head);
    const limits = this.orphans.limits;
    const plausible =
      payload.length <= limits.maxPayloadBytes &&
      (!head || (epoch + BigInt(this.finality) >= head.epoch && epoch <= head.epoch + BigInt(limits.maxEpochsAhead)));
    const reason: HeldReason = !plausible ? "epoch-implausible" : unknown ? "epoch-unknown" : "epoch-unreadable";
    s.emit({ kind: "held", conversationId: s.cid, reason });
    if (!plausible) return;
    const now = this.now();
    const o: Orphan = { ref, epoch, hash, payload: payload.slice(), arrived: now, stuckSince: now };
    this.reportEvictions(s, this.orphans.add(s.cid, o));
    // Above our head, or an unknown epoch as high as it (a competing commit we missed, which may win the fork
    // choice even when our head says we were removed): fetch the history that holds that commit.
    if (!head || epoch > head.epoch || (unknown && epoch === head.epoch)) this.maybeRecover(s);
  }

  /** False when the commit was already processed (under another wrapper): nothing to do or write. */
  private async ingestCommit(s: Session, parent: NodeInfo, pm: PrivateMessage, commitHash: string): Promise<boolean> {
    if (s.meta.commits.includes(commitHash)) return false;
    const parentState = await s.state(parent.id);
    let committerLeaf: number | undefined;
    let result: Awaited<ReturnType<typeof processPrivateMessage>>;
    try {
      result = await processPrivateMessage(parentState, pm, emptyPskIndex, this.suite, (incoming) => {
        if (incoming.kind === "commit") committerLeaf = incoming.senderLeafIndex;
        return incoming.kind === "commit" ? "accept" : "reject";
      });
    } catch {
      throw new GroupError("bad-message", "commit rejected by MLS");
    }
    if (result.kind !== "newState") throw new GroupError("bad-message", "expected a commit");
    const next = result.newState;
    const removed = next.groupActiveState.kind === "removedFromGroup";
    const id = removed ? await this.removedEpochId(parentState, pm) : epochId(this.crypto, next);
    pushCapped(s.meta.commits, commitHash, CAPS.processed);
    const known = s.node(id);
    // A known epoch is only updated when we can now read one we knew without state (after a re-add).
    if (known && !(known.removed && !removed)) return true;
    const before = roster(parentState);
    const committer = before.find((r) => r.leafIndex === committerLeaf)?.identity ?? "";
    const epoch = parent.epoch + 1n;
    if (known) s.reviveNode(id, committer, next);
    else s.addNode({ id, parent: parent.id, epoch, removed, committer }, removed ? undefined : next);
    this.confirm(s, committer);
    await this.adoptOrphans(s, id);
    return true;
  }

  /**
   * A member removed by a commit cannot derive the next epoch, so ts-mls leaves its context unchanged; the
   * epoch id (what the fork choice compares) only needs the next confirmed transcript hash, which is computed
   * from public data of the commit exactly as the remaining members compute it.
   */
  private async removedEpochId(parent: ClientState, pm: PrivateMessage): Promise<string> {
    const u = await unprotectPrivateMessage(
      parent.keySchedule.senderDataSecret,
      pm,
      parent.secretTree,
      parent.ratchetTree,
      parent.groupContext,
      parent.clientConfig.keyRetentionConfig,
      this.suite,
    );
    if (u.content.content.contentType !== "commit") throw new GroupError("bad-message", "expected a commit");
    const ctx = await nextEpochContext(
      parent.groupContext,
      "mls_private_message",
      u.content.content,
      u.content.auth.signature,
      parent.groupContext.treeHash,
      parent.confirmationTag,
      this.suite.hash,
    );
    return epochId(this.crypto, { ...parent, groupContext: ctx });
  }

  /**
   * Processes what waited for epoch `id`, now readable. If orphans were evicted unread before, they may have
   * been for it: one history fetch from the earliest of them brings genuine ones back.
   */
  private async adoptOrphans(s: Session, id: string): Promise<void> {
    const waiting = this.orphans.take(s.cid, id);
    const lostSince = this.orphans.takeLostSince(s.cid);
    if (lostSince !== undefined) {
      const now = this.now();
      s.meta.lastRecovery = now;
      this.heldRecovery.set(s.cid, now);
      const since = lostSince - 2 * this.recoveryInterval;
      s.emit({ kind: "fetch-history", conversationId: s.cid, contentTopic: this.contentTopic(s.cid), since });
    }
    // In arrival order: an app message never depends on a commit of its own epoch, and commits may unlock
    // further orphans.
    for (const o of waiting) {
      try {
        await this.ingest(s, o.payload);
      } catch {
        // A bad orphan is dropped; it must not poison the message that unlocked it.
      }
    }
  }

  private async ingestApplication(s: Session, node: NodeInfo, pm: PrivateMessage): Promise<void> {
    const state = await s.state(node.id);
    let sender: RosterEntry | undefined;
    let data: Uint8Array;
    try {
      const u = await unprotectPrivateMessage(
        state.keySchedule.senderDataSecret,
        pm,
        state.secretTree,
        state.ratchetTree,
        state.groupContext,
        state.clientConfig.keyRetentionConfig,
        this.suite,
      );
      const content = u.content.content;
      if (content.contentType !== "application" || content.sender.senderType !== "member") throw new Error();
      const leaf = content.sender.leafIndex;
      sender = roster(state).find((r) => r.leafIndex === leaf);
      data = content.applicationData;
      s.setState(node.id, { ...state, secretTree: u.tree });
    } catch {
      throw new GroupError("bad-message", "application message does not decrypt");
    }
    if (!sender) throw new GroupError("bad-message", "unknown sender");
    let sds: ReturnType<typeof fromBinary<typeof SdsMessageSchema>>;
    let frame: GroupAppFrame;
    try {
      sds = fromBinary(SdsMessageSchema, data);
      frame = fromBinary(GroupAppFrameSchema, sds.content ?? new Uint8Array());
    } catch {
      throw new GroupError("bad-message", "undecodable application frame");
    }
    // Attribution comes from the MLS leaf; the SDS fields must agree with it or the frame is forged/moved.
    if (sds.senderId !== sender.identity || sds.channelId !== s.cid || !/^[0-9a-f]{32}$/.test(sds.messageId))
      throw new GroupError("bad-message", "application frame does not match its MLS sender or group");
    this.confirm(s, sender.identity);
    if (s.meta.seen.includes(sds.messageId)) return;
    pushCapped(s.meta.seen, sds.messageId, CAPS.seen);
    pushCapped(s.meta.recent, sds.messageId, CAPS.recent);
    s.meta.missing = s.meta.missing.filter((m) => m.id !== sds.messageId);
    s.meta.lamport = Math.max(s.meta.lamport, Number(sds.lamportTimestamp ?? 0n));
    for (const h of sds.causalHistory)
      if (!s.meta.seen.includes(h.messageId) && !s.meta.missing.some((m) => m.id === h.messageId))
        pushCapped(s.meta.missing, { id: h.messageId, since: this.now() }, CAPS.missing);
    switch (frame.frameType.case) {
      case "content":
        s.emit({
          kind: "message",
          conversationId: s.cid,
          messageId: sds.messageId,
          sender: sender.identity,
          content: frame.frameType.value,
          timestamp: Number(frame.timestamp),
          epoch: node.epoch,
        });
        break;
      case "joined":
        s.emit({ kind: "members-changed", conversationId: s.cid });
        break;
      case "leaveRequest":
        if (!s.meta.leaving.some((l) => l.identity === sender.identity))
          s.meta.leaving.push({
            identity: sender.identity,
            since: this.now(),
            key: toHex(sender.signaturePublicKey),
          });
        break;
      default:
        break; // unknown frame types from newer versions are ignored
    }
  }

  private confirm(s: Session, identity: string): void {
    if (identity && !s.meta.confirmed.includes(identity)) {
      s.meta.confirmed.push(identity);
      s.emit({ kind: "members-changed", conversationId: s.cid });
    }
  }

  // ---------------------------------------------------------------- pairwise control frames

  /**
   * Handles a GroupControlFrame that arrived over the pairwise conversation with `from` (identity hex; the
   * pairwise channel authenticates it). Returns effects; a bad frame yields `rejected` and writes nothing.
   */
  async receiveControl(tx: TransactionView, from: string, frame: Uint8Array): Promise<GroupEffect[]> {
    let control: GroupControlFrame["control"];
    try {
      control = fromBinary(GroupControlFrameSchema, frame).control;
    } catch {
      return [{ kind: "rejected", conversationId: "", reason: "bad-message" }];
    }
    try {
      switch (control.case) {
        case "keyPackageRequest":
          return await this.onKeyPackageRequest(tx, from, control.value.requestId, control.value.cipherSuite);
        case "keyPackageResponse":
          return await this.onKeyPackageResponse(tx, from, control.value.requestId, control.value.keyPackage);
        case "welcome":
          return await this.onWelcome(tx, from, control.value.welcome, control.value.conversationId);
        case "rewelcomeRequest":
          return await this.onRewelcomeRequest(tx, from, control.value.conversationId, control.value.keyPackage);
        default:
          return [];
      }
    } catch (e) {
      return [{ kind: "rejected", conversationId: "", reason: e instanceof GroupError ? e.code : "bad-message" }];
    }
  }

  private async onKeyPackageRequest(tx: TransactionView, from: string, requestId: string, suite: number) {
    if (suite !== suiteId(this.suiteName)) throw new GroupError("bad-key-package", "unsupported ciphersuite");
    const keyPackage = await this.createKeyPackage(tx);
    const frame = toBinary(
      GroupControlFrameSchema,
      create(GroupControlFrameSchema, { control: { case: "keyPackageResponse", value: { requestId, keyPackage } } }),
    );
    return [{ kind: "control", conversationId: requestId.split(":")[0] ?? "", to: from, frame } as GroupEffect];
  }

  private async onKeyPackageResponse(tx: TransactionView, from: string, requestId: string, bytes: Uint8Array) {
    const cid = requestId.split(":")[0] ?? "";
    const s = await this.activeSession(tx, cid);
    const idx = s.meta.intents.findIndex((i) => i.kind === "add" && i.requestId === requestId && i.identity === from);
    if (idx < 0) return [];
    const kp = await this.checkKeyPackage(bytes, from);
    const intent = s.meta.intents[idx] as Extract<Intent, { kind: "add" }>;
    s.meta.intents[idx] = { ...intent, keyPackage: toHex(encodeKeyPackage(kp)) };
    await this.reconcile(s);
    return s.flush();
  }

  private async onWelcome(tx: TransactionView, from: string, bytes: Uint8Array, claimedCid: string) {
    let welcome: Welcome | undefined;
    try {
      const m = decodeMlsMessage(bytes, 0);
      if (m && m[1] === bytes.length && m[0].wireformat === "mls_welcome") welcome = m[0].welcome;
    } catch {
      welcome = undefined;
    }
    if (!welcome) throw new GroupError("bad-message", "not an MLS welcome");
    const refs = new Set(welcome.secrets.map((x) => toHex(x.newMember)));
    const mine = (await tx.scan(KP_NS)).find((e) => refs.has(e.key));
    if (!mine) throw new GroupError("bad-message", "welcome is not for any of our key packages");
    const own = this.decodeOwnKeyPackage(mine.value);
    let state: ClientState;
    try {
      state = await joinFromWelcome(welcome, own.publicPackage, own.privatePackage, this.suite, this.config);
    } catch {
      throw new GroupError("bad-message", "welcome rejected by MLS");
    }
    const cid = toHex(state.groupContext.groupId);
    if (cid !== claimedCid) throw new GroupError("bad-message", "welcome names another group");
    if (!roster(state).some((r) => r.identity === from))
      throw new GroupError("bad-message", "welcome from a non-member");
    let meta = await this.load(tx, cid);
    const fresh = !meta || meta.status === "left";
    if (!meta || meta.status === "left") {
      meta = this.newMeta(cid);
    }
    const s = new Session(this, tx, meta);
    const id = epochId(this.crypto, state);
    const known = s.node(id);
    if (known && !known.removed) return [];
    // Members already in the group when we joined are taken as members; later additions are pending.
    for (const r of roster(state)) if (!meta.confirmed.includes(r.identity)) meta.confirmed.push(r.identity);
    // An epoch we knew without state (the commit that re-added us also removed our old leaf, or we followed
    // the branch after our removal) keeps its place in the tree; otherwise the Welcome is a new root.
    if (known) s.reviveNode(id, from, state);
    else s.addNode({ id, parent: "", epoch: state.groupContext.epoch, removed: false, committer: from }, state);
    // The key package stays until this join is final: a re-sent Welcome (fork resolution) may reuse it.
    meta.announced.push(`kp:${mine.key}:${state.groupContext.epoch}`);
    if (fresh) s.emit({ kind: "subscribe", conversationId: cid, contentTopic: this.contentTopic(cid) });
    // Commits made between the Welcome and our subscription were published before we listened: fetch them.
    s.meta.lastRecovery = 0;
    this.maybeRecover(s);
    await this.adoptOrphans(s, id);
    await this.reconcile(s);
    if (s.meta.head === id && !s.meta.announced.includes(id)) {
      s.meta.announced.push(id);
      await this.sendFrame(s, { case: "joined", value: { epoch: state.groupContext.epoch } });
      s.emit({ kind: "joined", conversationId: cid, contentTopic: this.contentTopic(cid) });
    }
    return s.flush();
  }

  private async onRewelcomeRequest(tx: TransactionView, from: string, cid: string, bytes: Uint8Array) {
    const s = await this.activeSession(tx, cid);
    const kp = await this.checkKeyPackage(bytes, from);
    if (!(await this.headRoster(s)).some((r) => r.identity === from)) return [];
    s.meta.intents = s.meta.intents.filter((i) => !(i.kind === "readd" && i.identity === from));
    s.meta.intents.push({ kind: "readd", identity: from, keyPackage: toHex(encodeKeyPackage(kp)), since: this.now() });
    await this.reconcile(s);
    return s.flush();
  }

  private decodeOwnKeyPackage(value: Uint8Array) {
    const r = JSON.parse(new TextDecoder().decode(value)) as Record<string, string>;
    const kp = decodeKeyPackage(fromHex(r.kp!)!, 0);
    if (!kp) throw new GroupError("bad-state", "stored key package is undecodable");
    return {
      publicPackage: kp[0],
      privatePackage: {
        initPrivateKey: fromHex(r.init!)!,
        hpkePrivateKey: fromHex(r.hpke!)!,
        signaturePrivateKey: fromHex(r.sig!)!,
      },
    };
  }

  private async takeOwnKeyPackage(tx: TransactionView, mlsBytes: Uint8Array) {
    const m = decodeMlsMessage(mlsBytes, 0);
    if (m?.[0].wireformat !== "mls_key_package") throw new GroupError("bad-state", "own key package");
    const ref = toHex(await makeKeyPackageRef(m[0].keyPackage, this.suite.hash));
    const value = await tx.get(KP_NS, ref);
    tx.delete(KP_NS, ref);
    return this.decodeOwnKeyPackage(value!);
  }

  // ---------------------------------------------------------------- timers and recovery

  /**
   * Time-driven work for every group (or one): key-package timeouts, leave failover, gap recovery (history
   * fetch, then re-welcome). The Client calls it from a timer and after start-up.
   */
  async tick(tx: TransactionView, cid?: string): Promise<GroupEffect[]> {
    const effects: GroupEffect[] = [];
    for (const id of cid ? [cid] : await this.listGroups(tx)) {
      const meta = await this.load(tx, id);
      // A member whose head removed it still polls for a while: a branch keeping it may yet win.
      if (meta?.status !== "active" && meta?.status !== "removed") continue;
      const s = new Session(this, tx, meta);
      this.reportEvictions(s, this.orphans.sweep(id, this.now()));
      await this.reconcile(s);
      await this.checkGaps(s);
      effects.push(...s.flush());
    }
    return effects;
  }

  /** Asks for the group's history (after a restart or when a gap is suspected). */
  async recover(tx: TransactionView, cid: string): Promise<GroupEffect[]> {
    const s = await this.session(tx, cid);
    s.meta.lastRecovery = 0;
    this.heldRecovery.delete(cid);
    this.maybeRecover(s);
    return s.flush();
  }

  /**
   * At most one history fetch per recoveryInterval and group, whatever asks for it; held input (which must
   * write nothing) keeps its time in memory only.
   */
  private maybeRecover(s: Session): void {
    const now = this.now();
    const last = Math.max(s.meta.lastRecovery, this.heldRecovery.get(s.cid) ?? 0);
    if (now - last < this.recoveryInterval) return;
    // Ask only for what is newer than the previous fetch (minus a margin for clock skew and latency).
    const since = last > 0 ? last - 2 * this.recoveryInterval : undefined;
    s.meta.lastRecovery = now;
    this.heldRecovery.set(s.cid, now);
    s.emit({ kind: "fetch-history", conversationId: s.cid, contentTopic: this.contentTopic(s.cid), since });
  }

  private reportEvictions(s: Session, evicted: Evictions): void {
    for (const [conversationId, counts] of evicted)
      for (const [reason, count] of counts) s.emit({ kind: "orphans-evicted", conversationId, reason, count });
  }

  private async checkGaps(s: Session): Promise<void> {
    const head = s.node(s.meta.head);
    if (!head) return;
    const now = this.now();
    // Tail losses: the last messages of a burst are revealed by no later message, so for a while after any
    // activity the member polls the topic's history (a Waku Store query for what is newer than its last one).
    if (now - (s.meta.lastActivity ?? 0) < this.tailWindow) this.maybeRecover(s);
    if (head.removed) return;
    const ahead = this.orphans.ahead(s.cid, head.epoch);
    const oldMissing = s.meta.missing.filter((m) => now - m.since >= this.recoveryInterval);
    if (ahead.length === 0 && oldMissing.length === 0) return;
    this.maybeRecover(s);
    const stuckSince = Math.min(...ahead.map((o) => o.stuckSince));
    if (ahead.length === 0 || now - stuckSince < this.rewelcomeAfter) return;
    // History did not fill the gap: ask the lowest-index other member to remove and re-add us.
    const others = (await this.headRoster(s)).filter((r) => r.identity !== this.self);
    const target = others.sort((a, b) => a.leafIndex - b.leafIndex)[0];
    if (!target) return;
    const keyPackage = await this.createKeyPackage(s.tx);
    this.control(s, target.identity, { case: "rewelcomeRequest", value: { conversationId: s.cid, keyPackage } });
    for (const o of ahead) o.stuckSince = now; // wait a full period before asking again
  }

  // ---------------------------------------------------------------- fork choice and convergence

  /**
   * Brings the member to the fork-choice head and makes it act on it: status, leave handling, re-sending
   * application messages of losing branches, committing (or re-committing) pending changes, pruning.
   * A message that starts or stops waiting (resend.ts) is reported by how it ends the step: one held and
   * released within the same step (our own removal re-committed at once) never waited for the application.
   */
  private async reconcile(s: Session): Promise<void> {
    const before = [...s.meta.outbox];
    await this.converge(s);
    for (const c of waitingChanges(before, s.meta.outbox)) s.emit({ kind: "delivery", conversationId: s.cid, ...c });
  }

  private async converge(s: Session): Promise<void> {
    for (let round = 0; round < 64; round++) {
      const head = chooseHead(s.meta.nodes);
      if (!head) return;
      if (head.id !== s.meta.head) {
        s.meta.head = head.id;
        s.emit({ kind: "members-changed", conversationId: s.cid });
      }
      if (head.removed) {
        if (s.meta.status === "active") {
          s.meta.status = "removed";
          s.meta.intents = [];
          // Messages of branches that lost can no longer be sent again: we hold no keys of the head.
          const chain = canonicalChain(s.meta.nodes, head.id);
          this.reportLost(s, (o) => !chain.has(o.epochId));
          s.meta.outbox = [];
          s.emit({ kind: "removed", conversationId: s.cid });
        }
        this.prune(s);
        return;
      }
      if (s.meta.status === "removed") s.meta.status = "active";
      if (s.meta.status !== "active") return;
      const state = await s.state(head.id);
      const ros = roster(state);
      this.adoptLeaves(s, ros);
      this.trackIntents(s, head, ros, state);
      await this.resendLostMessages(s, head);
      // After a commit the next round tracks intents on the new head (a child of this one) before anything
      // is pruned: pruning first could drop the epoch where an old intent was satisfied, and the intent would
      // look pending again (re-adding someone, with a key package its owner already deleted).
      if (!(await this.commitIntents(s, state, ros))) break;
    }
    this.prune(s);
  }

  private adoptLeaves(s: Session, ros: RosterEntry[]): void {
    const now = this.now();
    // A leave request is void once the leaf that sent it is gone (a request that arrives late, after its sender
    // was removed and added again, must not remove the new leaf).
    s.meta.leaving = s.meta.leaving.filter((l) =>
      ros.some((r) => r.identity === l.identity && (l.key === undefined || toHex(r.signaturePublicKey) === l.key)),
    );
    for (const l of s.meta.leaving) {
      const pending = (i: Intent) => i.kind === "remove" && i.identity === l.identity && i.satisfiedAt === undefined;
      if (s.meta.intents.some(pending)) continue;
      const designated = ros.filter((r) => r.identity !== l.identity).sort((a, b) => a.leafIndex - b.leafIndex)[0];
      if (designated?.identity === this.self || now - l.since >= this.leaveFailover)
        this.setIntent(s, { kind: "remove", identity: l.identity, since: now });
    }
  }

  /**
   * An intent is done while the epoch where it took effect stays on the canonical chain, and forgotten once
   * that epoch is final. If that branch loses, the intent is pending again and will be re-committed.
   */
  private trackIntents(s: Session, head: NodeInfo, ros: RosterEntry[], state: ClientState): void {
    const chain = canonicalChain(s.meta.nodes, head.id);
    const floor = head.epoch - BigInt(this.finality);
    s.meta.intents = s.meta.intents.flatMap((i): Intent[] => {
      if (i.satisfiedAt !== undefined && chain.has(i.satisfiedAt)) return i.satisfiedEpoch! < floor ? [] : [i];
      if (this.satisfied(i, ros, state)) return [{ ...i, satisfiedAt: head.id, satisfiedEpoch: head.epoch }];
      return [{ ...i, satisfiedAt: undefined, satisfiedEpoch: undefined }];
    });
  }

  private satisfied(i: Intent, ros: RosterEntry[], state: ClientState): boolean {
    switch (i.kind) {
      case "add":
        return ros.some((r) => r.identity === i.identity);
      case "remove":
        return !ros.some((r) => r.identity === i.identity);
      case "readd": {
        const kp = decodeKeyPackage(fromHex(i.keyPackage)!, 0)?.[0];
        return (
          !kp ||
          ros.some((r) => r.identity === i.identity && sameBytes(r.signaturePublicKey, kp.leafNode.signaturePublicKey))
        );
      }
      case "metadata": {
        const ext = state.groupContext.extensions.find((e) => e.extensionType === METADATA_EXTENSION_TYPE);
        const m = ext && decodeMetadata(ext.extensionData);
        return m?.name === i.name && m.description === i.description;
      }
    }
  }

  /**
   * Messages whose epoch left the canonical chain are encrypted again, in the same plaintext (same message id),
   * but only where nobody outside the roster they were sent to can read them (resend.ts): else they wait.
   */
  private async resendLostMessages(s: Session, head: NodeInfo): Promise<void> {
    const chain = canonicalChain(s.meta.nodes, head.id);
    if (s.meta.outbox.every((o) => chain.has(o.epochId))) return;
    const view: ResendView = {
      nodes: s.meta.nodes,
      head,
      roster: async (id) => {
        const n = s.node(id);
        return n && !n.removed ? new Set(roster(await s.state(id)).map((r) => r.identity)) : undefined;
      },
      removing: new Set(s.meta.intents.flatMap((i) => (i.kind === "remove" && !i.satisfiedAt ? [i.identity] : []))),
      floor: head.epoch - BigInt(this.finality),
    };
    const r = await resendOutbox(s.meta.outbox, chain, view, this.now(), (o, epochId) =>
      this.encryptAndPublish(s, fromHex(o.plaintext)!, epochId),
    );
    s.meta.outbox = r.outbox;
    for (const messageId of r.lost) s.emit({ kind: "delivery", conversationId: s.cid, messageId, state: "lost" });
  }

  /** Reports the outbox entries `which` selects as never to be sent again (callers then drop them). */
  private reportLost(s: Session, which: (o: OutboxEntry) => boolean): void {
    for (const o of s.meta.outbox)
      if (which(o)) s.emit({ kind: "delivery", conversationId: s.cid, messageId: o.messageId, state: "lost" });
  }

  private async commitIntents(s: Session, state: ClientState, ros: RosterEntry[]): Promise<boolean> {
    const now = this.now();
    const pending = s.meta.intents.filter((i) => i.satisfiedAt === undefined);
    const waiting = pending.some((i) => i.kind === "add" && !i.keyPackage && now - i.since < this.kpTimeout);
    if (waiting) return false;
    const ownLeaf = ownLeafIndex(state);
    const proposals: Proposal[] = [];
    const added: string[] = [];
    // Plain adds can be split across several commits when one would not fit a message; the rest can not.
    const plainAdds: { identity: string; proposal: Proposal }[] = [];
    const removedLeaves = new Set<number>();
    let metadata: GroupMetadata | undefined;
    for (const i of pending) {
      if (i.kind === "add" && i.keyPackage && !plainAdds.some((a) => a.identity === i.identity)) {
        const kp = decodeKeyPackage(fromHex(i.keyPackage)!, 0)?.[0];
        if (kp) plainAdds.push({ identity: i.identity, proposal: { proposalType: "add", add: { keyPackage: kp } } });
      } else if (i.kind === "remove" || i.kind === "readd") {
        const leaf = ros.find((r) => r.identity === i.identity)?.leafIndex;
        if (leaf !== undefined && leaf !== ownLeaf && !removedLeaves.has(leaf)) {
          proposals.push({ proposalType: "remove", remove: { removed: leaf } });
          removedLeaves.add(leaf);
        }
        if (i.kind === "readd") {
          const kp = decodeKeyPackage(fromHex(i.keyPackage)!, 0)?.[0];
          if (kp) {
            proposals.push({ proposalType: "add", add: { keyPackage: kp } });
            added.push(i.identity);
          }
        }
      } else if (i.kind === "metadata") metadata = { name: i.name, description: i.description };
    }
    if (metadata) {
      const extensions = state.groupContext.extensions.filter((e) => e.extensionType !== METADATA_EXTENSION_TYPE);
      extensions.push({ extensionType: METADATA_EXTENSION_TYPE, extensionData: encodeMetadata(metadata) });
      proposals.push({ proposalType: "group_context_extensions", groupContextExtensions: { extensions } });
    }
    if (proposals.length === 0 && plainAdds.length === 0) return false;
    const parent = s.headNode();
    let r: Awaited<ReturnType<typeof createCommit>>;
    let commitBytes: Uint8Array;
    let take = plainAdds.length;
    for (;;) {
      try {
        r = await createCommit(
          { state, cipherSuite: this.suite },
          {
            extraProposals: [...proposals, ...plainAdds.slice(0, take).map((a) => a.proposal)],
            ratchetTreeExtension: true,
          },
        );
      } catch {
        // A change MLS refuses (e.g. a key package already in the tree) must not block the others forever.
        s.meta.intents = s.meta.intents.filter((i) => i.kind === "remove" || i.satisfiedAt !== undefined);
        s.emit({ kind: "rejected", conversationId: s.cid, reason: "commit-refused" });
        return false;
      }
      commitBytes = encodeMlsMessage(r.commit);
      // The commit must fit one delivery message; the adds left out are committed next, on top of this one.
      if (commitBytes.length <= this.maxCommitBytes || take <= 1) break;
      take = Math.ceil(take / 2);
    }
    added.push(...plainAdds.slice(0, take).map((a) => a.identity));
    const next = r.newState;
    const id = epochId(this.crypto, next);
    s.addNode({ id, parent: parent.id, epoch: next.groupContext.epoch, removed: false, committer: this.self }, next);
    s.meta.head = id;
    s.meta.lastActivity = this.now();
    pushCapped(s.meta.commits, this.shortHash(commitBytes), CAPS.processed);
    this.publish(s, parent.id, commitBytes, id);
    if (r.welcome) {
      const welcome = encodeMlsMessage({ version: MLS_VERSION, wireformat: "mls_welcome", welcome: r.welcome });
      for (const identity of added) {
        s.meta.confirmed = s.meta.confirmed.filter((c) => c !== identity);
        this.control(s, identity, { case: "welcome", value: { welcome, conversationId: s.cid } });
      }
    }
    s.emit({ kind: "members-changed", conversationId: s.cid });
    return true;
  }

  private prune(s: Session): void {
    const head = s.node(s.meta.head);
    if (!head) return;
    const floor = head.epoch - BigInt(this.finality);
    for (const n of [...s.meta.nodes]) if (n.epoch < floor && n.id !== head.id) s.dropNode(n.id);
    this.reportEvictions(s, this.orphans.sweep(s.cid, this.now(), floor));
    // A message still waiting when its epoch becomes final waited in vain (its remover never re-committed).
    this.reportLost(s, (o) => o.epoch < floor && o.waitingSince !== undefined);
    s.meta.outbox = s.meta.outbox.filter((o) => o.epoch >= floor);
    // Key packages used to join become useless once the join is final: every join with it, since re-sent
    // Welcomes (fork resolution) reuse one key package for joins at several epochs.
    const joins = s.meta.announced.flatMap((a) => {
      const m = /^kp:([0-9a-f]+):(\d+)$/.exec(a);
      return m ? [{ a, ref: m[1]!, final: BigInt(m[2]!) < floor }] : [];
    });
    for (const j of joins.filter((x) => x.final)) {
      s.meta.announced = s.meta.announced.filter((x) => x !== j.a);
      if (!joins.some((x) => x.ref === j.ref && !x.final)) s.usedKeyPackages.add(j.ref);
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * How a rejected topic message is reported (`Client.ingest`): "bad-message", the one refusal of GroupV1's
 * decoding tree, for anything about the message; the framework's "internal-error" when our own state failed.
 */
function receiveReason(e: unknown): GroupV1Reason | "internal-error" {
  return e instanceof GroupError && e.code !== "bad-message" ? "internal-error" : "bad-message";
}
