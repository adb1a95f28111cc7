/**
 * One received message, whatever its type: the decoder classifies it, a readable one's next states and the
 * effects its type reads into the frame are committed in one step (an invite may first become a message
 * request), a type that receives in the step's transaction gets the payload there, and a refused one changes
 * nothing (reported as an error event unless refusing it is routine).
 */
import type { Decoder, Readable, ToReceive } from "../framework/decoder.js";
import type { Effect } from "../framework/lifecycle.js";
import type { Registry } from "../framework/registry.js";
import type { ConversationRef } from "../framework/runtime.js";
import type { EffectApplier } from "./effects.js";
import { InboundError } from "./errors.js";
import type { Requests } from "./requests.js";
import { apply, type Steps } from "./step.js";
import type { ClientEvent, InboundOutcome } from "./types.js";

/** Rejections that are normal consequences of resends and redundancy, not worth an error event. */
const QUIET_REASONS = new Set(["conversation-exists", "replay"]);

export interface InboundHost {
  readonly decoder: Decoder;
  readonly registry: Registry;
  readonly steps: Steps;
  readonly effects: EffectApplier;
  requests(): Requests;
  now(): number;
  emit(event: ClientEvent): void;
  /**
   * A payload for `conversationId` was refused: its type may owe work for it that no state records (an
   * acknowledgement repeated for a replay, the failures a session reset is decided on).
   */
  refused(conversationId: string, reason: string): void;
  /**
   * A payload for `conversationId` was refused by a type that receives in the step's transaction: it is woken
   * once, at once (its wake reads what the refusal left in its memory and says when it is due next).
   */
  refusedInStep(conversationId: string): void;
  /** A payload of `conversationId` opened. */
  opened(conversationId: string): void;
}

export class Inbound {
  constructor(private readonly host: InboundHost) {}

  async ingest(contentTopic: string, payload: Uint8Array): Promise<InboundOutcome> {
    const host = this.host;
    const c = await host.decoder.classify(payload, contentTopic);
    if (c.kind === "not-for-me") return { kind: "not-for-me" };
    if (c.kind === "receive") return this.#receive(c);
    if (c.kind === "badly-formed") {
      const conversationId = c.conversation?.id;
      if (conversationId !== undefined) host.refused(conversationId, c.reason);
      if (!QUIET_REASONS.has(c.reason)) {
        host.emit({
          type: "error",
          error: new InboundError(c.reason, contentTopic, c.detail),
          ...(conversationId !== undefined && { conversationId }),
        });
      }
      return { kind: "badly-formed", reason: c.reason, ...(conversationId !== undefined && { conversationId }) };
    }
    if (c.started.length > 0) {
      const handled = await host.requests().admit(c);
      if (handled) return handled;
    }
    await this.#readable(c);
    host.opened(c.conversation.id);
    return { kind: "readable", conversationId: c.conversation.id };
  }

  /** What an opened frame means, in the type's own words (`lifecycle.opened`). */
  openedEffects(ref: ConversationRef, frame: unknown, state: unknown, started: { now: number } | undefined): Effect[] {
    const opened = this.host.registry.runtime(ref.type)?.lifecycle?.opened;
    if (opened && frame !== undefined) return opened(frame, state, ref, started);
    if (!started) return [];
    // A type that says nothing of its frames: the conversation starts with its record and its topic watched.
    return [
      { kind: "conversation", ref, peer: "", initiatedBy: "peer" },
      { kind: "watch", ref, since: started.now - 10 * 60_000 },
    ];
  }

  /** The decoder's writes and next states, and the effects of every opened frame, in one step. */
  async #readable(c: Readable): Promise<void> {
    const { steps, registry, effects } = this.host;
    await steps.unit(async (tx, plan) => {
      for (const op of c.writes) apply(tx, op);
      const next = [{ conversation: c.conversation, state: c.nextState }, ...c.started];
      for (const { conversation: ref, state } of next) {
        const runtime = registry.runtime(ref.type);
        if (runtime) steps.stage(tx, runtime, ref, state);
      }
      const now = this.host.now();
      const out: Effect[] = [];
      for (const s of c.started) out.push(...this.openedEffects(s.conversation, s.frame, s.state, { now }));
      out.push(...this.openedEffects(c.conversation, c.frame, c.nextState, undefined));
      await effects.apply(tx, out, plan);
    });
  }

  /** A payload for a type that receives in the step's transaction (its state spans many records). */
  async #receive(c: ToReceive): Promise<InboundOutcome> {
    const { steps, registry, effects } = this.host;
    const ref = c.conversation;
    const runtime = registry.runtime(ref.type);
    const receive = runtime?.lifecycle?.receive;
    if (!runtime || !receive) return { kind: "badly-formed", reason: "unknown-type", conversationId: ref.id };
    const outcome = await steps.unit(async (tx, plan) => {
      const r = await receive(steps.context(tx, runtime), ref, c.payload);
      await effects.apply(tx, r.effects, plan);
      return r.outcome;
    });
    // A refused payload wrote nothing, but the type may keep what it owes in memory (GroupV1's orphans, held for
    // an epoch it cannot read yet), which its stored due time does not show: its next wake schedules from it.
    if (!outcome.ok) {
      this.host.refusedInStep(ref.id);
      return { kind: "badly-formed", reason: outcome.reason, conversationId: ref.id };
    }
    this.host.opened(ref.id);
    return { kind: "readable", conversationId: ref.id };
  }
}
