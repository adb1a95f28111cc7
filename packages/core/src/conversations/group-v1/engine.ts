/**
 * The GroupV1 engine: MLS groups (ts-mls) with fork-free membership, exactly-once delivery and full
 * persistence. Pure with respect to persistence: every entry point reads through the caller's transaction
 * (a `TransactionView`: it never commits), computes in memory, and only on success writes the whole new state
 * back into that transaction; the caller commits it, then routes the returned effects (publish, pairwise
 * control frames, app events). A message that fails anywhere leaves the stored state untouched.
 *
 * Design (docs/GROUPS.md): every member keeps the tree of recent epochs it can validate; the head is chosen
 * by a pure fork-choice rule (fork-choice.ts); a member whose change lost re-commits it on the head; a
 * member whose application message was sent on a losing branch re-sends it (same message id, receivers
 * deduplicate).
 *
 * This class is the facade; each concept has its own file: session.ts (the per-group working context and the
 * decoded-state cache), key-packages.ts, membership.ts (the member's commands), outbound.ts (sending),
 * inbound.ts (receiving, orphans hand-off), control.ts (pairwise control frames: key packages, Welcomes),
 * intents.ts and reconcile.ts (fork choice, re-applying lost work, pruning), recovery.ts (tick, history
 * fetches, re-welcome) and queries.ts.
 */
import type { CiphersuiteImpl, CiphersuiteName, ClientConfig } from "ts-mls";
import type { TransactionView } from "../../framework/store.js";
import { receiveControl } from "./control.js";
import type { GroupEffect } from "./effects.js";
import { receive } from "./inbound.js";
import { createKeyPackage } from "./key-packages.js";
import * as membership from "./membership.js";
import type { GroupMetadata } from "./metadata.js";
import { DEFAULT_SUITE, loadSuite } from "./mls.js";
import type { OrphanBuffer } from "./orphans.js";
import { credentials, type GroupMember, type GroupSummary, members, summary } from "./queries.js";
import { recover, tick } from "./recovery.js";
import { EngineContext, type GroupV1Options, listGroups, type StateCache } from "./session.js";
import { providerSuite } from "./suite.js";

export type { CreateGroupInput } from "./membership.js";
export type { GroupMember, GroupSummary, MemberState } from "./queries.js";
export type { GroupV1Options } from "./session.js";

export class GroupV1Engine {
  readonly #ctx: EngineContext;

  private constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  static async create(options: GroupV1Options): Promise<GroupV1Engine> {
    const name = options.suite ?? DEFAULT_SUITE;
    const backend = options.mlsCrypto ?? "provider";
    const base = await loadSuite(name, backend === "webcrypto" ? "webcrypto" : "noble");
    const suite = backend === "provider" ? providerSuite(base, options.crypto) : base;
    return new GroupV1Engine(new EngineContext(options, suite, name));
  }

  get options(): GroupV1Options {
    return this.#ctx.options;
  }
  get suite(): CiphersuiteImpl {
    return this.#ctx.suite;
  }
  get suiteName(): CiphersuiteName {
    return this.#ctx.suiteName;
  }
  get config(): ClientConfig {
    return this.#ctx.config;
  }
  /** The registered type these groups belong to (profile.ts). */
  get typeName(): string {
    return this.#ctx.profile.typeName;
  }
  /** Our identity key, lower hex. */
  get self(): string {
    return this.#ctx.self;
  }
  /** Decoded MLS states of this process, keyed by a revision that changes on every write. */
  get cache(): StateCache {
    return this.#ctx.cache;
  }
  /** Messages waiting for an epoch we cannot read yet: memory only (orphans.ts). */
  get orphans(): OrphanBuffer {
    return this.#ctx.orphans;
  }

  /**
   * When each group a step in `tx` wrote (or ticked) is next due, Unix ms (undefined: not until a step changes
   * it); read once, after the step (due.ts).
   */
  dueTimes(tx: TransactionView): ReadonlyMap<string, number | undefined> {
    return this.#ctx.due.take(tx);
  }

  nextRev(): string {
    return this.#ctx.nextRev();
  }

  contentTopic(conversationId: string): string {
    return this.#ctx.contentTopic(conversationId);
  }

