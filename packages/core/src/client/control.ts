/**
 * Control payloads between types (a group's key packages and welcomes): carried to a peer by the type that
 * declares it carries control, over the pairwise conversation with that peer, and consumed on arrival by the
 * type it belongs to (the consumer that claims it, else the default consumer), in the same transaction as the
 * frame that carried them.
 */

import { toHex } from "../base/bytes.js";
import { LifecycleError } from "../framework/errors.js";
import type { Effect } from "../framework/lifecycle.js";
import type { Registry } from "../framework/registry.js";
import type { ConversationRef } from "../framework/runtime.js";
import type { Transaction } from "../framework/store.js";
import type { ControlIn, EffectApplier, StepPlan } from "./effects.js";
import { asParley, ClientError, lifecycleCall } from "./errors.js";
import type { PerSenderWindows } from "./invite-gate.js";
import { CONVERSATION_INFO_NS, decodeInfo } from "./records.js";
import type { Steps } from "./step.js";
import type { ClientEvent, ConversationInfo } from "./types.js";

/** A group-control frame received over a PrivateV1 conversation (GroupV1 key packages, welcomes). */
export interface GroupControlMessage {
  readonly conversationId: string;
  readonly peer: string;
  readonly messageId: string;
  readonly payload: Uint8Array;
}

export interface ControlHost {
  readonly registry: Registry;
  readonly steps: Steps;
  /** Rate of control payloads that would make the consumer store something, per sender. */
  readonly rate: PerSenderWindows;
  effects(): EffectApplier;
  now(): number;
  emit(event: ClientEvent): void;
}

/** A device to reach: its installation key (lower hex), the text naming it, and the bundle key that text carries. */
export interface Reach {
  readonly peer: string;
  readonly text: string;
  readonly bundleKey: Uint8Array;
}

export class Control {
  readonly #listeners = new Set<(m: GroupControlMessage) => void>();

  constructor(private readonly host: ControlHost) {}

  listen(handler: (message: GroupControlMessage) => void): () => void {
    this.#listeners.add(handler);
    return () => this.#listeners.delete(handler);
  }

  /** The body of `Client.sendGroupControl`: a payload over a conversation of the carrier type. */
  async send(tx: Transaction, plan: StepPlan, conversationId: string, payload: Uint8Array): Promise<string> {
    const { registry, steps } = this.host;
    const info = decodeInfo(await tx.get(CONVERSATION_INFO_NS, conversationId));
    const carrier = registry.carrier();
    const carry = carrier?.lifecycle?.carry;
    if (!info || !carrier || !carry || info.type !== carrier.spec.name)
      throw new ClientError("unknown-conversation", "no such pairwise conversation");
    const ref: ConversationRef = { id: info.id, type: info.type, contentTopic: info.contentTopic };
    const r = await lifecycleCall(() => carry(steps.context(tx, carrier), ref, payload));
    if (!r) throw new ClientError("unknown-conversation", "conversation state unreadable");
    await this.host.effects().apply(tx, r.effects, plan);
    return r.value;
  }

