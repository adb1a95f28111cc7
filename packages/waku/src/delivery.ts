import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { identify } from "@libp2p/identify";
import type { Libp2p, Message, PeerId, PrivateKey } from "@libp2p/interface";
import { mplex } from "@libp2p/mplex";
import { ping } from "@libp2p/ping";
import { type Multiaddr, multiaddr } from "@multiformats/multiaddr";
import {
  type Clock,
  type DeliveredMessage,
  type Delivery,
  type HistoryQuery,
  MAX_PAYLOAD_BYTES,
  type MessageHandler,
  type MissedMessageOptions,
  MissedMessages,
  type PublishResult,
  systemClock,
  toHex,
} from "@parley/core";
import { createLibp2p } from "libp2p";

import { WakuError } from "./errors.js";
import { decodeWakuMessage, encodeWakuMessage, MonotonicNs, messageHash, nsToMs, type WakuMessage } from "./message.js";
import { handleMetadata } from "./metadata.js";
import { type Relay, relayValidator, wakuRelay } from "./relay.js";
import { contentTopicToPubsubTopic, DEFAULT_NETWORK, type NetworkConfig, validateNetwork } from "./sharding.js";
import { parsePeerAddress, StaticPeers } from "./static-peers.js";
import type { MessageArchive } from "./store/archive.js";
import { storeHistory } from "./store/history.js";
import { STORE_CODEC, serveStore } from "./store/server.js";
import type { Transport } from "./transports.js";

export interface WakuDeliveryOptions {
  /** Cluster and shard count for autosharding; every peer of one network must agree. Default cluster 42, 8 shards. */
  readonly network?: NetworkConfig;
  /** Shards relayed from start (so meshes exist before the first publish). Default: every shard of the cluster. */
  readonly shards?: readonly number[];
  /** Listen multiaddrs: `/ip4/127.0.0.1/tcp/0`, `/ip4/127.0.0.1/tcp/0/ws`, `/memory/name`. Default: none (dial-only). */
  readonly listen?: readonly string[];
  /** Static peers kept connected (multiaddrs, usually with /p2p/). */
  readonly bootstrap?: readonly string[];
  /** Store service peers for `history()`. Default: the bootstrap peers, then any connected store peer. */
  readonly storePeers?: readonly string[];
  readonly privateKey?: PrivateKey;
  readonly heartbeatIntervalMs?: number;
  /** How long `publish` waits for a subscribed peer (and retries) before giving up. Default 10 s. */
  readonly publishTimeoutMs?: number;
  /** Lower than 150 KiB is allowed, higher is not (the network would drop it). */
  readonly maxPayloadBytes?: number;
  /** When set, this node archives every message it relays and serves Waku Store v3 from it. */
  readonly archive?: MessageArchive;
  /**
   * Whether this node's own subscriptions receive what it publishes (once the publish succeeded), as nwaku's
   * relay does (triggerSelf) and core's MemoryDelivery does by default. Default true.
   */
  readonly deliverToSelf?: boolean;
  readonly clock?: Clock;
  /**
   * When set, ask the Store peer at this pace for what was published lately on the subscribed topics and
   * deliver what relay missed (core's framework/missed-messages.ts). Each message still reaches the handlers once. Default: off.
   */
  readonly missedMessages?: MissedMessageOptions;
  /**
   * The libp2p transports. Default: TCP, WebSocket and in-process memory (Node). A page passes
   * `webSocketTransports()` from `@parley/waku/browser`: browsers have no TCP.
   */
  readonly transports?: readonly Transport[];
}

/** `ok` results also say how many peers the message went to directly. */
export type WakuPublishResult = PublishResult & { readonly recipients?: number };

/** After pending I/O callbacks in Node; a macrotask in browsers, which have no setImmediate. */
const later: (f: () => void) => void = globalThis.setImmediate ?? ((f) => setTimeout(f, 0));

/** Gives up a publish attempt that gossipsub does not finish, then waits for peers again. */
const RETRY_WAIT_MAX_MS = 1_000;

/**
 * Parley's `Delivery` on Waku: Relay for publish/subscribe (our own thin layer over gossipsub), Store v3 for
 * history, autosharding to map content topics to pubsub topics, and static peers for bootstrap.
 */
