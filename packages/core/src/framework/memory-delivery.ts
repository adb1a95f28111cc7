/**
 * `MemoryDelivery`: an in-process delivery bus with seeded faults, driven by an injected clock (a
 * `VirtualClock` in tests), so a long lossy run among many clients is fast and exactly reproducible.
 *
 * Each participant takes a named endpoint (`bus.endpoint("alice")`), which implements `Delivery`; the bus
 * itself is also a `Delivery` (endpoint "default") for simple set-ups. Every publish is fanned out to each
 * endpoint subscribed to the topic (the publisher included, as a relay node sees its own messages unless
 * `deliverToSelf: false`), and each of those deliveries independently meets the faults of its link:
 *
 *   partition (cut links deliver nothing) → drop → delay → hold-back (reordering) → duplication.
 *
 * Fault decisions are drawn from one seeded PRNG in a fixed order, and deliveries are clock timers, which
 * fire in (time, scheduling order): the same seed and the same calls give the same trace.
 *
 * Message hash (the `hash` of a DeliveredMessage, and the history key), shaped like Waku's deterministic
 * message hash without `meta`:
 *   lower_hex(SHA-256(utf8(pubsubTopic) || payload || utf8(contentTopic) || u64be(timestamp_ms * 10^6)))
 * A publish whose hash was already seen (same topic, bytes and millisecond) is accepted and not relayed
 * again, as Waku relay's seen-cache does.
 *
 * `history()` returns everything published (a Store node that hears every message), regardless of faults
 * and partitions; `pageSize` is ignored (one page).
 *
 * With `missedMessages`, every endpoint asks that history now and then for what its links lost, as a
 * WakuDelivery asks its Store peer (missed-messages.ts, the same code): a message a drop took is delivered by
 * the next check after it. A check cannot reach across a partition (the Store is on the other side), and what
 * relay delivered is not delivered again by a check; relay's own duplicates still arrive (a fault of the model).
 */
import { concatBytes, toHex, u64be, utf8 } from "../base/bytes.js";
import type { Clock } from "../base/clock.js";
import type { CryptoProvider } from "../crypto/provider.js";
import {
  type DeliveredMessage,
  type Delivery,
  type HistoryQuery,
  MAX_PAYLOAD_BYTES,
  type MessageHandler,
  type PublishResult,
} from "./delivery.js";
import { MemoryEndpoint } from "./memory-endpoint.js";
import type { MissedMessageOptions } from "./missed-messages.js";
import { SeededPrng } from "./prng.js";

export { MemoryEndpoint };

export interface Faults {
  /** Probability that one delivery (one message to one endpoint) is lost. */
  readonly drop?: number;
  /** Probability that a delivery also arrives a second time (the copy gets its own delay). */
  readonly duplicate?: number;
  /** Probability that a delivery is held back by an extra 1..reorderWindow ms, so later ones overtake it. */
  readonly reorder?: number;
  /** Upper bound of the hold-back in ms (default 100). */
  readonly reorderWindow?: number;
  /** Uniform per-delivery latency in ms (default 0..0). */
  readonly delay?: { readonly min: number; readonly max: number };
}

export interface MemoryDeliveryOptions {
  readonly clock: Clock;
  /** Hashes messages (SHA-256). */
  readonly crypto: CryptoProvider;
  readonly seed: number | string;
  /** Faults of every link without its own (default: none). */
  readonly faults?: Faults;
  readonly deliverToSelf?: boolean;
  readonly maxPayloadBytes?: number;
  /** The pubsub topic that goes into message hashes (default "/waku/2/rs/19/0", WakuChat's shard). */
  readonly pubsubTopic?: string;
  /** Record a trace of every event (default true; turn off for very long runs). */
  readonly trace?: boolean;
  /** Each endpoint checks history for what its links lost, as WakuDelivery's option of that name. Default: off. */
  readonly missedMessages?: MissedMessageOptions;
}