  /**
   * Gives each device of `reaches` a pairwise conversation with us in `tx`: one with none that works is reached
   * from its shared text alone (an account address carries a bundle key its device signed for its account), by
   * an InboxV1 invite whose first message is `content`. Control to it then travels there (the newest we
   * started), in the same commit.
   */
  async reach(tx: Transaction, plan: StepPlan, reaches: readonly Reach[], content: () => Promise<Uint8Array>) {
    const done = new Set<string>();
    for (const { peer, text, bundleKey } of reaches) {
      if (done.has(peer) || (await this.#reaches(tx, peer, bundleKey))) continue;
      done.add(peer);
      await this.startPairwise(tx, plan, text, await content());
    }
  }

  /**
   * Starts a conversation of the pairwise type to `bundle` (an intro bundle or an account address) in `tx`, with
   * `content` as its first message; its id.
   */
  async startPairwise(tx: Transaction, plan: StepPlan, bundle: string, content: Uint8Array): Promise<string> {
    const { registry, steps } = this.host;
    const starter = registry.starter("pairwise");
    const start = starter?.lifecycle?.start;
    if (!starter || !start) throw new ClientError("no-pairwise-conversation", "no pairwise type runs");
    const r = await lifecycleCall(() => start(steps.context(tx, starter), { kind: "pairwise", bundle, content }));
    await this.host.effects().apply(tx, r.effects, plan);
    return r.value.conversationId;
  }

  /**
   * Whether a pairwise conversation with `peer` can carry control: one it started (its invite reached us), or
   * one we started to `bundleKey`. One we started to another key may never have reached it (a retired key).
   */
  async #reaches(tx: Transaction, peer: string, bundleKey: Uint8Array): Promise<boolean> {
    const carrier = this.host.registry.carrier();
    if (!carrier) return false;
    const states = this.host.steps.context(tx, carrier).states;
    for (const { value } of await tx.scan(CONVERSATION_INFO_NS)) {
      const info = decodeInfo(value);
      if (!info || info.type !== carrier.spec.name || info.peer !== peer) continue;
      if (info.initiatedBy === "peer") return true;
      const state = await states.get(info.id);
      const key = state === undefined ? undefined : carrier.lifecycle?.introKey?.(state);
      if (key && toHex(key) === toHex(bundleKey)) return true;
    }
    return false;
  }

  /** Throws unless every peer has a conversation of the carrier type with us (control travels there). */
  async requirePairwise(tx: Transaction, peers: readonly string[]): Promise<void> {
    for (const p of peers)
      if (!(await this.pairwiseWith(tx, p)))
        throw new ClientError("no-pairwise-conversation", "no pairwise conversation with this member");
  }

  /**
   * The conversation of the control carrier's type that control payloads to `peer` travel on. With several, one the peer started
   * is preferred (its invite reached us, so it works both ways), then the newest.
   */
  async pairwiseWith(tx: Transaction, peer: string): Promise<ConversationInfo | undefined> {
    const type = this.host.registry.carrier()?.spec.name;
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
  async carry(tx: Transaction, peer: string, payload: Uint8Array): Promise<readonly Effect[] | undefined> {
    const carrier = this.host.registry.carrier();
    const carry = carrier?.lifecycle?.carry;
    if (!carrier || !carry) return undefined;
    const info = await this.pairwiseWith(tx, peer);
    if (!info) return undefined;
    const ref: ConversationRef = { id: info.id, type: info.type, contentTopic: info.contentTopic };
    try {
      return (await carry(this.host.steps.context(tx, carrier), ref, payload))?.effects;
    } catch (e) {
      // Too large to carry: the consumer's re-welcome path heals.
      if (e instanceof LifecycleError) return undefined;
      throw e;
    }
  }

  /** A received control payload: rate-limited per sender, consumed in this transaction, then listeners. */
  async receive(tx: Transaction, m: ControlIn, plan: StepPlan): Promise<void> {
    const host = this.host;
    const { peer, conversationId } = m;
    // Each payload goes to the type it belongs to (the one that claims it, else the default consumer).
    const consumer = host.registry.controlConsumer(m.payload);
    const creates = consumer?.lifecycle?.controlCreatesState?.(m.payload) ?? false;
    if (creates && !host.rate.admit(peer, host.now())) {
      // Consumed without effect: the group engine's timeouts and re-welcome paths take over.
      plan.events.push({ type: "invite-dropped", reason: "rate", source: "group-control", peer, conversationId });
      return;
    }
    const message: GroupControlMessage = { conversationId, peer, messageId: m.messageId, payload: m.payload };
    plan.after.push(() => {
      for (const h of this.#listeners) {
        try {
          h(message);
        } catch (e) {
          host.emit({ type: "error", conversationId, error: asParley(e) });
        }
      }
    });
    // The consumer's step joins this transaction: the pairwise frame is consumed exactly when its effect
    // (a welcome joined, a key package answered) is stored.
    const control = consumer?.lifecycle?.control;
    if (consumer && control)
      await host.effects().apply(tx, await control(host.steps.context(tx, consumer), peer, m.payload), plan);
  }
}
