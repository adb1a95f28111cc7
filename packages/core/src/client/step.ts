/**
 * One unit of work of any conversation type, written once: a transaction, the type's step (it stages states
 * and records through its `StepContext` and returns effects, applied into a plan), ONE commit (first making
 * each staged state's own records match it), then the plan after the commit. Every start, send, inbound
 * message, wake, command and control payload goes through here.
 */
import type { Clock } from "../base/clock.js";
import type { CryptoProvider, RandomSource } from "../crypto/provider.js";
import {
  CONVERSATION_STATE_NS,
  conversationKey,
  conversationWriteOps,
  stateWriteOp,
} from "../framework/conversation-store.js";
import type { FirstContact, StepContext } from "../framework/lifecycle.js";
import type { AnyConversationTypeRuntime, ConversationRef } from "../framework/runtime.js";
import { ScopedTransaction } from "../framework/scoped-transaction.js";
import { type Store, Transaction, type WriteOp } from "../framework/store.js";
import { newPlan, type StepPlan } from "./effects.js";
import type { PendingStore } from "./pipeline.js";
import type { StateCache } from "./state-cache.js";

/** A state a step staged, with its type: what its later reads see, and whose records are written at commit. */
export interface Staged {
  readonly ref: ConversationRef;
  readonly state: unknown;
  readonly runtime: AnyConversationTypeRuntime;
}

export interface StepsOptions {
  readonly store: Store;
  readonly states: StateCache<unknown>;
  readonly crypto: CryptoProvider;
  readonly random: RandomSource;
  readonly clock: Clock;
  /** This installation's key, lower hex. */
  readonly self: () => string;
  isKnownConversation(id: string): boolean;
  /** The registered inbox type's first-contact service. */
  firstContact(): FirstContact | undefined;
  /** What a step does after its commit (routing, events, listeners, the outbox). */
  finish(plan: StepPlan): Promise<void>;
  /** The states a step committed (the sweep's due times follow them). */
  committed?(staged: readonly Staged[]): void;
  /** Where a unit's commit waits for the end of its batch (pipeline.ts); absent: every unit commits alone. */
  readonly pipeline?: PendingStore;
}

export class Steps {
  /** States a step staged, by transaction. */
  readonly #staged = new WeakMap<Transaction, Map<string, Staged>>();

  constructor(private readonly o: StepsOptions) {}

  /** The store every step commits to. */
  get store(): Store {
    return this.o.store;
  }

  /**
   * One unit of work: `fn` stages and plans in the transaction; one commit; then the plan. In a batch
   * (pipeline.ts) the commit and the plan wait for the batch's shared commit, unless the plan changes what
   * later steps read in memory (routing a conversation, listeners, history fetches): then the batch commits now.
   */
  async unit<T>(fn: (tx: Transaction, plan: StepPlan) => Promise<T>): Promise<T> {
    const tx = new Transaction(this.o.store);
    const plan = newPlan();
    const value = await fn(tx, plan);
    await this.commit(tx, true);
    const pipeline = this.o.pipeline;
    if (!pipeline) {
      await this.finish(plan);
      return value;
    }
    await pipeline.after(() => this.finish(plan));
    if (pipeline.batching && (plan.watch.length > 0 || plan.after.length > 0)) await pipeline.flush();
    return value;
  }

  /** What a step does after its commit (routing, events, listeners, the outbox). */
  finish(plan: StepPlan): Promise<void> {
    return this.o.finish(plan);
  }