export interface DeliveryStats {
  published: number;
  /** Publishes refused as larger than `maxPayloadBytes`. */
  tooLarge: number;
  /** Publishes whose hash was already seen (not relayed again). */
  deduplicated: number;
  /** Message-to-endpoint deliveries attempted (before faults). */
  attempted: number;
  delivered: number;
  dropped: number;
  /** Extra copies scheduled. */
  duplicated: number;
  /** Deliveries with non-zero latency. */
  delayed: number;
  /** Deliveries given a hold-back (the reorder fault applied). */
  heldBack: number;
  /** Deliveries observed arriving after a later-published message on the same endpoint and topic. */
  reordered: number;
  /** Deliveries lost to a partition (at send or at arrival time). */
  partitioned: number;
  /** Handlers that threw or rejected (the bus carries on). */
  handlerErrors: number;
  /** Messages delivered by missed-message checks (their links had lost them). */
  recovered: number;
}

export interface TraceEvent {
  readonly t: number;
  readonly event: "publish" | "too-large" | "duplicate-publish" | "drop" | "partitioned" | "deliver" | "recover";
  readonly from: string;
  readonly to?: string;
  readonly topic: string;
  readonly hash: string;
  /** For deliveries: which copy (0 = original, 1 = duplicate). */
  readonly copy?: number;
}

export interface PartitionHandle {
  heal(): void;
}

interface Published {
  readonly seq: number;
  readonly message: DeliveredMessage;
  readonly from: string;
}

const DEFAULT_PUBSUB_TOPIC = "/waku/2/rs/19/0";

