/**
 * The Client's side of the delivery: topic subscriptions, history fetches for topics just watched, and what
 * a step does after its commit (route and watch new conversations, emit events, run listeners, hand the
 * envelopes to the outbox, which seals and publishes them outside the serial step; marking them `sent` is
 * a small serial step that commits nothing: the mark rides on the next commit, see deferred-writes.ts).
 * Nothing here runs before its step is committed.
 */
import type { CryptoProvider, RandomSource } from "../crypto/provider.js";
import type { Delivery } from "../framework/delivery.js";
import { sealEnvelope } from "../framework/envelope.js";
import type { HintIndex } from "../framework/hints.js";
import type { Outgoing } from "../framework/lifecycle.js";
import type { DeferredWrites } from "./deferred-writes.js";
import { deliveryChange, type StepPlan } from "./effects.js";
import { asParley, ClientError } from "./errors.js";
import { Outbox } from "./outbox.js";
import { MAX_BATCH_STEPS, type StepPipeline } from "./pipeline.js";
import type { ClientEvent, InboundOutcome } from "./types.js";

export interface NetworkHost {
  readonly delivery: Delivery;
  readonly crypto: CryptoProvider;
  readonly random: RandomSource;
  readonly rawHints: boolean;
  /** The decoder's hint index: watched conversations are routed through it. */
  readonly index: HintIndex;
  readonly serial: StepPipeline;
  /** The Client's store, where `sent` marks wait for the next commit. */
  readonly deferred: DeferredWrites;
  closed(): boolean;
  emit(event: ClientEvent): void;
  /** Processes one received message in a serial step. */
  ingest(contentTopic: string, payload: Uint8Array): Promise<InboundOutcome>;
}

/**
 * Ingests what a history service returns, a page at a time: a page is queued at once, so its steps share
 * commits (pipeline.ts). Stops when `closed`; returns how many were readable.
 */
export async function ingestPaged(
  messages: AsyncIterable<{ readonly contentTopic: string; readonly payload: Uint8Array }>,
  ingest: (contentTopic: string, payload: Uint8Array) => Promise<InboundOutcome>,
  closed: () => boolean,
): Promise<number> {
  let readable = 0;
  let page: { readonly contentTopic: string; readonly payload: Uint8Array }[] = [];
  const flush = async () => {
    const outcomes = await Promise.all(page.map((m) => ingest(m.contentTopic, m.payload)));
    readable += outcomes.filter((o) => o.kind === "readable").length;
    page = [];
  };
  for await (const m of messages) {
    if (closed()) return readable;
    page.push(m);
    if (page.length >= MAX_BATCH_STEPS) await flush();
  }
  if (!closed()) await flush();
  return readable;
}

type Publishable = Outgoing | { readonly contentTopic: string; readonly sealed: Uint8Array };

export class Network {
  readonly #subscriptions = new Map<string, () => void>();
  readonly outbox: Outbox;

  constructor(private readonly host: NetworkHost) {
    this.outbox = new Outbox((conversationId, e) => {
      if (!host.closed()) host.emit({ type: "error", conversationId, error: asParley(e) });
    });
  }

  /** Topics listened to (the inbox's and every conversation's). */
  topics(): string[] {
    return [...this.#subscriptions.keys()];
  }

  async subscribe(topic: string): Promise<void> {
    const host = this.host;
    if (this.#subscriptions.has(topic) || host.closed()) return;
    const unsubscribe = await host.delivery.subscribe(topic, (m) => {
      if (host.closed()) return;
      host.ingest(m.contentTopic, m.payload).catch((e: unknown) => {
        if (!host.closed()) host.emit({ type: "error", error: asParley(e) });
      });
    });
    this.#subscriptions.set(topic, unsubscribe);
  }

  /** Stops listening on `topic` once no conversation is routed on it. */
  unsubscribeIfUnused(topic: string): void {
    if (this.host.index.conversationsOn(topic).length > 0) return;
    this.#subscriptions.get(topic)?.();
    this.#subscriptions.delete(topic);
  }

  /** Ends every subscription (the Client is closing). */
  close(): void {
    for (const unsubscribe of this.#subscriptions.values()) unsubscribe();
    this.#subscriptions.clear();
  }

  /** Fetches what a history service holds for a topic we just subscribed to (messages sent before we listened). */
  backfill(topic: string, since: number): void {
    const host = this.host;
    const history = host.delivery.history?.bind(host.delivery);
    if (!history) return;
    void (async () => {
      try {
        await ingestPaged(history({ contentTopics: [topic], startTime: since }), host.ingest, host.closed);
      } catch (e) {
        if (!host.closed()) host.emit({ type: "error", error: asParley(e) });
      }
    })();
  }

  /**
   * After a commit: route and watch new conversations, emit events, notify listeners, and hand the
   * envelopes to the outbox (published in commit order per conversation, without holding the serial step).
   */
  async finish(plan: StepPlan): Promise<void> {
    const host = this.host;
    for (const w of plan.watch) {
      host.index.add(w.ref);
      await this.subscribe(w.ref.contentTopic);
      if (w.since !== undefined) this.backfill(w.ref.contentTopic, w.since);
    }
    for (const e of plan.events) host.emit(e);
    for (const f of plan.after) f();
    for (const p of plan.publish) {
      const { conversationId, markSent } = p;
      this.outbox.add({
        conversationId,
        publish: () => this.#publishAll(p.outgoing, conversationId),
        // Marking `sent` is its own small step (run even while closing: the publication happened).
        ...(markSent &&
          markSent.length > 0 && { accepted: () => host.serial.run(() => this.#markSent(conversationId, markSent)) }),
      });
    }
  }

  /**
   * Marks messages `sent`, in a serial step once the outbox published them: an acknowledgement that came in
   * between wins (the change only advances). The application sees the change now; the store gets it with the
   * next commit (not durability-critical: after a crash the message is `queued`, and its resend marks it again).
   */
  async #markSent(conversationId: string, messageIds: readonly string[]): Promise<void> {
    const view = this.host.deferred.view();
    const events: ClientEvent[] = [];
    for (const messageId of messageIds) {
      const event = await deliveryChange(view, conversationId, messageId, "sent", "advance");
      if (event) events.push(event);
    }
    for (const e of events) this.host.emit(e);
  }

  /** Publishes in order; true when every payload was accepted by the delivery. */
  async #publishAll(outgoing: readonly Publishable[], conversationId: string): Promise<boolean> {
    const host = this.host;
    let ok = true;
    for (const o of outgoing) {
      const bytes =
        "sealed" in o
          ? o.sealed
          : sealEnvelope({
              crypto: host.crypto,
              random: host.random,
              conversationId: o.hint,
              payload: o.payload,
              rawHint: host.rawHints,
            });
      const r = await host.delivery.publish(o.contentTopic, bytes);
      if (!r.ok) {
        ok = false;
        host.emit({
          type: "error",
          conversationId,
          error: new ClientError("publish-failed", `publish failed: ${r.error}`),
        });
      }
    }
    return ok;
  }
}
