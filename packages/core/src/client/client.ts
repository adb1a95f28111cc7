/**
 * `Client`: one installation's view of the Conversations protocol. It owns nothing it is given (store,
 * delivery, clock) and drives one store from one logical writer: every inbound message, send and sweep runs
 * in a `StepPipeline`, computes its effects purely, commits them in ONE store transaction (shared with the
 * steps queued with it, pipeline.ts) and only then publishes and emits events. This file is the facade: each
 * public call delegates to the part that owns it (boot.ts, step.ts, inbound.ts, network.ts, control.ts,
 * groups.ts, sweep.ts, requests.ts, history.ts).
 */
import { constantTimeEqual, toHex } from "../base/bytes.js";
import { identityInbox } from "../conversations/catalog.js";
import type { Content, TextContent } from "../conversations/content/index.js";
import { CONVERSATIONS_NS, conversationKey, loadState, stateWriteOp } from "../framework/conversation-store.js";
import type { ConversationRef } from "../framework/runtime.js";
import { ScopedTransaction } from "../framework/scoped-transaction.js";
import { Transaction } from "../framework/store.js";
import { parseIntroBundle } from "../identity/intro-bundle.js";
import type { ClientAccount } from "./account.js";
import { assemble, type ClientParts } from "./assembly.js";
import { bootConversations, createIdentity, hasIdentity, type Identity, openIdentity, registerTypes } from "./boot.js";
import type { GroupControlMessage } from "./control.js";
import { ARCHIVED_NS, deleteConversationRecords, setArchived } from "./conversation-admin.js";
import { asParley, ClientError, lifecycleCall } from "./errors.js";
import { historyPage, listConversations, storedDeliveryState } from "./history.js";
import { ingestPaged } from "./network.js";
import { CONVERSATION_INFO_NS, decodeInfo } from "./records.js";
import type {
  ClientConfig,
  ClientEvent,
  ClientOptions,
  ConversationInfo,
  DeliveryState,
  GroupInfo,
  GroupMemberInfo,
  HistoryPage,
  HistoryPageQuery,
  InboundOutcome,
  MessageRequest,
} from "./types.js";

export { DEFAULT_CLIENT_CONFIG, DEFAULT_INVITE_POLICY } from "./config.js";
export type { GroupControlMessage } from "./control.js";

export class Client {
  readonly #options: ClientOptions;
  readonly #identity: Identity;
  readonly #p: ClientParts;
  #closed = false;