export class WakuDelivery implements Delivery {
  readonly maxPayloadBytes: number;
  readonly network: NetworkConfig;
  private node?: Libp2p<{ pubsub: Relay }>;
  private staticPeers?: StaticPeers;
  private readonly handlers = new Map<string, Set<MessageHandler>>();
  private readonly joined = new Set<string>();
  private readonly baseShards: readonly number[];
  private readonly timestamps: MonotonicNs;
  private readonly clock: Clock;
  private readonly wakers = new Set<() => void>();
  private readonly decoded = new WeakMap<Message, WakuMessage>();
  private state: "new" | "started" | "stopped" = "new";
  private missed?: MissedMessages;
  private readonly onMessage = (evt: CustomEvent<Message>) => void this.receive(evt.detail);
  private readonly wake = () => {
    for (const w of [...this.wakers]) w();
  };

  constructor(private readonly options: WakuDeliveryOptions = {}) {
    this.network = options.network ?? DEFAULT_NETWORK;
    validateNetwork(this.network);
    this.maxPayloadBytes = Math.min(options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES);
    this.baseShards = options.shards ?? [...Array(this.network.numShardsInCluster).keys()];
    for (const s of this.baseShards)
      if (!Number.isInteger(s) || s < 0 || s >= this.network.numShardsInCluster)
        throw new WakuError("invalid-config", `shard ${s} is outside cluster ${this.network.clusterId}`);
    this.clock = options.clock ?? systemClock;
    this.timestamps = new MonotonicNs(() => this.clock.now());
    for (const a of [...(options.bootstrap ?? []), ...(options.storePeers ?? [])]) parsePeerAddress(a);
  }

  async start(): Promise<void> {
    if (this.state !== "new") throw new WakuError("invalid-config", "a WakuDelivery starts once");
    const node = await this.createNode().catch((err: unknown) => {
      throw listenError(err) ?? err;
    });
    this.node = node as unknown as Libp2p<{ pubsub: Relay }>;
    const relay = this.node.services.pubsub;
    relay.addEventListener("message", this.onMessage);
    relay.addEventListener("subscription-change", this.wake);
    relay.addEventListener("gossipsub:graft", this.wake);
    this.node.addEventListener("peer:connect", this.wake);
    await handleMetadata(this.node, this.network.clusterId, this.baseShards);
    if (this.options.archive) await serveStore(this.node, this.options.archive);
    this.state = "started";
    for (const shard of this.baseShards) this.join(`/waku/2/rs/${this.network.clusterId}/${shard}`);
    for (const ct of this.handlers.keys()) this.join(this.pubsubTopicOf(ct));
    this.staticPeers = new StaticPeers(this.node, this.options.bootstrap ?? []);
    this.staticPeers.start();
    if (this.options.missedMessages) {
      this.missed = new MissedMessages(this.options.missedMessages, {
        clock: this.clock,
        topics: () => [...this.handlers.keys()],
        history: (q) => this.history(q),
        deliver: (m) => this.handOut(m),
      });
      this.missed.start();
    }
  }

  /**
   * Asks the Store peer now for what relay missed lately on the subscribed topics (see `missedMessages`);
   * resolves with how many messages it delivered. 0 when the check is off.
   */
  checkMissed(): Promise<number> {
    return this.missed?.check() ?? Promise.resolve(0);
  }

  /** How many messages the missed-message checks delivered so far (relay had not). */
  get recoveredMessages(): number {
    return this.missed?.recovered ?? 0;
  }

  private async createNode() {
    return createLibp2p({
      ...(this.options.privateKey ? { privateKey: this.options.privateKey } : {}),
      addresses: { listen: [...(this.options.listen ?? [])] },
      // Node's transports load only when no others are given, so a browser bundle never runs them.
      transports: [...(this.options.transports ?? (await import("./transports-node.js")).nodeTransports())],
      connectionEncrypters: [noise()],
      // js-waku light nodes speak mplex; yamux is preferred by everyone else.
      streamMuxers: [yamux(), mplex()],
      services: {
        identify: identify({ agentVersion: "parley-waku" }),
        ping: ping(),
        pubsub: wakuRelay({ heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? 1000 }),
      },
    });
  }

  async stop(): Promise<void> {
    if (this.state !== "started") {
      this.state = "stopped";
      return;
    }
    this.state = "stopped";
    this.wake();
    this.missed?.stop();
    this.staticPeers?.stop();
    const node = this.node!;
    node.services.pubsub.removeEventListener("message", this.onMessage);
    await node.stop();
  }

  get libp2p(): Libp2p {
    return this.requireNode();
  }

  get peerId(): PeerId {
    return this.requireNode().peerId;
  }

