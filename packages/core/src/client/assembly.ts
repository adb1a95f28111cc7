/**
 * The Client's composition root: builds its parts once, each given only what it uses (the step runner,
 * the effect applier, inbound, the network side, control between types, groups, message requests, the
 * sweep). Parts that need each other late (effects carry control; steps finish on the network) get a
 * function instead of the object.
 */
import { type Clock, systemClock } from "../base/clock.js";
import { ContentCodecs } from "../conversations/content/index.js";
import { conversationKey, loadState } from "../framework/conversation-store.js";
import { Decoder } from "../framework/decoder.js";
import { Registry } from "../framework/registry.js";
import type { Transaction } from "../framework/store.js";
import { type Store, Transaction as Tx } from "../framework/store.js";
import { ClientAccount } from "./account.js";
import { resolveClientConfig } from "./config.js";
import { Control } from "./control.js";
import { DeferredWrites } from "./deferred-writes.js";
import { EffectApplier } from "./effects.js";
import { ClientError } from "./errors.js";
import { EventStream } from "./event-stream.js";
import { Groups } from "./groups.js";
import { HistoryLog } from "./history.js";
import { Inbound } from "./inbound.js";
import { PerSenderWindows, RateWindow } from "./invite-gate.js";
import { Network } from "./network.js";
import { PendingStore, StepPipeline } from "./pipeline.js";
import type { HistoryRecord } from "./records.js";
import { Requests } from "./requests.js";
import { StateCache } from "./state-cache.js";
import { cached, Steps } from "./step.js";
import { Sweeper } from "./sweep.js";
import type { ClientConfig, ClientEvent, ClientOptions, InboundOutcome } from "./types.js";

export interface ClientParts {
  /**
   * The given store behind the state cache and the deferred writes (every read and commit of the Client goes
   * through it).
   */
  readonly store: Store;
  /** The same store: writes waiting for the next commit (`sent` marks), committed by `flush`. */
  readonly deferred: DeferredWrites;
  /** Committed conversation states of every type, decoded (each type's runtime is its codec). */
  readonly states: StateCache<unknown>;
  readonly clock: Clock;
  readonly config: ClientConfig;
  readonly codecs: ContentCodecs;
  readonly registry: Registry;
  readonly decoder: Decoder;
  readonly effects: EffectApplier;
  readonly steps: Steps;
  /** Runs the steps, one logical writer; batched steps share one commit (pipeline.ts). */
  readonly serial: StepPipeline;
  /** The given store under the state cache: where a batch's commits wait for its end. */
  readonly pending: PendingStore;
  readonly events: EventStream<ClientEvent>;
  readonly network: Network;
  readonly control: Control;
  readonly inbound: Inbound;
  readonly groups: Groups;
  readonly requests: Requests;
  readonly sweeper: Sweeper;
  readonly account: ClientAccount;
}

/** What the parts ask of the Client itself. */
export interface ClientHooks {
  /** This installation's key, lower hex. */
  self(): string;
  closed(): boolean;
  /** `Client.ingest`: one received message in a serial step. */
  ingest(contentTopic: string, payload: Uint8Array): Promise<InboundOutcome>;
  /** `Client.sweep`: one sweep in a serial step. */
  sweep(): Promise<void>;
  /** This installation's keys. */
  installation(): { readonly publicKey: Uint8Array; readonly secretKey: Uint8Array };
  /** `Client.introBundle()`. */
  introBundle(options?: { fresh?: boolean }): Promise<string>;
}

