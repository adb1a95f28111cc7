/**
 * One participant of a `MemoryDelivery` bus: its `Delivery` (publishes go to the bus, which fans them out
 * under its faults; subscriptions are this endpoint's own).
 */
import type { Clock } from "../base/clock.js";
import type { DeliveredMessage, Delivery, HistoryQuery, MessageHandler, PublishResult } from "./delivery.js";
import type { MemoryDelivery } from "./memory-delivery.js";
import { type MissedMessageOptions, MissedMessages } from "./missed-messages.js";

/** What an endpoint of a bus with missed-message checks asks its history with. */
export interface EndpointChecks {
  readonly options: MissedMessageOptions;
  readonly clock: Clock;
  history(query: HistoryQuery): AsyncIterable<DeliveredMessage>;
}

/** One participant's view of the bus: a `Delivery`. */
export class MemoryEndpoint implements Delivery {
  readonly maxPayloadBytes: number;
  #closed = false;
  readonly #subs = new Map<string, Set<MessageHandler>>();
  readonly #missed: MissedMessages | undefined;

  constructor(
    readonly bus: MemoryDelivery,
    readonly name: string,
    checks?: EndpointChecks,
  ) {
    this.maxPayloadBytes = bus.maxPayloadBytes;
    if (checks) {
      this.#missed = new MissedMessages(checks.options, {
        clock: checks.clock,
        topics: () => [...this.#subs.keys()],
        history: (query) => checks.history(query),
        deliver: (message) => bus._recovered(this, message),
      });
      this.#missed.start();
    }
  }

  /** Relay brought `hash` here: a check does not deliver it again. */
  relayed(hash: string): void {
    this.#missed?.first(hash);
  }

  /** Runs a missed-message check now (as WakuDelivery's `checkMissed`); resolves with how many it delivered. */
  checkMissed(): Promise<number> {
    return this.#missed?.check() ?? Promise.resolve(0);
  }

  get closed(): boolean {
    return this.#closed;
  }

  async publish(contentTopic: string, payload: Uint8Array): Promise<PublishResult> {
    if (this.#closed) return { ok: false, error: "stopped" };
    return this.bus._publish(this, contentTopic, payload);
  }

  async subscribe(contentTopic: string, handler: MessageHandler): Promise<() => void> {
    if (this.#closed) throw new Error("endpoint closed");
    let set = this.#subs.get(contentTopic);
    if (!set) {
      set = new Set();
      this.#subs.set(contentTopic, set);
    }
    // A wrapper per call, so subscribing the same function twice gives two independent subscriptions.
    const entry: MessageHandler = (m) => handler(m);
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.#subs.get(contentTopic) === set) this.#subs.delete(contentTopic);
    };
  }

  history(query: HistoryQuery): AsyncIterable<DeliveredMessage> {
    return this.bus.history(query);
  }

  hasSubscription(contentTopic: string): boolean {
    return (this.#subs.get(contentTopic)?.size ?? 0) > 0;
  }

  handlersFor(contentTopic: string): MessageHandler[] {
    return [...(this.#subs.get(contentTopic) ?? [])];
  }

  /** Leaves the bus: no more deliveries, publishes return "stopped". */
  close(): void {
    this.#closed = true;
    this.#missed?.stop();
    this.#subs.clear();
  }
}
