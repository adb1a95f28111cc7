/**
 * Periodic work: expiry of message requests, and each conversation's `wake` (resends, acknowledgements,
 * give-up, expiry, group timers), only when it is due. A type that says when (`lifecycle.due`) has its
 * conversations' due times kept here, refreshed after every step that commits their state; at boot each is
 * read once from its stored state on the first sweep. A conversation with nothing due is neither woken nor
 * written. Types without `due` are woken on every sweep. The timer is armed again after each run.
 *
 * A sweep passes over every conversation only when the set of conversations changed since the last such pass
 * (the hint index's version); otherwise it pops what is due from a min-heap, so an idle sweep costs what is due,
 * not what is held.
 */
import type { Clock, TimerHandle } from "../base/clock.js";
import type { CryptoProvider } from "../crypto/provider.js";
import type { HintIndex } from "../framework/hints.js";
import type { Registry } from "../framework/registry.js";
import type { AnyConversationTypeRuntime, ConversationRef } from "../framework/runtime.js";
import { Transaction } from "../framework/store.js";
import { DueHeap } from "./due-heap.js";
import { type EffectApplier, newPlan } from "./effects.js";
import { asParley } from "./errors.js";
import type { Requests } from "./requests.js";
import type { Staged, Steps } from "./step.js";
import type { ClientEvent } from "./types.js";

/** A refusal that only owes a repeated acknowledgement (the conversation is healthy): due once, at once. */
const REPLAY = "replay";

export interface SweepHost {
  readonly registry: Registry;
  readonly index: HintIndex;
  readonly steps: Steps;
  readonly effects: EffectApplier;
  readonly requests: Requests;
  readonly clock: Clock;
  readonly crypto: CryptoProvider;
  readonly intervalMs: number;
  closed(): boolean;
  emit(event: ClientEvent): void;
  /** Runs a sweep as one serial step (`Client.sweep`). */
  sweep(): Promise<void>;
}

interface Target {
  readonly ref: ConversationRef;
  readonly runtime: AnyConversationTypeRuntime;
}

export class Sweeper {
  #timer: TimerHandle | undefined;
  /** Conversation id -> when it is next due (Infinity: not until a step changes it). Absent: not read yet. */
  readonly #due = new Map<string, number>();
  /**
   * Conversations with a payload refused (not a replay) since one last opened: their type may decide on
   * failures it keeps in memory only (a session reset), so they are woken on every sweep meanwhile.
   */
  readonly #suspect = new Set<string>();
  readonly #heap = new DueHeap();
  /** Conversations whose type says when they are due, as of the last full pass. */
  #targets = new Map<string, Target>();
  /** Conversations of types without `due`: woken on every sweep. */
  #always: Target[] = [];
  /** The hint index's version at the last full pass (-1: none yet). */
  #seen = -1;
  /** How many conversations the last sweep woke (what the tests and the bench count). */
  woken = 0;

  constructor(private readonly host: SweepHost) {}

