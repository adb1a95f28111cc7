/**
 * `Client`: one installation's view of the Conversations protocol. It owns nothing it is given (store,
 * delivery, clock) and drives one store from one logical writer: every inbound message, send and sweep runs
 * in a `SerialExecutor`, computes its effects purely, commits them in ONE store transaction and only then
 * publishes and emits events.
 */
import { constantTimeEqual, fromUtf8, toHex, utf8 } from "../base/bytes.js";
import { type Clock, systemClock, type TimerHandle } from "../base/clock.js";
import type { ParleyError } from "../base/errors.js";
import { builtinTypes, identityInbox } from "../conversations/catalog.js";
import { type Content, ContentCodecs, type TextContent } from "../conversations/content/index.js";
import type { CryptoProvider, RandomSource } from "../crypto/provider.js";
import {
  CONVERSATIONS_NS,
  conversationKey,
  conversationWriteOps,
  loadConversationRefs,
  loadState,
  stateWriteOp,
} from "../framework/conversation-store.js";
import { Decoder, type ToReceive } from "../framework/decoder.js";
import type { Delivery } from "../framework/delivery.js";
import { sealEnvelope } from "../framework/envelope.js";
import { LifecycleError } from "../framework/errors.js";
import type { Command, Effect, Outgoing } from "../framework/lifecycle.js";
import { Registry } from "../framework/registry.js";
import type { AnyConversationTypeRuntime, ConversationRef } from "../framework/runtime.js";
import { ScopedTransaction } from "../framework/scoped-transaction.js";
import { type Store, Transaction, type WriteOp } from "../framework/store.js";
import { DEFAULT_BUNDLE_POLICY } from "../identity/bundle-keys.js";
import { createInstallation, type Installation } from "../identity/installation.js";
import { parseIntroBundle } from "../identity/intro-bundle.js";
import { ARCHIVED_NS, deleteConversationRecords, setArchived } from "./conversation-admin.js";
import { type ControlIn, deliveryChange, EffectApplier, newPlan, type StepPlan } from "./effects.js";
import { ClientError, InboundError } from "./errors.js";
import { EventStream } from "./event-stream.js";
import { PerSenderWindows, RateWindow } from "./invite-gate.js";
import { Outbox } from "./outbox.js";
import {
  CONVERSATION_INFO_NS,
  decodeHistory,
  decodeInfo,
  decodeJson,
  encodeHistory,
  encodeJson,
  HISTORY_NS,
  type HistoryRecord,
  historyKey,
  MESSAGE_INDEX_NS,
  META_NS,
} from "./records.js";
import { Requests } from "./requests.js";
import { SerialExecutor } from "./serial.js";
import { StateCache } from "./state-cache.js";
import { apply, cached, Steps } from "./step.js";
import type {
  ClientConfig,
  ClientEvent,
  ClientOptions,
  ConversationInfo,
  DeliveryState,
  GroupInfo,
  GroupMemberInfo,
  HistoryItem,
  HistoryPage,
  HistoryPageQuery,
  InboundOutcome,
  InvitePolicy,
  MessageRequest,
} from "./types.js";

/**
 * Accept mode keeps the behaviour before message requests existed, within bounds: 100 invites a minute (a
 * flood costs at most that many conversations per minute), 100 pending requests in request mode.
 */
export const DEFAULT_INVITE_POLICY: InvitePolicy = {
  mode: "accept",
  perWindow: 100,
  windowMs: 60_000,
  maxPending: 100,
  requestTtlMs: 7 * 24 * 3600 * 1000,
  groupControlPerSender: 50,
};

export const DEFAULT_CLIENT_CONFIG: ClientConfig = {
  bundle: DEFAULT_BUNDLE_POLICY,
  sweepIntervalMs: 5_000,
  resendAfterMs: 30_000,
  maxResendIntervalMs: 30 * 60_000,
  giveUpAfterMs: 7 * 24 * 3600 * 1000,
  maxSends: Number.POSITIVE_INFINITY,
  ackDelayMs: 1_000,
  maxSkip: 1000,
  skippedKeyMaxAgeMs: 7 * 24 * 3600 * 1000,
  rawHints: false,
  invites: DEFAULT_INVITE_POLICY,
};

/** Rejections that are normal consequences of resends and redundancy, not worth an error event. */
const QUIET_REASONS = new Set(["conversation-exists", "replay"]);

/** A group-control frame received over a PrivateV1 conversation (GroupV1 key packages, welcomes). */
export interface GroupControlMessage {
  readonly conversationId: string;
  readonly peer: string;
  readonly messageId: string;
  readonly payload: Uint8Array;
}

interface Identity {
  readonly installation: Installation;
  readonly inbox: ConversationRef;
}