export class MemoryDelivery implements Delivery {
  readonly maxPayloadBytes: number;
  readonly #clock: Clock;
  readonly #crypto: CryptoProvider;
  readonly #prng: SeededPrng;
  readonly #deliverToSelf: boolean;
  readonly #pubsubTopic: string;
  readonly #tracing: boolean;
  readonly #missed: MissedMessageOptions | undefined;
  #faults: Faults;
  readonly #linkFaults = new Map<string, Faults>();
  readonly #endpoints = new Map<string, MemoryEndpoint>();
  readonly #partitions = new Set<ReadonlyMap<string, number>>();
  readonly #history: Published[] = [];
  readonly #seen = new Set<string>();
  /** `${endpoint}\0${topic}` -> highest publish seq delivered, to count observed reorderings. */
  readonly #lastSeq = new Map<string, number>();
  readonly #trace: TraceEvent[] = [];
  readonly #stats: DeliveryStats = {
    published: 0,
    tooLarge: 0,
    deduplicated: 0,
    attempted: 0,
    delivered: 0,
    dropped: 0,
    duplicated: 0,
    delayed: 0,
    heldBack: 0,
    reordered: 0,
    partitioned: 0,
    handlerErrors: 0,
    recovered: 0,
  };
  #seq = 0;

  constructor(options: MemoryDeliveryOptions) {
    this.#clock = options.clock;
    this.#crypto = options.crypto;
    this.#prng = new SeededPrng(options.seed);
    this.#faults = checkFaults(options.faults ?? {});
    this.#deliverToSelf = options.deliverToSelf ?? true;
    this.maxPayloadBytes = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
    this.#pubsubTopic = options.pubsubTopic ?? DEFAULT_PUBSUB_TOPIC;
    this.#tracing = options.trace ?? true;
    this.#missed = options.missedMessages;
  }

  /** The endpoint with this name (created on first use). Names identify links for faults and partitions. */
  endpoint(name: string): MemoryEndpoint {
    let e = this.#endpoints.get(name);
    if (!e || e.closed) {
      const missed = this.#missed && {
        options: this.#missed,
        clock: this.#clock,
        history: (query: HistoryQuery) => this.#reachable(name, query),
      };
      e = new MemoryEndpoint(this, name, missed);
      this.#endpoints.set(name, e);
    }
    return e;
  }

  publish(contentTopic: string, payload: Uint8Array): Promise<PublishResult> {
    return this.endpoint("default").publish(contentTopic, payload);
  }

  subscribe(contentTopic: string, handler: MessageHandler): Promise<() => void> {
    return this.endpoint("default").subscribe(contentTopic, handler);
  }

  history(query: HistoryQuery): AsyncIterable<DeliveredMessage> {
    return this.#historyOf(query, () => true);
  }

  /** History as `name` can reach it: not across a partition. */
  #reachable(name: string, query: HistoryQuery): AsyncIterable<DeliveredMessage> {
    return this.#historyOf(query, (p) => !this.#cut(p.from, name));
  }

  #historyOf(query: HistoryQuery, keep: (p: Published) => boolean): AsyncIterable<DeliveredMessage> {
    const topics = new Set(query.contentTopics);
    const matching = this.#history
      .filter(
        (p) =>
          topics.has(p.message.contentTopic) &&
          (query.startTime === undefined || p.message.timestamp >= query.startTime) &&
          (query.endTime === undefined || p.message.timestamp <= query.endTime) &&
          keep(p),
      )
      .map((p) => p.message);
    return (async function* () {
      for (const m of matching) yield { ...m, payload: m.payload.slice() };
    })();
  }

  /** Sets the faults of every link that has no faults of its own. */
  setFaults(faults: Faults): void {
    this.#faults = checkFaults(faults);
  }

  /** Sets (or with `undefined` clears) the faults of the directed link `from` → `to`. */
  setLinkFaults(from: string, to: string, faults: Faults | undefined): void {
    if (faults === undefined) this.#linkFaults.delete(linkKey(from, to));
    else this.#linkFaults.set(linkKey(from, to), checkFaults(faults));
  }

  /**
   * Cuts the named endpoints into groups that cannot reach each other (until `heal`). Endpoints not named
   * stay connected to everyone. Several partitions may be active at once.
   */
  partition(...groups: readonly (readonly string[])[]): PartitionHandle {
    const side = new Map<string, number>();
    groups.forEach((g, i) => {
      for (const name of g) side.set(name, i);
    });
    this.#partitions.add(side);
    return { heal: () => this.#partitions.delete(side) };
  }

  /** Removes every partition. */
  healAll(): void {
    this.#partitions.clear();
  }

  stats(): DeliveryStats {
    return { ...this.#stats };
  }

  trace(): TraceEvent[] {
    return [...this.#trace];
  }

  /** @internal used by endpoints. */
  _publish(from: MemoryEndpoint, contentTopic: string, payload: Uint8Array): PublishResult {
    if (!(payload instanceof Uint8Array) || typeof contentTopic !== "string" || contentTopic.length === 0) {
      return { ok: false, error: "rejected", detail: "bad topic or payload" };
    }
    if (payload.length > this.maxPayloadBytes) {
      this.#stats.tooLarge++;
      this.#record({ t: this.#clock.now(), event: "too-large", from: from.name, topic: contentTopic, hash: "" });
      return { ok: false, error: "too-large", detail: `${payload.length} > ${this.maxPayloadBytes} bytes` };
    }
    const timestamp = this.#clock.now();
    const hash = this.messageHash(contentTopic, payload, timestamp);
    if (this.#seen.has(hash)) {
      this.#stats.deduplicated++;
      this.#record({ t: timestamp, event: "duplicate-publish", from: from.name, topic: contentTopic, hash });
      return { ok: true, hash };
    }
    this.#seen.add(hash);
    this.#stats.published++;
    const message: DeliveredMessage = { contentTopic, payload: payload.slice(), timestamp, hash };
    const published: Published = { seq: this.#seq++, message, from: from.name };
    this.#history.push(published);
    this.#record({ t: timestamp, event: "publish", from: from.name, topic: contentTopic, hash });

    for (const to of this.#endpoints.values()) {
      if (to.closed || !to.hasSubscription(contentTopic)) continue;
      if (to === from && !this.#deliverToSelf) continue;
      this.#fanOut(published, to);
    }
    return { ok: true, hash };
  }

  /** The deterministic message hash documented above. */
  messageHash(contentTopic: string, payload: Uint8Array, timestamp: number): string {
    const ns = BigInt(Math.trunc(timestamp)) * 1_000_000n;
    return toHex(this.#crypto.sha256(concatBytes(utf8(this.#pubsubTopic), payload, utf8(contentTopic), u64be(ns))));
  }

  #fanOut(p: Published, to: MemoryEndpoint): void {
    const s = this.#stats;
    s.attempted++;
    const base = { from: p.from, to: to.name, topic: p.message.contentTopic, hash: p.message.hash };
    if (this.#cut(p.from, to.name)) {
      s.partitioned++;
      this.#record({ t: this.#clock.now(), event: "partitioned", ...base });
      return;
    }
    const f = this.#linkFaults.get(linkKey(p.from, to.name)) ?? this.#faults;
    // Always draw the same number of values per delivery so one link's settings do not shift the others.
    const dropped = this.#prng.chance(f.drop ?? 0);
    const delay = this.#prng.int(f.delay?.min ?? 0, f.delay?.max ?? 0);
    const held = this.#prng.chance(f.reorder ?? 0);
    const holdBy = this.#prng.int(1, f.reorderWindow ?? 100);
    const hold = held ? holdBy : 0;
    const duplicate = this.#prng.chance(f.duplicate ?? 0);
    const copyDelay = this.#prng.int(f.delay?.min ?? 0, f.delay?.max ?? 0);
    if (dropped) {
      s.dropped++;
      this.#record({ t: this.#clock.now(), event: "drop", ...base });
      return;
    }
    if (delay + hold > 0) s.delayed++;
    if (hold > 0) s.heldBack++;
    this.#clock.setTimer(delay + hold, () => this.#arrive(p, to, 0));
    if (duplicate) {
      s.duplicated++;
      this.#clock.setTimer(copyDelay + hold, () => this.#arrive(p, to, 1));
    }
  }

  #arrive(p: Published, to: MemoryEndpoint, copy: number): void {
    const base = { from: p.from, to: to.name, topic: p.message.contentTopic, hash: p.message.hash, copy };
    if (to.closed) return;
    if (this.#cut(p.from, to.name)) {
      this.#stats.partitioned++;
      this.#record({ t: this.#clock.now(), event: "partitioned", ...base });
      return;
    }
    const key = `${to.name}\u0000${p.message.contentTopic}`;
    const last = this.#lastSeq.get(key);
    if (last !== undefined && p.seq < last) this.#stats.reordered++;
    else this.#lastSeq.set(key, p.seq);
    this.#stats.delivered++;
    this.#record({ t: this.#clock.now(), event: "deliver", ...base });
    to.relayed(p.message.hash);
    this.#dispatch(to, p.message);
  }

  /** @internal used by endpoints: a missed-message check found `message`, which relay never brought `to`. */
  _recovered(to: MemoryEndpoint, message: DeliveredMessage): void {
    if (to.closed) return;
    this.#stats.recovered++;
    const { contentTopic: topic, hash } = message;
    this.#record({ t: this.#clock.now(), event: "recover", from: "history", to: to.name, topic, hash });
    this.#dispatch(to, message);
  }

  #dispatch(to: MemoryEndpoint, message: DeliveredMessage): void {
    for (const handler of to.handlersFor(message.contentTopic)) {
      // Each handler gets its own copy: one cannot corrupt what another sees.
      const copy: DeliveredMessage = { ...message, payload: message.payload.slice() };
      try {
        const r: unknown = handler(copy);
        if (r instanceof Promise) r.catch(() => this.#stats.handlerErrors++);
      } catch {
        this.#stats.handlerErrors++;
      }
    }
  }

  #cut(a: string, b: string): boolean {
    for (const side of this.#partitions) {
      const sa = side.get(a);
      const sb = side.get(b);
      if (sa !== undefined && sb !== undefined && sa !== sb) return true;
    }
    return false;
  }

  #record(e: TraceEvent): void {
    if (this.#tracing) this.#trace.push(e);
  }
}

function linkKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

function checkFaults(f: Faults): Faults {
  for (const p of [f.drop, f.duplicate, f.reorder]) {
    if (p !== undefined && !(p >= 0 && p <= 1)) throw new RangeError("fault probabilities are in [0, 1]");
  }
  if (f.delay && !(f.delay.min >= 0 && f.delay.max >= f.delay.min)) {
    throw new RangeError("delay needs 0 <= min <= max");
  }
  if (f.reorderWindow !== undefined && !(f.reorderWindow >= 1)) throw new RangeError("reorderWindow >= 1");
  return { ...f, delay: f.delay ? { ...f.delay } : undefined };
}