export function assemble(options: ClientOptions, seq: number, hooks: ClientHooks): ClientParts {
  const states = new StateCache<unknown>();
  // A failed shared commit leaves no cached state behind (the cache's own wrap only sees commits it issued).
  const pending = new PendingStore(options.store, () => states.clear());
  const deferred = new DeferredWrites(states.wrap(pending));
  const store: Store = deferred;
  const crypto = options.crypto;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? ((n) => crypto.randomBytes(n));
  const config = resolveClientConfig(options);
  const invites = config.invites;
  const now = () => clock.now();
  const events = new EventStream<ClientEvent>();
  const emit = (e: ClientEvent) => events.emit(e);
  // What a step emits itself waits, like its plan's events, for the commit of its batch.
  const stepEmit = (e: ClientEvent) => void pending.after(() => events.emit(e));
  const serial = new StepPipeline(pending);
  const codecs = new ContentCodecs(options.codecs ?? []);
  const decodeContent = (bytes: Uint8Array) => codecs.decode(bytes);
  const history = new HistoryLog(seq);
  const addHistory = (tx: Transaction, cid: string, record: HistoryRecord) => history.add(tx, cid, record);
  const registry = new Registry();
  // An application's types claim their capabilities first (built-in types yield them at boot).
  for (const t of options.types ?? []) registry.register(cached(t, states));

  let network: Network | undefined;
  let control: Control | undefined;
  let requests: Requests | undefined;
  let inbound: Inbound | undefined;
  const effects = new EffectApplier({
    now,
    decodeContent,
    addHistory,
    carry: (tx, peer, payload) => control!.carry(tx, peer, payload),
    control: async (tx, m, plan) => {
      if (!(await account.link.receive(tx, m, plan))) await control!.receive(tx, m, plan);
    },
    fetchHistory: (topic, since) => network!.backfill(topic, since ?? 0),
    internal: (type) => registry.runtime(type)?.lifecycle?.internal === true,
    accountSync: (tx, e, plan): Promise<void> => account.self.receive(tx, e, plan),
  });
  const decoder = new Decoder({
    registry,
    crypto,
    store,
    clock,
    loadState: async (ref) => {
      const known = states.bytes(conversationKey(ref));
      if (known) return known;
      const bytes = await loadState(store, ref);
      const runtime = registry.runtime(ref.type);
      if (bytes && runtime) await steps.loadRecords(new Tx(store), runtime, ref, bytes);
      return bytes;
    },
  });
  const index = decoder.index;
  const steps = new Steps({
    store,
    states,
    crypto,
    random,
    clock,
    self: hooks.self,
    isKnownConversation: (id) => index.has(id),
    firstContact: () => registry.firstContact(),
    finish: (plan) => network!.finish(plan),
    committed: (staged) => sweeper.committed(staged),
    pipeline: pending,
  });
  network = new Network({
    delivery: options.delivery,
    crypto,
    random,
    rawHints: config.rawHints,
    index,
    serial,
    deferred,
    closed: hooks.closed,
    emit,
    ingest: hooks.ingest,
  });
  const rate = new PerSenderWindows(invites.groupControlPerSender, invites.windowMs);
  control = new Control({ registry, steps, rate, effects: () => effects, now, emit: stepEmit });
  const groups = new Groups({ registry, steps, effects, control, self: hooks.self });
  inbound = new Inbound({
    decoder,
    registry,
    steps,
    effects,
    requests: () => requests!,
    now,
    emit: stepEmit,
    refused: (id, reason) => sweeper.refused(id, reason),
    refusedInStep: (id) => sweeper.refusedInStep(id),
    opened: (id) => sweeper.opened(id),
  });
  requests = new Requests({
    store,
    steps,
    config,
    inviteRate: new RateWindow(invites.perWindow, invites.windowMs),
    now,
    emit: stepEmit,
    decodeContent,
    addHistory,
    isPairwise: (type) => registry.starter("pairwise")?.spec.name === type,
    knowsPeer: async (tx, peer) => (await control!.pairwiseWith(tx, peer)) !== undefined,
    openedEffects: (ref, frame, state, started) => inbound!.openedEffects(ref, frame, state, started),
  });
  const sweeper = new Sweeper({
    registry,
    index,
    steps,
    effects,
    requests,
    clock,
    crypto,
    intervalMs: config.sweepIntervalMs,
    closed: hooks.closed,
    emit,
    sweep: hooks.sweep,
  });
  const account: ClientAccount = new ClientAccount({
    crypto,
    registry,
    states,
    steps,
    effects,
    control,
    now,
    installation: hooks.installation,
    step: (fn) => (hooks.closed() ? Promise.reject(new ClientError("closed", "client is closed")) : serial.run(fn)),
    introBundle: hooks.introBundle,
    encodeContent: (c) => codecs.encode(c),
    addHistory,
    listChanged: (types) => sweeper.dueNow(types),
    linkHistoryMessages: config.linkHistoryMessages,
  });
  // What the account's devices share is looked at again when a conversation starts or a roster changes.
  events.listen((e) => {
    if (e.type === "conversation-started" || e.type === "members-changed" || e.type === "left") account.self.touch();
  });
  return {
    account,
    store,
    deferred,
    states,
    clock,
    config,
    codecs,
    registry,
    decoder,
    effects,
    steps,
    serial,
    pending,
    events,
    network,
    control,
    inbound,
    groups,
    requests,
    sweeper,
  };
}
