/**
 * GroupV1Service: runs a GroupV1Engine against a Store, a Delivery and a pairwise channel, the way the Client
 * does for its conversations: one step at a time, each step in one transaction committed BEFORE its effects
 * are routed. It is the reference for wiring GroupV1 into the Client:
 *   - `pairwise.send(identity, frame)` → `Client.sendGroupControl(<pairwise conversation with identity>, frame)`;
 *   - `Client.onGroupControl(m => service.onControl(<m.peer identity hex>, m.payload))`.
 */
import { fromBinary } from "@bufbuild/protobuf";
import type { DeliveredMessage, Delivery } from "../../framework/delivery.js";
import { saltedHint } from "../../framework/hints.js";
import { type Store, Transaction, type TransactionView } from "../../framework/store.js";
import { EncryptedPayloadSchema } from "../../wire/gen/logoschat/encryption/encryption_pb.js";
import { EnvelopeV1Schema } from "../../wire/gen/logoschat/envelope/envelope_pb.js";
import type { GroupEffect } from "./effects.js";
import type { GroupV1Engine } from "./engine.js";

export interface PairwiseTransport {
  /** Deliver a GroupControlFrame to `to` (identity hex) over the pairwise conversation with it. */
  send(to: string, frame: Uint8Array): Promise<void>;
}

export class GroupV1Service {
  #queue: Promise<unknown> = Promise.resolve();
  readonly #subscriptions = new Map<string, () => void>();
  #pending = 0;

  constructor(
    readonly engine: GroupV1Engine,
    readonly store: Store,
    readonly delivery: Delivery,
    readonly pairwise: PairwiseTransport,
    /** Application events: message, joined, members-changed, removed, left, rejected. */
    readonly onEvent: (effect: GroupEffect) => void = () => {},
  ) {}

  /** Subscribes every stored group's topic and asks for its history (after a restart). */
  async start(): Promise<void> {
    const groups = await this.engine.listGroups(new Transaction(this.store));
    for (const cid of groups) {
      await this.#subscribe(this.engine.contentTopic(cid));
      await this.step((tx) => this.engine.recover(tx, cid));
    }
  }

  stop(): void {
    for (const off of this.#subscriptions.values()) off();
    this.#subscriptions.clear();
  }

  /** Runs one engine step: serialized, committed, then routed. */
  step<T>(fn: (tx: TransactionView) => Promise<T>, effectsOf: (r: T) => GroupEffect[] = (r) => r as GroupEffect[]) {
    this.#pending++;
    const run = this.#queue.then(async () => {
      try {
        const tx = new Transaction(this.store);
        const result = await fn(tx);
        await tx.commit();
        await this.#route(effectsOf(result));
        return result;
      } finally {
        this.#pending--;
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Resolves when no step is queued or running. */
  async idle(): Promise<void> {
    while (this.#pending > 0) await this.#queue;
  }

  onControl(from: string, frame: Uint8Array): Promise<GroupEffect[]> {
    return this.step((tx) => this.engine.receiveControl(tx, from, frame));
  }

  tick(): Promise<GroupEffect[]> {
    return this.step((tx) => this.engine.tick(tx));
  }

  async #route(effects: GroupEffect[]): Promise<void> {
    for (const e of effects) {
      switch (e.kind) {
        case "publish":
          await this.delivery.publish(e.contentTopic, e.payload);
          break;
        case "control":
          await this.pairwise.send(e.to, e.frame);
          break;
        case "subscribe":
          await this.#subscribe(e.contentTopic);
          break;
        case "joined":
          await this.#subscribe(e.contentTopic);
          this.onEvent(e);
          break;
        case "fetch-history":
          // Not awaited: each history message becomes its own queued step after this one.
          void this.#history(e.contentTopic, e.since);
          break;
        default:
          this.onEvent(e);
      }
    }
  }

  async #subscribe(topic: string): Promise<void> {
    if (this.#subscriptions.has(topic)) return;
    this.#subscriptions.set(topic, () => {});
    const off = await this.delivery.subscribe(topic, (m) => void this.#onTopic(m));
    this.#subscriptions.set(topic, off);
  }

  async #history(topic: string, since?: number): Promise<void> {
    if (!this.delivery.history) return;
    this.#pending++;
    try {
      const query = since === undefined ? { contentTopics: [topic] } : { contentTopics: [topic], startTime: since };
      for await (const m of this.delivery.history(query)) void this.#onTopic(m);
    } finally {
      this.#pending--;
    }
  }

  async #onTopic(message: DeliveredMessage): Promise<void> {
    let inner: Uint8Array;
    let hint: string;
    let salt: bigint;
    try {
      const env = fromBinary(EnvelopeV1Schema, message.payload);
      const enc = fromBinary(EncryptedPayloadSchema, env.payload);
      if (enc.encryption.case !== "plaintext") return;
      inner = enc.encryption.value.payload;
      hint = env.conversationHint;
      salt = env.salt;
    } catch {
      return; // not for a group (or not for us at all)
    }
    const groups = await this.engine.listGroups(new Transaction(this.store));
    for (const cid of groups) {
      if (this.engine.contentTopic(cid) !== message.contentTopic) continue;
      if (hint !== cid && hint !== saltedHint(this.engine.options.crypto, salt, cid)) continue;
      await this.step((tx) => this.engine.receive(tx, cid, inner));
    }
  }
}