  /** The body of one sweep (inside a serial step). */
  async run(): Promise<void> {
    await this.host.requests.expire();
    const now = this.host.clock.now();
    this.woken = 0;
    if (this.host.index.version !== this.#seen) return this.#fullPass(now);
    for (const t of this.#always) await this.#wake(t.runtime, t.ref);
    const due = new Map<string, Target>();
    for (let e = this.#heap.peek(); e !== undefined && e.at <= now; e = this.#heap.peek()) {
      this.#heap.pop();
      const t = this.#targets.get(e.key);
      // An entry superseded by a later time for its conversation, or of a conversation gone, is dropped.
      if (t && this.#due.get(e.key) === e.at) due.set(e.key, t);
    }
    for (const id of this.#suspect) {
      const t = this.#targets.get(id);
      if (t) due.set(id, t);
    }
    for (const t of due.values()) await this.#visit(t, now);
  }

  /** Every conversation of the index, reading the due time of those not read yet (at boot, or new ones). */
  async #fullPass(now: number): Promise<void> {
    const { index, registry } = this.host;
    this.#seen = index.version;
    const targets = new Map<string, Target>();
    const always: Target[] = [];
    for (const topic of index.topics())
      for (const ref of index.conversationsOn(topic)) {
        const runtime = registry.runtime(ref.type);
        const l = runtime?.lifecycle;
        if (!runtime || !l?.wake) continue;
        if (!l.due) {
          always.push({ ref, runtime });
          await this.#wake(runtime, ref);
          continue;
        }
        const t = { ref, runtime };
        targets.set(ref.id, t);
        const due = this.#due.get(ref.id) ?? (await this.#read(runtime, ref));
        if (due > now && !this.#suspect.has(ref.id)) continue;
        await this.#visit(t, now);
      }
    this.#targets = targets;
    this.#always = always;
  }

  /** Wakes one due conversation and sets its next due time. */
  async #visit({ runtime, ref }: Target, now: number): Promise<void> {
    if (!(await this.#wake(runtime, ref))) await this.#read(runtime, ref);
    // Work the wake could not do yet (an acknowledgement a new session cannot seal) waits a sweep.
    if ((this.#due.get(ref.id) ?? 0) <= now) this.#setDue(ref.id, now + this.host.intervalMs);
  }

  #setDue(id: string, at: number): void {
    this.#due.set(id, at);
    if (at === Number.POSITIVE_INFINITY) return;
    this.#heap.push({ at, key: id });
    // Superseded entries wait for their time to be dropped; rebuild before they outnumber the live ones.
    if (this.#heap.size > 4 * this.#due.size + 1024) {
      this.#heap.clear();
      for (const [key, t] of this.#due) if (t !== Number.POSITIVE_INFINITY) this.#heap.push({ at: t, key });
    }
  }

  /** After a commit: the due time of every state it wrote, from its type. */
  committed(staged: readonly Staged[]): void {
    for (const { ref, state, runtime } of staged) {
      const due = runtime.lifecycle?.due;
      if (due) this.#setDue(ref.id, due(state, { crypto: this.host.crypto }) ?? Number.POSITIVE_INFINITY);
    }
  }

  /**
   * Every conversation of these types is due at once: what their wake reads changed outside their own steps
   * (an account's device list). Walks the hint index, so conversations not yet read are included.
   */
  dueNow(types: readonly string[]): void {
    const now = this.host.clock.now();
    const index = this.host.index;
    for (const topic of index.topics())
      for (const ref of index.conversationsOn(topic)) if (types.includes(ref.type)) this.#setDue(ref.id, now);
  }

  /** A payload for the conversation was refused: its type may owe work its state does not show. */
  refused(conversationId: string, reason: string): void {
    if (reason === REPLAY) this.#setDue(conversationId, 0);
    else this.#suspect.add(conversationId);
  }

  /** A payload refused by a type that receives in its step (`Inbound`): woken once, at once. */
  refusedInStep(conversationId: string): void {
    this.#setDue(conversationId, 0);
  }

  /** A payload of the conversation opened: whatever its type counted of refusals is cleared. */
  opened(conversationId: string): void {
    this.#suspect.delete(conversationId);
  }

  /** Arms the timer of the next automatic sweep. */
  arm(): void {
    const host = this.host;
    if (host.closed()) return;
    this.#timer = host.clock.setTimer(host.intervalMs, () => {
      if (host.closed()) return;
      host
        .sweep()
        .catch((e: unknown) => {
          if (!host.closed()) host.emit({ type: "error", error: asParley(e) });
        })
        .finally(() => this.arm());
    });
  }

  stop(): void {
    this.#timer?.cancel();
  }

  /** The due time of a conversation read from its committed state (at boot, or after a wake that wrote nothing). */
  async #read(runtime: AnyConversationTypeRuntime, ref: ConversationRef): Promise<number> {
    const steps = this.host.steps;
    const state = await steps.context(new Transaction(steps.store), runtime).states.get(ref.id);
    const t =
      state === undefined
        ? Number.POSITIVE_INFINITY
        : (runtime.lifecycle?.due?.(state, { crypto: this.host.crypto }) ?? Number.POSITIVE_INFINITY);
    this.#setDue(ref.id, t);
    return t;
  }

  /** Periodic work on one conversation; true when it committed (a type that reports nothing changed does not). */
  async #wake(runtime: AnyConversationTypeRuntime, ref: ConversationRef): Promise<boolean> {
    const { steps, effects } = this.host;
    this.woken++;
    const tx = new Transaction(steps.store);
    const found = await runtime.lifecycle!.wake!(steps.context(tx, runtime), ref);
    if (!found) return false;
    const plan = newPlan();
    await effects.apply(tx, found, plan);
    await steps.commit(tx);
    await steps.finish(plan);
    return true;
  }
}