  private constructor(options: ClientOptions, identity: Identity, seq: number) {
    this.#options = options;
    this.#identity = identity;
    this.#p = assemble(options, seq, {
      self: () => this.installationKey,
      closed: () => this.#closed,
      ingest: (topic, payload) => this.ingest(topic, payload),
      sweep: () => this.sweep(),
      installation: () => this.#identity.installation,
      introBundle: (options) => this.introBundle(options),
    });
  }

  /** Creates a new identity in an empty store. Throws ClientError("identity-exists") if it has one. */
  static async create(options: ClientOptions): Promise<Client> {
    const { identity, seq } = await createIdentity(options);
    return new Client(options, identity, seq).#boot();
  }

  /** Restores the identity and every conversation from the store. Throws ClientError("no-identity"). */
  static async open(options: ClientOptions): Promise<Client> {
    const { identity, seq } = await openIdentity(options);
    return new Client(options, identity, seq).#boot();
  }

  /** `open` when the store holds an identity, `create` otherwise. */
  static async openOrCreate(options: ClientOptions): Promise<Client> {
    return (await hasIdentity(options.store)) ? Client.open(options) : Client.create(options);
  }

  async #boot(): Promise<Client> {
    await registerTypes(this.#p, this.#options, this.#identity.installation);
    await this.#p.requests.load();
    await bootConversations({
      store: this.#options.store,
      registry: this.#p.registry,
      index: this.#p.decoder.index,
      steps: this.#p.steps,
      effects: this.#p.effects,
      network: this.#p.network,
      self: () => this.installationKey,
      conversations: () => this.conversations(),
      step: (fn) => this.#step(fn),
    });
    if (this.#options.autoSweep ?? true) this.#p.sweeper.arm();
    return this;
  }

  /** This installation's public key, lower hex: the identity peers see. */
  get installationKey(): string {
    return toHex(this.#identity.installation.publicKey);
  }

  /** The content topic of this client's inbox. */
  get inboxTopic(): string {
    return this.#identity.inbox.contentTopic;
  }

  /** This installation's account: create, address, devices, conversations between accounts (account.ts). */
  get account(): ClientAccount {
    return this.#p.account;
  }

  get config(): ClientConfig {
    return this.#p.config;
  }

  /** Typed events from now on (plus any emitted before the first iterator existed). */
  events(): AsyncIterableIterator<ClientEvent> {
    return this.#p.events.iterator();
  }

  /** Synchronous callback for every event; returns the unsubscribe function. */
  onEvent(listener: (event: ClientEvent) => void): () => void {
    return this.#p.events.listen(listener);
  }

  /** The intro bundle to share: reused until half its lifetime has passed (or after each use if single-use). */
  introBundle(options: { fresh?: boolean } = {}): Promise<string> {
    return this.#step(async () => {
      const r = identityInbox.bundle(
        this.#options.crypto,
        await this.#inboxState(),
        this.#p.clock.now(),
        options.fresh ?? false,
      );
      if (r.state) await this.#p.store.commit([stateWriteOp(this.#identity.inbox, r.state)]);
      return r.bundle;
    });
  }

  /** Retires every bundle handed out so far (their invites are refused from now on) and returns a new one. */
  rotateIntroBundle(): Promise<string> {
    return this.#step(async () => {
      const r = identityInbox.rotate(this.#options.crypto, await this.#inboxState(), this.#p.clock.now());
      await this.#p.store.commit([stateWriteOp(this.#identity.inbox, r.state)]);
      return r.bundle;
    });
  }

  /**
   * Starts a PrivateV1 conversation with the owner of `bundle` and sends `content` as its first message.
   * Throws IntroBundleError for a malformed or forged bundle.
   */
  startConversation(bundle: string, content: Content | string): Promise<{ conversationId: string; messageId: string }> {
    // Checked here so a bad bundle is refused before any step is queued (the type parses it again).
    const parsed = parseIntroBundle(this.#options.crypto, bundle);
    if (!parsed.ok) return Promise.reject(parsed.error);
    if (constantTimeEqual(parsed.bundle.installationKey, this.#identity.installation.publicKey)) {
      return Promise.reject(new ClientError("own-bundle", "this bundle belongs to this client"));
    }
    const contentBytes = this.#encodeContent(content);
    const starter = this.#p.registry.starter("pairwise");
    if (!starter?.lifecycle?.start) return Promise.reject(new ClientError("unknown-conversation", "no pairwise type"));
    const start = starter.lifecycle.start;
    return this.#batched(async () => {
      const value = await this.#p.steps.unit(async (tx, plan) => {
        const r = await lifecycleCall(() =>
          start(this.#p.steps.context(tx, starter), { kind: "pairwise", bundle, content: contentBytes }),
        );
        await this.#p.effects.apply(tx, r.effects, plan);
        return r.value;
      });
      return { conversationId: value.conversationId, messageId: value.messageId ?? "" };
    });
  }

  /** Sends content in a conversation. Resolves once it is committed (and published, when the network allows). */
  send(conversationId: string, content: Content | string): Promise<{ messageId: string }> {
    const contentBytes = this.#encodeContent(content);
    return this.#batched(async () => {
      const info = decodeInfo(await this.#p.store.get(CONVERSATION_INFO_NS, conversationId));
      const runtime = info && this.#p.registry.runtime(info.type);
      const send = runtime?.lifecycle?.send;
      if (!info || !runtime || !send) throw new ClientError("unknown-conversation", "no such conversation");
      const ref: ConversationRef = { id: info.id, type: info.type, contentTopic: info.contentTopic };
      const value = await this.#p.steps.unit(async (tx, plan) => {
        const r = await lifecycleCall(() => send(this.#p.steps.context(tx, runtime), ref, contentBytes));
        await this.#p.effects.apply(tx, r.effects, plan);
        return r.value;
      });
      return { messageId: value };
    });
  }

  /**
   * The hook GroupV1 uses: sends an opaque group-control payload over a PrivateV1 conversation (frame arm
   * `group_control = 12`). It never reaches the application as a message and has no history entry.
   */
  sendGroupControl(conversationId: string, payload: Uint8Array): Promise<{ messageId: string }> {
    return this.#step(async () => ({
      messageId: await this.#p.steps.unit((tx, plan) => this.#p.control.send(tx, plan, conversationId, payload)),
    }));
  }

  /** Group-control frames received over PrivateV1 conversations, after they are committed. */
  onGroupControl(handler: (message: GroupControlMessage) => void): () => void {
    return this.#p.control.listen(handler);
  }

  /**
   * Marks a conversation read up to `messageId` (a message this device holds; ClientError `unknown-message`
   * otherwise). Markers only move forward, by (timestamp, message id); a `read-marker` event reports each move,
   * and a device of an account shares them with its other devices (account-self.ts).
   */
  markRead(conversationId: string, messageId: string): Promise<void> {
    return this.#p.account.self.markRead(conversationId, messageId);
  }

  /** The read marker of a conversation (set on this device or a sibling), if any. */
  readMarker(conversationId: string): Promise<{ messageId: string; timestamp: number } | undefined> {
    return this.#p.account.self.readMarker(conversationId);
  }

  // ---- GroupV1 (groups.ts) ----

  /**
   * Creates a GroupV1 (MLS) group with `members` (installation keys, hex). Their key packages are requested
   * over this client's PrivateV1 conversations with them, and all of them are added in ONE commit when the
   * key packages arrive (members that do not answer within the key-package timeout are left out). Throws
   * ClientError("no-pairwise-conversation") if a member has no PrivateV1 conversation with this client.
   */
  createGroup(input: { name: string; description?: string; members: readonly string[] }): Promise<{
    conversationId: string;
  }> {
    const members = this.#p.groups.peerList(input.members);
    return this.#step(async () => ({ conversationId: await this.#p.groups.create({ ...input, members }) }));
  }

  /** Invites more members (key packages over the pairwise conversations, then one commit). */
  addGroupMembers(conversationId: string, peers: readonly string[]): Promise<void> {
    const members = this.#p.groups.peerList(peers);
    return this.#step(() => this.#p.groups.command(conversationId, { kind: "add-members", members }, members));
  }

  /** Removes members; they receive nothing sent after they saw the removal's commit. */
  removeGroupMembers(conversationId: string, peers: readonly string[]): Promise<void> {
    const members = this.#p.groups.peerList(peers);
    return this.#step(() => this.#p.groups.command(conversationId, { kind: "remove-members", members }));
  }

  /** Leaves the group (a member still in it commits the removal) and forgets its keys at once. */
  leaveGroup(conversationId: string): Promise<void> {
    return this.#step(() => this.#p.groups.command(conversationId, { kind: "leave" }));
  }

  /** Renames the group; the change is committed like a membership change and reaches every member. */
  setGroupMetadata(conversationId: string, meta: { name: string; description?: string }): Promise<void> {
    return this.#step(() => this.#p.groups.command(conversationId, { kind: "set-metadata", ...meta }));
  }

  /** The roster at the group's head epoch, plus members invited whose key package has not arrived yet. */
  groupMembers(conversationId: string): Promise<GroupMemberInfo[]> {
    return this.#p.groups.members(conversationId);
  }

  /** Name, description, our status and the head epoch of a group. */
  groupInfo(conversationId: string): Promise<GroupInfo> {
    return this.#p.groups.info(conversationId);
  }

  // ---- what is stored (history.ts) ----

  /** The conversations a user reads: those of `internal` types (AccountSelfV1) are the Client's own. */
  async conversations(): Promise<ConversationInfo[]> {
    const all = await listConversations(this.#p.store);
    return all.filter((c) => this.#p.registry.runtime(c.type)?.lifecycle?.internal !== true);
  }

  /** One page of a conversation's history, oldest first within the page; pages go back in time. */
  history(conversationId: string, query: HistoryPageQuery = {}): Promise<HistoryPage> {
    return historyPage(this.#p.store, this.#p.codecs, conversationId, query);
  }

  /** The delivery state of one sent message, if known. */
  deliveryState(conversationId: string, messageId: string): Promise<DeliveryState | undefined> {
    return storedDeliveryState(this.#p.store, conversationId, messageId);
  }

  // ---- the network (inbound.ts, network.ts, sweep.ts) ----

  /**
   * Processes one message as if delivered on `contentTopic` (the subscription handler uses it; so can a
   * history backfill or a test). Resolves with the decoder's outcome once its effects are committed.
   */
  ingest(contentTopic: string, payload: Uint8Array): Promise<InboundOutcome> {
    return this.#batched(() => this.#p.inbound.ingest(contentTopic, payload));
  }

  /**
   * Fetches what the delivery's history service (Waku Store) holds since `since` (ms) on the inbox topic and
   * every conversation topic, and ingests it: how a client that was offline catches up without waiting for
   * resends. Duplicates are harmless (refused as replays). Returns how many messages were read.
   */
  async catchUp(since: number): Promise<number> {
    const delivery = this.#options.delivery;
    const history = delivery.history?.bind(delivery);
    if (!history || this.#closed) return 0;
    // A page of messages is queued at once, so its steps share commits (pipeline.ts).
    return ingestPaged(
      history({ contentTopics: this.#p.network.topics(), startTime: since }),
      (topic, payload) => this.ingest(topic, payload),
      () => this.#closed,
    );
  }

  /**
   * Runs the periodic work now: resends, sync messages (acknowledgements), give-up, expiry; and the group
   * engine's timers (key-package timeouts, leave failover, history polling, re-welcome).
   */
  sweep(): Promise<void> {
    return this.#step(async () => {
      await this.#p.sweeper.run();
      await this.#p.account.self.sweep();
    });
  }

  /** Resolves when every step queued so far has finished. */
  async idle(): Promise<void> {
    // Steps queue publications, and publications queue their `sent` steps: wait until both are quiet.
    for (;;) {
      await this.#p.serial.idle();
      if (this.#p.network.outbox.idle) return;
      await this.#p.network.outbox.drain();
    }
  }

  /** Stops timers and subscriptions and ends `events()`. The store and delivery stay open (the caller owns them). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#p.sweeper.stop();
    this.#p.network.close();
    await this.idle();
    // `sent` marks not yet carried by a commit: written now, so a clean shutdown leaves the store exact. If that
    // fails (the store was closed first), they are lost as in a crash: the messages stay `queued` until resent.
    try {
      await this.#p.deferred.flush();
    } catch (e) {
      this.#p.events.emit({ type: "error", error: asParley(e) });
    }
    this.#p.events.end();
  }

  // ---- conversation management (conversation-admin.ts) ----

  /** Marks a conversation archived (or not): a mark for applications to file it away; nothing else changes. */
  archiveConversation(conversationId: string, archived = true): Promise<void> {
    return this.#step(async () => {
      if (!(await this.#p.store.get(CONVERSATION_INFO_NS, conversationId)))
        throw new ClientError("unknown-conversation", "no such conversation");
      const tx = new Transaction(this.#p.store);
      setArchived(tx, conversationId, archived, this.#p.clock.now());
      await this.#p.steps.commit(tx);
    });
  }

  /** Ids of the archived conversations. */
  async archivedConversations(): Promise<string[]> {
    return (await this.#p.store.scan(ARCHIVED_NS)).map((e) => e.key);
  }

  /**
   * Deletes a conversation with its history. A PrivateV1 conversation loses its keys, and its id is kept so
   * that a replayed invite cannot restore it; a group still joined is left first. Nothing is sent to the
   * peer: send a LeaveContent before, to tell it.
   */
  deleteConversation(conversationId: string): Promise<void> {
    return this.#step(async () => {
      let info = decodeInfo(await this.#p.store.get(CONVERSATION_INFO_NS, conversationId));
      if (!info) throw new ClientError("unknown-conversation", "no such conversation");
      const runtime = this.#p.registry.runtime(info.type);
      const command = runtime?.lifecycle?.command;
      if (runtime && command && info.status !== "left" && info.status !== "removed") {
        const ref: ConversationRef = { id: info.id, type: info.type, contentTopic: info.contentTopic };
        await this.#p.steps.unit(async (tx, plan) => {
          await this.#p.effects.apply(
            tx,
            await command(this.#p.steps.context(tx, runtime), ref, { kind: "leave" }),
            plan,
          );
        });
        info = decodeInfo(await this.#p.store.get(CONVERSATION_INFO_NS, conversationId)) ?? info;
      }
      const tx = new Transaction(this.#p.store);
      // Only a conversation the framework lists (whose keys are its state record) leaves a tombstone.
      const listed = await tx.get(CONVERSATIONS_NS, conversationKey(info));
      const d = await deleteConversationRecords(tx, info, listed !== undefined, this.inboxTopic);
      const records = runtime?.lifecycle?.records;
      if (records && d.removed)
        await records.forget(new ScopedTransaction(tx, runtime.lifecycle?.namespaces ?? []), d.removed);
      await this.#p.steps.commit(tx);
      if (!d.removed || !d.tombstone) return;
      this.#p.decoder.index.remove(d.removed);
      this.#p.decoder.index.add(d.tombstone);
      this.#p.network.unsubscribeIfUnused(d.removed.contentTopic);
    });
  }

  // ---- message requests (request mode; requests.ts) ----

  /** Invites waiting for the application's decision, oldest first. */
  messageRequests(): Promise<MessageRequest[]> {
    return this.#p.requests.list();
  }

  /**
   * Starts the request's conversation: its records are written, its topic subscribed, and the messages its
   * invite carried are delivered now (once: the request is deleted in the same commit). Throws
   * ClientError("unknown-request").
   */
  acceptRequest(id: string): Promise<{ conversationId: string }> {
    return this.#step(() => this.#p.requests.accept(id));
  }

  /**
   * Deletes the request: no conversation, record, history or subscription remains, only a refusal mark
   * (until the bundle keys the invite could be sealed to have expired) that keeps the sender's resends of
   * the same invite from raising it again. Nothing is sent to the sender. Throws ClientError("unknown-request").
   */
  refuseRequest(id: string): Promise<void> {
    return this.#step(() => this.#p.requests.refuse(id));
  }

  // ---- internals ----

  #step<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new ClientError("closed", "client is closed"));
    return this.#p.serial.run(fn);
  }

  /** A step that may share its commit with the steps queued with it (pipeline.ts). */
  #batched<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new ClientError("closed", "client is closed"));
    return this.#p.serial.batched(fn);
  }

  #encodeContent(content: Content | string): Uint8Array {
    const c: Content = typeof content === "string" ? ({ kind: "text", text: content } satisfies TextContent) : content;
    return this.#p.codecs.encode(c);
  }

  /** The inbox's stored state (bytes: only the identity inbox reads them). */
  async #inboxState(): Promise<Uint8Array> {
    const bytes = await loadState(this.#p.store, this.#identity.inbox);
    if (!bytes) throw new ClientError("no-identity", "inbox state unreadable");
    return bytes;
  }
}