  /**
   * Commits a step: first every staged state's records are made to match it (the type's `records.stage`).
   * `pipelined` (a unit's commit): in a batch, the commit joins the batch's shared one; what follows it (due
   * times) waits for that, and a failure of that commit aborts the records staged here.
   */
  async commit(tx: Transaction, pipelined = false): Promise<void> {
    const staged = [...(this.#staged.get(tx)?.values() ?? [])];
    for (const { ref, state, runtime } of staged) {
      const records = runtime.lifecycle?.records;
      if (records) await records.stage(scoped(tx, runtime), ref, state);
    }
    const abort = () => {
      for (const { runtime } of staged) runtime.lifecycle?.records?.abort?.();
    };
    const pipeline = pipelined ? this.o.pipeline : undefined;
    try {
      await (pipeline ? pipeline.defer(() => tx.commit()) : tx.commit());
    } catch (e) {
      abort();
      throw e;
    }
    if (staged.length === 0) return;
    if (pipeline) await pipeline.after(() => this.o.committed?.(staged), abort);
    else this.o.committed?.(staged);
  }

  /** Makes `state` the staged state of `ref` in `tx` (the decoder's next states, written by the caller). */
  stage(tx: Transaction, runtime: AnyConversationTypeRuntime, ref: ConversationRef, state: unknown): void {
    this.#stageOf(tx).set(conversationKey(ref), { ref, state, runtime });
  }

  /** Reads what a state read from the store keeps in its type's records (not needed for bytes decoded here). */
  async loadRecords(
    tx: Transaction,
    runtime: AnyConversationTypeRuntime,
    ref: ConversationRef,
    bytes: Uint8Array,
  ): Promise<void> {
    const records = runtime.lifecycle?.records;
    if (!records || this.o.states.knows(bytes)) return;
    await records.load(scoped(tx, runtime), ref, bytes);
  }

  /**
   * The context of one step of `runtime`'s type: the step's transaction scoped to the type's namespaces,
   * and its conversation states (staged in this step, else committed: from the cache or the store).
   */
  context(tx: Transaction, runtime: AnyConversationTypeRuntime): StepContext<unknown> {
    const type = runtime.spec.name;
    const stage = this.#stageOf(tx);
    const encode = (ref: ConversationRef, state: unknown) => {
      stage.set(conversationKey(ref), { ref, state, runtime });
      return runtime.encodeState(state);
    };
    const { crypto, random, clock, states } = this.o;
    const firstContact = this.o.firstContact();
    return {
      crypto,
      random,
      now: clock.now(),
      self: this.o.self(),
      tx: scoped(tx, runtime),
      states: {
        get: async (id) => {
          const key = conversationKey({ type, id });
          const own = stage.get(key);
          if (own) return own.state;
          // Written in this step by someone else (the decoder's next state): read through the transaction.
          if (!tx.staged(CONVERSATION_STATE_NS, key)) {
            const cached = states.state(key);
            if (cached !== undefined) return cached;
          }
          const bytes = await tx.get(CONVERSATION_STATE_NS, key);
          if (bytes) await this.loadRecords(tx, runtime, { id, type, contentTopic: "" }, bytes);
          return bytes && runtime.decodeState(bytes);
        },
        put: (ref, state) => apply(tx, stateWriteOp(ref, encode(ref, state))),
        create: (ref, state) => {
          for (const op of conversationWriteOps(ref, encode(ref, state))) apply(tx, op);
        },
      },
      isKnownConversation: (id) => this.o.isKnownConversation(id),
      ...(firstContact && { firstContact }),
    };
  }

  #stageOf(tx: Transaction): Map<string, Staged> {
    const stage = this.#staged.get(tx) ?? new Map<string, Staged>();
    this.#staged.set(tx, stage);
    return stage;
  }
}

function scoped(tx: Transaction, runtime: AnyConversationTypeRuntime): ScopedTransaction {
  return new ScopedTransaction(tx, runtime.lifecycle?.namespaces ?? []);
}

export function apply(tx: Transaction, op: WriteOp): void {
  if (op.op === "put") tx.put(op.ns, op.key, op.value);
  else tx.delete(op.ns, op.key);
}

/** A runtime whose states go through the client's cache: cached bytes decode to their state for free. */
export function cached(t: AnyConversationTypeRuntime, states: StateCache<unknown>): AnyConversationTypeRuntime {
  return {
    ...t,
    encodeState: (state) => states.encodeAs({ encode: (x) => t.encodeState(x) }, state),
    decodeState: (bytes) => states.decodeAs({ decode: (b) => t.decodeState(b) }, bytes),
  };
}