  multiaddrs(): Multiaddr[] {
    return this.requireNode().getMultiaddrs();
  }

  /** Dials a peer now (static peers are dialed automatically). */
  async dial(addr: string | Multiaddr): Promise<void> {
    await this.requireNode().dial(typeof addr === "string" ? multiaddr(addr) : addr);
  }

  /** Peers subscribed to the pubsub topic carrying `contentTopic` (whom a publish would reach directly). */
  topicPeers(contentTopic: string): number {
    return this.requireNode().services.pubsub.getSubscribers(this.pubsubTopicOf(contentTopic)).length;
  }

  /**
   * Waits until this node's gossipsub mesh for `contentTopic`'s shard has at least `minPeers` peers (forwarding
   * reaches peers only once they are in a mesh). Resolves false on timeout; never throws for network state.
   */
  async waitForPeers(contentTopic: string, minPeers = 1, timeoutMs = 10_000): Promise<boolean> {
    const pubsubTopic = this.pubsubTopicOf(contentTopic);
    this.join(pubsubTopic);
    const relay = this.requireNode().services.pubsub;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.state !== "started") return false;
      if (relay.getMeshPeers(pubsubTopic).length >= minPeers) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.waitForChange(Math.min(left, RETRY_WAIT_MAX_MS));
    }
  }

  pubsubTopicOf(contentTopic: string): string {
    return contentTopicToPubsubTopic(contentTopic, this.network);
  }

  async publish(contentTopic: string, payload: Uint8Array): Promise<WakuPublishResult> {
    if (this.state !== "started") return { ok: false, error: "stopped" };
    if (payload.length > this.maxPayloadBytes)
      return { ok: false, error: "too-large", detail: `${payload.length} > ${this.maxPayloadBytes} bytes` };
    if (payload.length === 0) return { ok: false, error: "rejected", detail: "empty payload (relays drop it)" };
    let pubsubTopic: string;
    try {
      pubsubTopic = this.pubsubTopicOf(contentTopic);
    } catch (err) {
      return { ok: false, error: "rejected", detail: (err as Error).message };
    }
    const message: WakuMessage = { payload, contentTopic, version: 0, timestamp: this.timestamps.next() };
    const data = encodeWakuMessage(message);
    const hash = messageHash(pubsubTopic, message);
    this.join(pubsubTopic);
    const relay = this.requireNode().services.pubsub;
    const deadline = Date.now() + (this.options.publishTimeoutMs ?? 10_000);
    let sawPeers = false;
    let lastError = "";
    for (;;) {
      if (this.state !== "started") return { ok: false, error: "stopped" };
      if (relay.getSubscribers(pubsubTopic).length > 0) {
        sawPeers = true;
        try {
          const { recipients } = await relay.publish(pubsubTopic, data);
          if (recipients.length > 0) {
            await this.options.archive?.insert(pubsubTopic, message, hash);
            // After the caller has seen the result, as a network delivery would arrive.
            if (this.options.deliverToSelf ?? true) later(() => this.dispatch(message, hash));
            return { ok: true, hash: toHex(hash), recipients: recipients.length };
          }
        } catch (err) {
          lastError = (err as Error).message;
          // These exact bytes are already on the network (this node relayed them): nothing left to do.
          if (lastError.includes("PublishError.Duplicate")) return { ok: true, hash: toHex(hash), recipients: 0 };
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) break;
      // Wait for a subscription, a graft or a new connection instead of sleeping a fixed time.
      await this.waitForChange(Math.min(left, RETRY_WAIT_MAX_MS));
    }
    return sawPeers
      ? { ok: false, error: "timeout", detail: lastError || "no peer accepted the message in time" }
      : { ok: false, error: "no-peers", detail: `no peer subscribed to ${pubsubTopic}` };
  }

  async subscribe(contentTopic: string, handler: MessageHandler): Promise<() => void> {
    const pubsubTopic = this.pubsubTopicOf(contentTopic);
    const set = this.handlers.get(contentTopic) ?? new Set<MessageHandler>();
    this.handlers.set(contentTopic, set);
    // A wrapper, so subscribing the same function twice gives two independent subscriptions.
    const entry: MessageHandler = (m) => handler(m);
    set.add(entry);
    if (this.state === "started") this.join(pubsubTopic);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.handlers.get(contentTopic) === set) this.handlers.delete(contentTopic);
      this.leaveIfUnused(pubsubTopic);
    };
  }

  /**
   * Messages the Store peers kept for these content topics, oldest first (by sender timestamp, then hash),
   * without duplicates. Throws `WakuError` ("store-unavailable", "store-query-failed") when no store answers.
   */
  async *history(query: HistoryQuery): AsyncIterable<DeliveredMessage> {
    const node = this.requireNode();
    yield* storeHistory(node, await this.storePeer(), (ct) => this.pubsubTopicOf(ct), query);
  }

  private requireNode(): Libp2p<{ pubsub: Relay }> {
    if (!this.node || this.state !== "started") throw new WakuError("not-started", "WakuDelivery is not running");
    return this.node;
  }

  private join(pubsubTopic: string): void {
    if (this.joined.has(pubsubTopic)) return;
    const relay = this.requireNode().services.pubsub;
    relay.topicValidators.set(pubsubTopic, relayValidator(this.maxPayloadBytes, this.decoded));
    relay.subscribe(pubsubTopic);
    this.joined.add(pubsubTopic);
  }

  private leaveIfUnused(pubsubTopic: string): void {
    if (this.state !== "started" || !this.joined.has(pubsubTopic)) return;
    const shard = Number(pubsubTopic.split("/").pop());
    if (this.baseShards.includes(shard)) return;
    for (const ct of this.handlers.keys()) if (this.pubsubTopicOf(ct) === pubsubTopic) return;
    const relay = this.requireNode().services.pubsub;
    relay.unsubscribe(pubsubTopic);
    relay.topicValidators.delete(pubsubTopic);
    this.joined.delete(pubsubTopic);
  }

  private waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private async receive(msg: Message): Promise<void> {
    const message = this.decoded.get(msg) ?? decodeWakuMessage(msg.data);
    if (!message) return;
    const hash = messageHash(msg.topic, message);
    if (this.options.archive) {
      // Archive failures must not stop live delivery; the next message retries the store.
      await this.options.archive.insert(msg.topic, message, hash).catch(() => undefined);
    }
    this.dispatch(message, hash);
  }

  private dispatch(message: WakuMessage, hash: Uint8Array): void {
    if (this.state !== "started" || !this.handlers.has(message.contentTopic)) return;
    const hex = toHex(hash);
    // Once per message, whether relay or a missed-message check brings it first.
    if (this.missed && !this.missed.first(hex)) return;
    this.handOut({
      contentTopic: message.contentTopic,
      payload: message.payload,
      timestamp: nsToMs(message.timestamp),
      hash: hex,
    });
  }

  private handOut(delivered: DeliveredMessage): void {
    if (this.state !== "started") return;
    const set = this.handlers.get(delivered.contentTopic);
    if (!set) return;
    for (const h of [...set]) {
      try {
        h(delivered);
      } catch {
        // One faulty handler must not starve the others.
      }
    }
  }

  private async storePeer(): Promise<PeerId | Multiaddr> {
    const node = this.requireNode();
    const configured = this.options.storePeers ?? this.options.bootstrap ?? [];
    const connected = node.getPeers();
    for (const a of configured) {
      const id = multiaddr(a).getPeerId();
      const hit = id ? connected.find((p) => p.toString() === id) : undefined;
      if (hit) return hit;
    }
    for (const p of connected) {
      const info = await node.peerStore.get(p).catch(() => undefined);
      if (info?.protocols.includes(STORE_CODEC)) return p;
    }
    const first = configured[0];
    if (first) return multiaddr(first);
    throw new WakuError("store-unavailable", "no store peer configured or connected");
  }
}

/**
 * libp2p reports a listen address it could not bind as one error listing every address with its system error.
 * A port in use or an address this machine does not have becomes WakuError "listen-failed" naming them.
 */
function listenError(err: unknown): WakuError | undefined {
  const text = err instanceof Error ? err.message : String(err);
  const found = [...text.matchAll(/(EADDRINUSE|EADDRNOTAVAIL|EACCES)[^\n]*?(\d[\d.:a-f]*:\d+)/g)];
  if (found.length === 0) return undefined;
  const why: Record<string, string> = {
    EADDRINUSE: "is already in use",
    EADDRNOTAVAIL: "is not an address of this machine",
    EACCES: "needs privileges to listen on",
  };
  const parts = found.map(([, code, addr]) => `${addr} ${why[code!]}`);
  return Object.assign(new WakuError("listen-failed", `cannot listen: ${[...new Set(parts)].join("; ")}`), {
    cause: err,
  });
}