export class Client {
  readonly #store: Store;
  /** Committed conversation states of every type, decoded (each type's runtime is its codec). */
  readonly #states = new StateCache<unknown>();
  readonly #delivery: Delivery;
  readonly #crypto: CryptoProvider;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #config: ClientConfig;
  readonly #codecs: ContentCodecs;
  readonly #registry = new Registry();
  readonly #decoder: Decoder;
  readonly #effects: EffectApplier;
  readonly #steps: Steps;
  readonly #requests: Requests;
  readonly #serial = new SerialExecutor();
  readonly #outbox = new Outbox((conversationId, e) => {
    if (!this.#closed) this.#emit({ type: "error", conversationId, error: asParley(e) });
  });
  readonly #events = new EventStream<ClientEvent>();
  readonly #groupControl = new Set<(m: GroupControlMessage) => void>();
  readonly #subscriptions = new Map<string, () => void>();
  readonly #identity: Identity;
  readonly #autoSweep: boolean;
  readonly #inviteRate: RateWindow;
  readonly #controlRate: PerSenderWindows;
  #seq = 0;
  #timer: TimerHandle | undefined;
  #closed = false;

  private constructor(options: ClientOptions, identity: Identity, seq: number) {
    this.#store = this.#states.wrap(options.store);
    this.#delivery = options.delivery;
    this.#crypto = options.crypto;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? ((n) => options.crypto.randomBytes(n));
    this.#config = {
      ...DEFAULT_CLIENT_CONFIG,
      ...options.config,
      invites: { ...DEFAULT_INVITE_POLICY, ...options.config?.invites },
    };
    const invites = this.#config.invites;
    this.#inviteRate = new RateWindow(invites.perWindow, invites.windowMs);
    this.#controlRate = new PerSenderWindows(invites.groupControlPerSender, invites.windowMs);
    this.#codecs = new ContentCodecs(options.codecs ?? []);
    // An application's types claim their capabilities first (built-in types yield them at boot).
    for (const t of options.types ?? []) this.#registry.register(cached(t, this.#states));
    this.#effects = new EffectApplier({
      now: () => this.#clock.now(),
      decodeContent: (bytes) => this.#codecs.decode(bytes),
      addHistory: (tx, cid, record) => this.#addHistory(tx, cid, record),
      carry: (tx, peer, payload) => this.#carry(tx, peer, payload),
      control: (tx, m, plan) => this.#controlIn(tx, m, plan),
      fetchHistory: (topic, since) => this.#backfill(topic, since ?? 0),
    });
    this.#decoder = new Decoder({
      registry: this.#registry,
      crypto: this.#crypto,
      store: this.#store,
      clock: this.#clock,
      loadState: async (ref) => {
        const cached = this.#states.bytes(conversationKey(ref));
        if (cached) return cached;
        const bytes = await loadState(this.#store, ref);
        const runtime = this.#registry.runtime(ref.type);
        if (bytes && runtime) await this.#steps.loadRecords(new Transaction(this.#store), runtime, ref, bytes);
        return bytes;
      },
    });
    this.#identity = identity;
    this.#steps = new Steps({
      store: this.#store,
      states: this.#states,
      crypto: this.#crypto,
      random: this.#random,
      clock: this.#clock,
      self: () => this.installationKey,
      isKnownConversation: (id) => this.#decoder.index.has(id),
      finish: (plan) => this.#finish(plan),
    });
    this.#requests = new Requests({
      store: this.#store,
      steps: this.#steps,
      config: this.#config,
      inviteRate: this.#inviteRate,
      now: () => this.#clock.now(),
      emit: (e) => this.#emit(e),
      decodeContent: (bytes) => this.#codecs.decode(bytes),
      addHistory: (tx, cid, record) => this.#addHistory(tx, cid, record),
      isPairwise: (type) => this.#registry.starter("pairwise")?.spec.name === type,
      knowsPeer: async (tx, peer) => (await this.#pairwiseWith(tx, peer)) !== undefined,
      openedEffects: (ref, frame, state, started) => this.#openedEffects(ref, frame, state, started),
    });
    this.#seq = seq;
    this.#autoSweep = options.autoSweep ?? true;
  }

  /** Creates a new identity in an empty store. Throws ClientError("identity-exists") if it has one. */
  static async create(options: ClientOptions): Promise<Client> {
    if (await options.store.get(META_NS, "inbox"))
      throw new ClientError("identity-exists", "the store already holds an identity: use Client.open");
    const clock = options.clock ?? systemClock;
    const now = clock.now();
    const installation = createInstallation(options.crypto, now);
    const policy = { ...DEFAULT_BUNDLE_POLICY, ...options.config?.bundle };
    const inbox = identityInbox.ref(options.crypto, installation.publicKey);
    const ops: WriteOp[] = [
      ...conversationWriteOps(inbox, identityInbox.create(installation, policy)),
      { op: "put", ns: META_NS, key: "inbox", value: encodeJson(inbox) },
    ];
    await options.store.commit(ops);
    return Client.#boot(options, { installation, inbox }, 0);
  }

  /** Restores the identity and every conversation from the store. Throws ClientError("no-identity"). */
  static async open(options: ClientOptions): Promise<Client> {
    const inbox = decodeJson<ConversationRef>(await options.store.get(META_NS, "inbox"));
    if (!inbox) throw new ClientError("no-identity", "the store holds no identity: use Client.create");
    const stateBytes = await loadState(options.store, inbox);
    const installation = stateBytes && identityInbox.installation(stateBytes);
    if (!installation) throw new ClientError("no-identity", "the stored identity is unreadable");
    const seqBytes = await options.store.get(META_NS, "seq");
    const seq = seqBytes ? Number(fromUtf8(seqBytes) ?? "0") : 0;
    return Client.#boot(options, { installation, inbox }, seq);
  }

  /** `open` when the store holds an identity, `create` otherwise. */
  static async openOrCreate(options: ClientOptions): Promise<Client> {
    return (await options.store.get(META_NS, "inbox")) ? Client.open(options) : Client.create(options);
  }

  static async #boot(options: ClientOptions, identity: Identity, seq: number): Promise<Client> {
    const client = new Client(options, identity, seq);
    const config = client.#config;
    const types = await builtinTypes({
      crypto: client.#crypto,
      clock: client.#clock,
      identity: { publicKey: identity.installation.publicKey, secretKey: identity.installation.secretKey },
      pairwise: {
        maxSkip: config.maxSkip,
        skippedKeyMaxAgeMs: config.skippedKeyMaxAgeMs,
        sds: {
          resendIntervalMs: config.resendAfterMs,
          maxResendIntervalMs: config.maxResendIntervalMs,
          giveUpAfterMs: config.giveUpAfterMs,
          maxResends: Math.max(0, config.maxSends - 1),
          ackDelayMs: config.ackDelayMs,
        },
      },
      groups: options.groups ?? {},
    });
    for (const t of types) client.#registry.register(cached(t, client.#states), { yieldCapabilities: true });
    await client.#requests.load();
    const refs = await loadConversationRefs(options.store);
    for (const ref of refs) client.#decoder.index.add(ref);
    for (const topic of new Set(refs.map((r) => r.contentTopic))) await client.#subscribe(topic);
    await client.#standing();
    // Conversations whose type resumes them (a group we are, or may again be, a member of): listen on its
    // topic, then ask its history for what was published while we were away.
    const resumed: { runtime: AnyConversationTypeRuntime; ref: ConversationRef }[] = [];
    for (const info of await client.conversations()) {
      const runtime = client.#registry.runtime(info.type);
      if (!runtime?.lifecycle?.resume || info.status === "left") continue;
      const ref: ConversationRef = { id: info.id, type: info.type, contentTopic: info.contentTopic };
      client.#decoder.index.add(ref);
      await client.#subscribe(ref.contentTopic);
      resumed.push({ runtime, ref });
    }
    for (const { runtime, ref } of resumed) {
      const resume = runtime.lifecycle!.resume!;
      await client.#step(() =>
        client.#steps.unit(async (tx, plan) => {
          await client.#effects.apply(tx, await resume(client.#steps.context(tx, runtime), ref), plan);
        }),
      );
    }
    client.#armSweep();
    return client;
  }

  /** This installation's public key, lower hex: the identity peers see. */
  get installationKey(): string {
    return toHex(this.#identity.installation.publicKey);
  }

  /** The content topic of this client's inbox. */
  get inboxTopic(): string {
    return this.#identity.inbox.contentTopic;
  }

  get config(): ClientConfig {
    return this.#config;
  }

  /** Typed events from now on (plus any emitted before the first iterator existed). */
  events(): AsyncIterableIterator<ClientEvent> {
    return this.#events.iterator();
  }

  /** Synchronous callback for every event; returns the unsubscribe function. */
  onEvent(listener: (event: ClientEvent) => void): () => void {
    return this.#events.listen(listener);
  }

  /** The intro bundle to share: reused until half its lifetime has passed (or after each use if single-use). */
  introBundle(options: { fresh?: boolean } = {}): Promise<string> {
    return this.#step(async () => {
      const r = identityInbox.bundle(this.#crypto, await this.#inboxState(), this.#clock.now(), options.fresh ?? false);
      if (r.state) await this.#store.commit([stateWriteOp(this.#identity.inbox, r.state)]);
      return r.bundle;
    });
  }

  /** Retires every bundle handed out so far (their invites are refused from now on) and returns a new one. */
  rotateIntroBundle(): Promise<string> {
    return this.#step(async () => {
      const r = identityInbox.rotate(this.#crypto, await this.#inboxState(), this.#clock.now());
      await this.#store.commit([stateWriteOp(this.#identity.inbox, r.state)]);
      return r.bundle;
    });
  }

  /**
   * Starts a PrivateV1 conversation with the owner of `bundle` and sends `content` as its first message.
   * Throws IntroBundleError for a malformed or forged bundle.
   */
  startConversation(bundle: string, content: Content | string): Promise<{ conversationId: string; messageId: string }> {
    // Checked here so a bad bundle is refused before any step is queued (the type parses it again).
    const parsed = parseIntroBundle(this.#crypto, bundle);
    if (!parsed.ok) return Promise.reject(parsed.error);
    if (constantTimeEqual(parsed.bundle.installationKey, this.#identity.installation.publicKey)) {
      return Promise.reject(new ClientError("own-bundle", "this bundle belongs to this client"));
    }
    const contentBytes = this.#encodeContent(content);
    const starter = this.#registry.starter("pairwise");
    if (!starter?.lifecycle?.start) return Promise.reject(new ClientError("unknown-conversation", "no pairwise type"));
    const start = starter.lifecycle.start;
    return this.#step(async () => {
      const value = await this.#steps.unit(async (tx, plan) => {
        const r = await lifecycleCall(() =>
          start(this.#steps.context(tx, starter), { kind: "pairwise", bundle, content: contentBytes }),
        );
        await this.#effects.apply(tx, r.effects, plan);
        return r.value;
      });
      return { conversationId: value.conversationId, messageId: value.messageId ?? "" };
    });
  }

  /** Sends content in a conversation. Resolves once it is committed (and published, when the network allows). */
  send(conversationId: string, content: Content | string): Promise<{ messageId: string }> {
    const contentBytes = this.#encodeContent(content);
    return this.#step(async () => {
      const info = decodeInfo(await this.#store.get(CONVERSATION_INFO_NS, conversationId));
      const runtime = info && this.#registry.runtime(info.type);
      const send = runtime?.lifecycle?.send;
      if (!info || !runtime || !send) throw new ClientError("unknown-conversation", "no such conversation");
      const ref: ConversationRef = { id: info.id, type: info.type, contentTopic: info.contentTopic };
      const value = await this.#steps.unit(async (tx, plan) => {
        const r = await lifecycleCall(() => send(this.#steps.context(tx, runtime), ref, contentBytes));
        await this.#effects.apply(tx, r.effects, plan);
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
    return this.#step(async () => {
      const info = decodeInfo(await this.#store.get(CONVERSATION_INFO_NS, conversationId));
      const carrier = this.#registry.carrier();
      const carry = carrier?.lifecycle?.carry;
      if (!info || !carrier || !carry || info.type !== carrier.spec.name)
        throw new ClientError("unknown-conversation", "no such pairwise conversation");
      const ref: ConversationRef = { id: info.id, type: info.type, contentTopic: info.contentTopic };
      const value = await this.#steps.unit(async (tx, plan) => {
        const r = await lifecycleCall(() => carry(this.#steps.context(tx, carrier), ref, payload));
        if (!r) throw new ClientError("unknown-conversation", "conversation state unreadable");
        await this.#effects.apply(tx, r.effects, plan);
        return r.value;
      });
      return { messageId: value };
    });
  }

  /** Group-control frames received over PrivateV1 conversations, after they are committed. */
  onGroupControl(handler: (message: GroupControlMessage) => void): () => void {
    this.#groupControl.add(handler);
    return () => this.#groupControl.delete(handler);
  }

  // ---- GroupV1 ----

  /**
   * Creates a GroupV1 (MLS) group with `members` (installation keys, hex). Their key packages are requested
   * over this client's PrivateV1 conversations with them, and all of them are added in ONE commit when the
   * key packages arrive (members that do not answer within the key-package timeout are left out). Throws
   * ClientError("no-pairwise-conversation") if a member has no PrivateV1 conversation with this client.
   */
  createGroup(input: {
    name: string;
    description?: string;
    members: readonly string[];
  }): Promise<{ conversationId: string }> {
    const members = this.#peerList(input.members);
    return this.#step(async () => {
      await this.#requirePairwise(members);
      const starter = this.#registry.starter("group");
      const start = starter?.lifecycle?.start;
      if (!starter || !start) throw new ClientError("not-a-group", "no group type");
      const request = { kind: "group", name: input.name, description: input.description ?? "", members } as const;
      const value = await this.#steps.unit(async (tx, plan) => {
        const r = await lifecycleCall(() => start(this.#steps.context(tx, starter), request));
        await this.#effects.apply(tx, r.effects, plan);
        return r.value.conversationId;
      });
      return { conversationId: value };
    });
  }

  /** Invites more members (key packages over the pairwise conversations, then one commit). */
  addGroupMembers(conversationId: string, peers: readonly string[]): Promise<void> {
    const members = this.#peerList(peers);
    return this.#command(conversationId, { kind: "add-members", members }, (tx) => this.#requirePairwise(members, tx));
  }

  /** Removes members; they receive nothing sent after they saw the removal's commit. */
  removeGroupMembers(conversationId: string, peers: readonly string[]): Promise<void> {
    return this.#command(conversationId, { kind: "remove-members", members: this.#peerList(peers) });
  }

  /** Leaves the group (a member still in it commits the removal) and forgets its keys at once. */
  leaveGroup(conversationId: string): Promise<void> {
    return this.#command(conversationId, { kind: "leave" });
  }

  /** Renames the group; the change is committed like a membership change and reaches every member. */
  setGroupMetadata(conversationId: string, meta: { name: string; description?: string }): Promise<void> {
    return this.#command(conversationId, { kind: "set-metadata", ...meta });
  }

  /** The roster at the group's head epoch, plus members invited whose key package has not arrived yet. */
  async groupMembers(conversationId: string): Promise<GroupMemberInfo[]> {
    const { runtime, ref } = await this.#group(conversationId);
    const members = await runtime.lifecycle!.members!(this.#steps.context(new Transaction(this.#store), runtime), ref);
    return members.map((m) => ({ peer: m.peer, state: m.state as GroupMemberInfo["state"], self: m.self }));
  }

  /** Name, description, our status and the head epoch of a group. */
  async groupInfo(conversationId: string): Promise<GroupInfo> {
    const { runtime, ref, info } = await this.#group(conversationId);
    const s = await runtime.lifecycle!.summary!(this.#steps.context(new Transaction(this.#store), runtime), ref);
    const readable = s.status === "active";
    return {
      conversationId,
      name: readable ? s.name : (info.name ?? ""),
      description: readable ? s.description : (info.description ?? ""),
      status: s.status,
      epoch: s.epoch,
      epochId: s.epochId,
      contentTopic: s.contentTopic,
    };
  }

  async conversations(): Promise<ConversationInfo[]> {
    const out: ConversationInfo[] = [];
    for (const { value } of await this.#store.scan(CONVERSATION_INFO_NS)) {
      const info = decodeInfo(value);
      if (info) out.push(info);
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  /** One page of a conversation's history, oldest first within the page; pages go back in time. */
  async history(conversationId: string, query: HistoryPageQuery = {}): Promise<HistoryPage> {
    const limit = Math.max(1, Math.min(query.limit ?? 50, 1000));
    const prefix = `${conversationId}/`;
    const entries = await this.#store.scan(HISTORY_NS, {
      prefix,
      ...(query.before !== undefined && { lt: query.before }),
      reverse: true,
      limit: limit + 1,
    });
    const page = entries.slice(0, limit).reverse();
    const items: HistoryItem[] = [];
    for (const e of page) {
      const r = decodeHistory(e.value);
      if (!r) continue;
      items.push({
        conversationId,
        messageId: r.messageId,
        direction: r.direction,
        ...(r.sender !== undefined && { sender: r.sender }),
        content: this.#codecs.decode(r.content),
        timestamp: r.timestamp,
        storedAt: r.storedAt,
        ...(r.state !== undefined && { state: r.state }),
        cursor: e.key,
      });
    }
    return entries.length > limit && page[0] ? { items, before: page[0].key } : { items };
  }

  /** The delivery state of one sent message, if known. */
  async deliveryState(conversationId: string, messageId: string): Promise<DeliveryState | undefined> {
    const key = await this.#store.get(MESSAGE_INDEX_NS, `${conversationId}/${messageId}`);
    const bytes = key && (await this.#store.get(HISTORY_NS, fromUtf8(key) ?? ""));
    return bytes ? decodeHistory(bytes)?.state : undefined;
  }

  /**
   * Processes one message as if delivered on `contentTopic` (the subscription handler uses it; so can a
   * history backfill or a test). Resolves with the decoder's outcome once its effects are committed.
   */
  ingest(contentTopic: string, payload: Uint8Array): Promise<InboundOutcome> {
    return this.#step(() => this.#ingest(contentTopic, payload));
  }

  /**
   * Fetches what the delivery's history service (Waku Store) holds since `since` (ms) on the inbox topic and
   * every conversation topic, and ingests it: how a client that was offline catches up without waiting for
   * resends. Duplicates are harmless (refused as replays). Returns how many messages were read.
   */
  async catchUp(since: number): Promise<number> {
    const history = this.#delivery.history?.bind(this.#delivery);
    if (!history || this.#closed) return 0;
    let readable = 0;
    for await (const m of history({ contentTopics: [...this.#subscriptions.keys()], startTime: since })) {
      if (this.#closed) break;
      if ((await this.ingest(m.contentTopic, m.payload)).kind === "readable") readable++;
    }
    return readable;
  }

  /**
   * Runs the periodic work now: resends, sync messages (acknowledgements), give-up, expiry; and the group
   * engine's timers (key-package timeouts, leave failover, history polling, re-welcome).
   */
  sweep(): Promise<void> {
    return this.#step(async () => {
      await this.#requests.expire();
      for (const ref of this.#decoder.index.topics().flatMap((t) => this.#decoder.index.conversationsOn(t)))
        await this.#wake(ref);
    });
  }

  /** Resolves when every step queued so far has finished. */
  async idle(): Promise<void> {
    // Steps queue publications, and publications queue their `sent` steps: wait until both are quiet.
    for (;;) {
      await this.#serial.idle();
      if (this.#outbox.idle) return;
      await this.#outbox.drain();
    }
  }

  /** Stops timers and subscriptions and ends `events()`. The store and delivery stay open (the caller owns them). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer?.cancel();
    for (const unsubscribe of this.#subscriptions.values()) unsubscribe();
    this.#subscriptions.clear();
    await this.idle();
    this.#events.end();
  }

  // ---- conversation management (conversation-admin.ts) ----

  /** Marks a conversation archived (or not): a mark for applications to file it away; nothing else changes. */
  archiveConversation(conversationId: string, archived = true): Promise<void> {
    return this.#step(async () => {
      if (!(await this.#store.get(CONVERSATION_INFO_NS, conversationId)))
        throw new ClientError("unknown-conversation", "no such conversation");
      const tx = new Transaction(this.#store);
      setArchived(tx, conversationId, archived, this.#clock.now());
      await this.#steps.commit(tx);
    });
  }

  /** Ids of the archived conversations. */
  async archivedConversations(): Promise<string[]> {
    return (await this.#store.scan(ARCHIVED_NS)).map((e) => e.key);
  }

  /**
   * Deletes a conversation with its history. A PrivateV1 conversation loses its keys, and its id is kept so
   * that a replayed invite cannot restore it; a group still joined is left first. Nothing is sent to the
   * peer: send a LeaveContent before, to tell it.
   */
  deleteConversation(conversationId: string): Promise<void> {
    return this.#step(async () => {
      let info = decodeInfo(await this.#store.get(CONVERSATION_INFO_NS, conversationId));
      if (!info) throw new ClientError("unknown-conversation", "no such conversation");
      const runtime = this.#registry.runtime(info.type);
      const command = runtime?.lifecycle?.command;
      if (runtime && command && info.status !== "left" && info.status !== "removed") {
        const ref: ConversationRef = { id: info.id, type: info.type, contentTopic: info.contentTopic };
        await this.#steps.unit(async (tx, plan) => {
          await this.#effects.apply(tx, await command(this.#steps.context(tx, runtime), ref, { kind: "leave" }), plan);
        });
        info = decodeInfo(await this.#store.get(CONVERSATION_INFO_NS, conversationId)) ?? info;
      }
      const tx = new Transaction(this.#store);
      // Only a conversation the framework lists (whose keys are its state record) leaves a tombstone.
      const listed = await tx.get(CONVERSATIONS_NS, conversationKey(info));
      const d = await deleteConversationRecords(tx, info, listed !== undefined, this.inboxTopic);
      const records = runtime?.lifecycle?.records;
      if (records && d.removed)
        await records.forget(new ScopedTransaction(tx, runtime.lifecycle?.namespaces ?? []), d.removed);
      await this.#steps.commit(tx);
      if (!d.removed || !d.tombstone) return;
      this.#decoder.index.remove(d.removed);
      this.#decoder.index.add(d.tombstone);
      const topic = d.removed.contentTopic;
      if (this.#decoder.index.conversationsOn(topic).length === 0) {
        this.#subscriptions.get(topic)?.();
        this.#subscriptions.delete(topic);
      }
    });
  }

  // ---- message requests (request mode; message-requests.ts) ----

  /** Invites waiting for the application's decision, oldest first. */
  messageRequests(): Promise<MessageRequest[]> {
    return this.#requests.list();
  }

  /**
   * Starts the request's conversation: its records are written, its topic subscribed, and the messages its
   * invite carried are delivered now (once: the request is deleted in the same commit). Throws
   * ClientError("unknown-request").
   */
  acceptRequest(id: string): Promise<{ conversationId: string }> {
    return this.#step(() => this.#requests.accept(id));
  }

  /**
   * Deletes the request: no conversation, record, history or subscription remains, only a refusal mark
   * (until the bundle keys the invite could be sealed to have expired) that keeps the sender's resends of
   * the same invite from raising it again. Nothing is sent to the sender. Throws ClientError("unknown-request").
   */
  refuseRequest(id: string): Promise<void> {
    return this.#step(() => this.#requests.refuse(id));
  }

  // ---- internals ----

  #step<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new ClientError("closed", "client is closed"));
    return this.#serial.run(fn);
  }

  #emit(event: ClientEvent): void {
    this.#events.emit(event);
  }

  #encodeContent(content: Content | string): Uint8Array {
    const c: Content = typeof content === "string" ? ({ kind: "text", text: content } satisfies TextContent) : content;
    return this.#codecs.encode(c);
  }

  /**
   * After a commit: route and watch new conversations, emit events, notify listeners, and hand the
   * envelopes to the outbox (published in commit order per conversation, without holding the serial step).
   */
  async #finish(plan: StepPlan): Promise<void> {
    for (const w of plan.watch) {
      this.#decoder.index.add(w.ref);
      await this.#subscribe(w.ref.contentTopic);
      if (w.since !== undefined) this.#backfill(w.ref.contentTopic, w.since);
    }
    for (const e of plan.events) this.#emit(e);
    for (const f of plan.after) f();
    for (const p of plan.publish) {
      const { conversationId, markSent } = p;
      this.#outbox.add({
        conversationId,
        publish: () => this.#publishAll(p.outgoing, conversationId),
        // Marking `sent` is its own small step (run even while closing: the publication happened).
        ...(markSent &&
          markSent.length > 0 && { accepted: () => this.#serial.run(() => this.#markSent(conversationId, markSent)) }),
      });
    }
  }

  /** A typed command on a conversation whose type takes commands (a group). */
  #command(conversationId: string, command: Command, check?: (tx: Transaction) => Promise<void>): Promise<void> {
    return this.#step(async () => {
      const { runtime, ref } = await this.#group(conversationId);
      await this.#steps.unit(async (tx, plan) => {
        await check?.(tx);
        await this.#effects.apply(
          tx,
          await runtime.lifecycle!.command!(this.#steps.context(tx, runtime), ref, command),
          plan,
        );
      });
    });
  }

  /** A conversation of the group type (commands and queries). */
  async #group(
    conversationId: string,
  ): Promise<{ runtime: AnyConversationTypeRuntime; ref: ConversationRef; info: ConversationInfo }> {
    const info = decodeInfo(await this.#store.get(CONVERSATION_INFO_NS, conversationId));
    if (!info) throw new ClientError("unknown-conversation", "no such conversation");
    const runtime = this.#registry.starter("group");
    if (!runtime || info.type !== runtime.spec.name)
      throw new ClientError("not-a-group", "this conversation is not a group");
    return { runtime, ref: { id: info.id, type: info.type, contentTopic: info.contentTopic }, info };
  }

  #peerList(peers: readonly string[]): string[] {
    const out = [...new Set(peers.map((p) => p.toLowerCase()))];
    for (const p of out)
      if (!/^[0-9a-f]{64}$/.test(p)) throw new ClientError("no-pairwise-conversation", "not an installation key");
    return out.filter((p) => p !== this.installationKey);
  }

  async #requirePairwise(peers: readonly string[], tx?: Transaction): Promise<void> {
    for (const p of peers)
      if (!(await this.#pairwiseWith(tx ?? new Transaction(this.#store), p)))
        throw new ClientError("no-pairwise-conversation", "no pairwise conversation with this member");
  }

  /**
   * The conversation of the control carrier's type that control payloads to `peer` travel on. With several, one the peer started
   * is preferred (its invite reached us, so it works both ways), then the newest.
   */
  async #pairwiseWith(tx: Transaction, peer: string): Promise<ConversationInfo | undefined> {
    const type = this.#registry.carrier()?.spec.name;
    if (type === undefined) return undefined;
    let best: ConversationInfo | undefined;
    for (const { value } of await tx.scan(CONVERSATION_INFO_NS)) {
      const info = decodeInfo(value);
      if (!info || info.type !== type || info.peer !== peer) continue;
      const rank = (i: ConversationInfo) => (i.initiatedBy === "peer" ? 1 : 0);
      if (!best || rank(info) > rank(best) || (rank(info) === rank(best) && info.createdAt >= best.createdAt))
        best = info;
    }
    return best;
  }

  /** A control payload to `peer` through the carrier type, staged in `tx`; undefined when it cannot travel. */
  async #carry(tx: Transaction, peer: string, payload: Uint8Array): Promise<readonly Effect[] | undefined> {
    const carrier = this.#registry.carrier();
    const carry = carrier?.lifecycle?.carry;
    if (!carrier || !carry) return undefined;
    const info = await this.#pairwiseWith(tx, peer);
    if (!info) return undefined;
    const ref: ConversationRef = { id: info.id, type: info.type, contentTopic: info.contentTopic };
    try {
      return (await carry(this.#steps.context(tx, carrier), ref, payload))?.effects;
    } catch (e) {
      // Too large to carry: the consumer's re-welcome path heals.
      if (e instanceof LifecycleError) return undefined;
      throw e;
    }
  }

  /** A received control payload: rate-limited per sender, consumed in this transaction, then listeners. */
  async #controlIn(tx: Transaction, m: ControlIn, plan: StepPlan): Promise<void> {
    const { peer, conversationId } = m;
    const consumer = this.#registry.controlConsumer();
    const creates = consumer?.lifecycle?.controlCreatesState?.(m.payload) ?? false;
    if (creates && !this.#controlRate.admit(peer, this.#clock.now())) {
      // Consumed without effect: the group engine's timeouts and re-welcome paths take over.
      plan.events.push({ type: "invite-dropped", reason: "rate", source: "group-control", peer, conversationId });
      return;
    }
    const message: GroupControlMessage = { conversationId, peer, messageId: m.messageId, payload: m.payload };
    plan.after.push(() => {
      for (const h of this.#groupControl) {
        try {
          h(message);
        } catch (e) {
          this.#emit({ type: "error", conversationId, error: asParley(e) });
        }
      }
    });
    // The consumer's step joins this transaction: the pairwise frame is consumed exactly when its effect
    // (a welcome joined, a key package answered) is stored.
    const control = consumer?.lifecycle?.control;
    if (consumer && control)
      await this.#effects.apply(tx, await control(this.#steps.context(tx, consumer), peer, m.payload), plan);
  }

  /** The inbox's stored state (bytes: only the identity inbox reads them). */
  async #inboxState(): Promise<Uint8Array> {
    const bytes = await loadState(this.#store, this.#identity.inbox);
    if (!bytes) throw new ClientError("no-identity", "inbox state unreadable");
    return bytes;
  }

  /** Standing conversations of types that declare one (a type's own inbox): created once, then routed. */
  async #standing(): Promise<void> {
    const self = this.installationKey;
    for (const runtime of this.#registry.runtimes()) {
      const standing = runtime.lifecycle?.standing?.(self);
      if (!standing) continue;
      if (!this.#decoder.index.has(standing.ref.id))
        await this.#store.commit(conversationWriteOps(standing.ref, runtime.encodeState(standing.state)));
      this.#decoder.index.add(standing.ref);
      await this.#subscribe(standing.ref.contentTopic);
    }
  }

  /** Returns the record's history key. */
  #addHistory(tx: Transaction, conversationId: string, record: HistoryRecord): string {
    const key = historyKey(conversationId, ++this.#seq);
    tx.put(HISTORY_NS, key, encodeHistory(record));
    tx.put(MESSAGE_INDEX_NS, `${conversationId}/${record.messageId}`, utf8(key));
    tx.put(META_NS, "seq", utf8(String(this.#seq)));
    return key;
  }

  /**
   * Marks messages `sent`, in a step of its own once the outbox published them: an acknowledgement that came
   * in between wins (the change only advances).
   */
  async #markSent(conversationId: string, messageIds: readonly string[]): Promise<void> {
    const tx = new Transaction(this.#store);
    const events: ClientEvent[] = [];
    for (const messageId of messageIds) {
      const event = await deliveryChange(tx, conversationId, messageId, "sent", "advance");
      if (event) events.push(event);
    }
    await this.#steps.commit(tx);
    for (const e of events) this.#emit(e);
  }

  /** Publishes in order; true when every payload was accepted by the delivery. */
  async #publishAll(
    outgoing: readonly (Outgoing | { readonly contentTopic: string; readonly sealed: Uint8Array })[],
    conversationId: string,
  ): Promise<boolean> {
    let ok = true;
    for (const o of outgoing) {
      const bytes =
        "sealed" in o
          ? o.sealed
          : sealEnvelope({
              crypto: this.#crypto,
              random: this.#random,
              conversationId: o.hint,
              payload: o.payload,
              rawHint: this.#config.rawHints,
            });
      const r = await this.#delivery.publish(o.contentTopic, bytes);
      if (!r.ok) {
        ok = false;
        this.#emit({
          type: "error",
          conversationId,
          error: new ClientError("publish-failed", `publish failed: ${r.error}`),
        });
      }
    }
    return ok;
  }

  async #subscribe(topic: string): Promise<void> {
    if (this.#subscriptions.has(topic) || this.#closed) return;
    const unsubscribe = await this.#delivery.subscribe(topic, (m) => {
      if (this.#closed) return;
      this.ingest(m.contentTopic, m.payload).catch((e: unknown) => {
        if (!this.#closed) this.#emit({ type: "error", error: asParley(e) });
      });
    });
    this.#subscriptions.set(topic, unsubscribe);
  }

  /** Fetches what a history service holds for a topic we just subscribed to (messages sent before we listened). */
  #backfill(topic: string, since: number): void {
    const history = this.#delivery.history?.bind(this.#delivery);
    if (!history) return;
    void (async () => {
      try {
        for await (const m of history({ contentTopics: [topic], startTime: since })) {
          if (this.#closed) return;
          await this.ingest(m.contentTopic, m.payload);
        }
      } catch (e) {
        if (!this.#closed) this.#emit({ type: "error", error: asParley(e) });
      }
    })();
  }

  async #ingest(contentTopic: string, payload: Uint8Array): Promise<InboundOutcome> {
    const c = await this.#decoder.classify(payload, contentTopic);
    if (c.kind === "not-for-me") return { kind: "not-for-me" };
    if (c.kind === "receive") return this.#receive(c);
    if (c.kind === "badly-formed") {
      const conversationId = c.conversation?.id;
      if (!QUIET_REASONS.has(c.reason)) {
        this.#emit({
          type: "error",
          error: new InboundError(c.reason, contentTopic),
          ...(conversationId !== undefined && { conversationId }),
        });
      }
      return { kind: "badly-formed", reason: c.reason, ...(conversationId !== undefined && { conversationId }) };
    }
    if (c.started.length > 0) {
      const handled = await this.#requests.admit(c);
      if (handled) return handled;
    }
    await this.#steps.unit(async (tx, plan) => {
      for (const op of c.writes) apply(tx, op);
      const next = [{ conversation: c.conversation, state: c.nextState }, ...c.started];
      for (const { conversation: ref, state } of next) {
        const runtime = this.#registry.runtime(ref.type);
        if (runtime) this.#steps.stage(tx, runtime, ref, state);
      }
      const now = this.#clock.now();
      const effects: Effect[] = [];
      for (const s of c.started) effects.push(...this.#openedEffects(s.conversation, s.frame, s.state, { now }));
      effects.push(...this.#openedEffects(c.conversation, c.frame, c.nextState, undefined));
      await this.#effects.apply(tx, effects, plan);
    });
    return { kind: "readable", conversationId: c.conversation.id };
  }

  /** A payload for a type that receives in the step's transaction (its state spans many records). */
  async #receive(c: ToReceive): Promise<InboundOutcome> {
    const ref = c.conversation;
    const runtime = this.#registry.runtime(ref.type);
    const receive = runtime?.lifecycle?.receive;
    if (!runtime || !receive) return { kind: "badly-formed", reason: "unknown-type", conversationId: ref.id };
    const outcome = await this.#steps.unit(async (tx, plan) => {
      const r = await receive(this.#steps.context(tx, runtime), ref, c.payload);
      await this.#effects.apply(tx, r.effects, plan);
      return r.outcome;
    });
    return outcome.ok
      ? { kind: "readable", conversationId: ref.id }
      : { kind: "badly-formed", reason: outcome.reason, conversationId: ref.id };
  }

  /** What an opened frame means, in the type's own words (`lifecycle.opened`). */
  #openedEffects(ref: ConversationRef, frame: unknown, state: unknown, started: { now: number } | undefined): Effect[] {
    const opened = this.#registry.runtime(ref.type)?.lifecycle?.opened;
    if (opened && frame !== undefined) return opened(frame, state, ref, started);
    if (!started) return [];
    // A type that says nothing of its frames: the conversation starts with its record and its topic watched.
    return [
      { kind: "conversation", ref, peer: "", initiatedBy: "peer" },
      { kind: "watch", ref, since: started.now - 10 * 60_000 },
    ];
  }

  /** Periodic work on one conversation; a conversation whose type reports nothing changed commits nothing. */
  async #wake(ref: ConversationRef): Promise<void> {
    const runtime = this.#registry.runtime(ref.type);
    const wake = runtime?.lifecycle?.wake;
    if (!runtime || !wake) return;
    const tx = new Transaction(this.#store);
    const effects = await wake(this.#steps.context(tx, runtime), ref);
    if (!effects) return;
    const plan = newPlan();
    await this.#effects.apply(tx, effects, plan);
    await this.#steps.commit(tx);
    await this.#finish(plan);
  }

  #armSweep(): void {
    if (!this.#autoSweep || this.#closed) return;
    this.#timer = this.#clock.setTimer(this.#config.sweepIntervalMs, () => {
      if (this.#closed) return;
      this.sweep()
        .catch((e: unknown) => {
          if (!this.#closed) this.#emit({ type: "error", error: asParley(e) });
        })
        .finally(() => this.#armSweep());
    });
  }
}

/** Runs a type's step, reporting its refusals in the Client's words. */
async function lifecycleCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof LifecycleError)
      throw new ClientError(e.code === "content-too-large" ? "content-too-large" : "unknown-conversation", e.message);
    throw e;
  }
}

function asParley(e: unknown): ParleyError {
  if (e instanceof Error && "code" in e && typeof (e as { code: unknown }).code === "string") return e as ParleyError;
  return new ClientError("publish-failed", e instanceof Error ? e.message : String(e));
}