  /** A fresh key package (MLSMessage bytes); its private keys are stored in `tx` until a Welcome uses them. */
  createKeyPackage(tx: TransactionView): Promise<Uint8Array> {
    return createKeyPackage(this.#ctx, tx);
  }

  listGroups(tx: TransactionView): Promise<string[]> {
    return listGroups(tx, this.#ctx.ns);
  }

  members(tx: TransactionView, cid: string): Promise<GroupMember[]> {
    return members(this.#ctx, tx, cid);
  }

  /** The credential identities of the head roster's leaves (a type built on the engine reads its own fields). */
  credentials(tx: TransactionView, cid: string): Promise<Uint8Array[]> {
    return credentials(this.#ctx, tx, cid);
  }

  summary(tx: TransactionView, cid: string): Promise<GroupSummary> {
    return summary(this.#ctx, tx, cid);
  }

  /**
   * Creates a group. Members whose key packages are given are added in the group's first commit; for
   * `invite` identities a key package is requested over the pairwise conversation first, and all of them
   * are added together in ONE commit once their key packages arrive (or after keyPackageTimeoutMs).
   */
  createGroup(
    tx: TransactionView,
    input: membership.CreateGroupInput,
  ): Promise<{ conversationId: string; effects: GroupEffect[] }> {
    return membership.createGroup(this.#ctx, tx, input);
  }

  /** Invites identities: requests their key packages over the pairwise conversations, then adds them. */
  invite(tx: TransactionView, cid: string, identities: string[]): Promise<GroupEffect[]> {
    return membership.invite(this.#ctx, tx, cid, identities);
  }

  /** Adds members whose key packages the caller already holds, in one commit. */
  addMembers(tx: TransactionView, cid: string, keyPackages: Uint8Array[]): Promise<GroupEffect[]> {
    return membership.addMembers(this.#ctx, tx, cid, keyPackages);
  }

  removeMembers(tx: TransactionView, cid: string, identities: string[]): Promise<GroupEffect[]> {
    return membership.removeMembers(this.#ctx, tx, cid, identities);
  }

  setMetadata(tx: TransactionView, cid: string, meta: GroupMetadata): Promise<GroupEffect[]> {
    return membership.setMetadata(this.#ctx, tx, cid, meta);
  }

  /** Asks the group to remove us (a LeaveRequest) and forgets every epoch secret at once. */
  leave(tx: TransactionView, cid: string): Promise<GroupEffect[]> {
    return membership.leave(this.#ctx, tx, cid);
  }

  /** Sends application content (an encoded ContentFrame) to the group. */
  send(tx: TransactionView, cid: string, content: Uint8Array): Promise<{ messageId: string; effects: GroupEffect[] }> {
    return membership.send(this.#ctx, tx, cid, content);
  }

  /**
   * Handles one GroupV1Message (the `EncryptedPayload.plaintext.payload` of an envelope addressed to this
   * group). Rejected input yields a single `rejected` effect and writes nothing; so does input for an epoch
   * we cannot read yet (a `held` effect: it waits in memory), and a replay.
   */
  receive(tx: TransactionView, cid: string, groupMessage: Uint8Array): Promise<GroupEffect[]> {
    return receive(this.#ctx, tx, cid, groupMessage);
  }

  /**
   * Handles a GroupControlFrame that arrived over the pairwise conversation with `from` (identity hex; the
   * pairwise channel authenticates it). A bad frame yields `rejected` and writes nothing.
   */
  receiveControl(tx: TransactionView, from: string, frame: Uint8Array): Promise<GroupEffect[]> {
    return receiveControl(this.#ctx, tx, from, frame);
  }

  /**
   * Time-driven work for every group (or one): key-package timeouts, leave failover, gap recovery (history
   * fetch, then re-welcome). The Client calls it from a timer and after start-up.
   */
  tick(tx: TransactionView, cid?: string): Promise<GroupEffect[]> {
    return tick(this.#ctx, tx, cid);
  }

  /** Asks for the group's history (after a restart or when a gap is suspected). */
  recover(tx: TransactionView, cid: string): Promise<GroupEffect[]> {
    return recover(this.#ctx, tx, cid);
  }
}
