/**
 * Steps that arrive together share one store commit (issue 17): a burst of inbound envelopes, a catch-up, a
 * run of sends. Without it every step paid its own commit (on a SQLite file: an fsync and 6-12 dirty pages).
 *
 * The design, chosen to be obviously correct rather than clever:
 * - `StepPipeline` runs steps strictly one after another, as `SerialExecutor` did. A step queued with
 *   `batched` (ingest, send) may join a batch: while the next queued step is batched too (and the batch is
 *   under its caps), the next one starts without waiting for the previous one's commit to be durable.
 * - Inside a batch, a step's commit (`Steps.unit`, through `PendingStore.defer`) is not sent to the store: its
 *   ops join the batch's pending ops, which every later read sees (this store lays them over the inner one),
 *   and what the step does after its commit (routing, events, publishing, its sweep due times, resolving its
 *   caller) is queued as actions. When the batch ends, ONE `commit` of the inner store carries every pending op;
 *   only when it returned do the actions run, in step order. Nothing is published or emitted before then.
 * - A commit that is not deferred (any other caller: requests, the sweep, admin calls) first carries the pending
 *   ops with its own: "a commit returned" still means durable for every caller that relies on it.
 * - If the shared commit fails, no action runs: every step of the batch is rejected with the error (each one may
 *   have read another's writes), the pending ops are dropped, and the failure hooks drop what memory kept of
 *   them (the state cache; a type's records bookkeeping). The next step reads durable state only.
 * - A step whose effects change what later steps read in memory (a conversation routed and watched, listeners
 *   and history fetches) commits the batch at once: it and everything before it are durable, and their actions
 *   have run, before the step goes on (the steps after it may still share the next commit).
 * - What a step emits itself (an inbound refusal, a message request) is queued like its plan's events.
 * - A lone step is a batch of one: the same single commit as before, no timer, no added wait.
 *
 * Not undone by a failure, as before this file: counters a step moved while it computed (history sequence,
 * rate windows). `sent` marks a failed batch carried (deferred-writes.ts) are lost as in a crash: the message
 * stays `queued` in the store and its resend and acknowledgement move it on.
 */
import { inRange, overlay, type ScanOptions, type Store, type StoreEntry, type WriteOp } from "../framework/store.js";

/** At most this many steps share one commit. */
export const MAX_BATCH_STEPS = 32;
/** A batch stops taking steps once its pending values pass this many bytes. */
export const MAX_BATCH_BYTES = 256 * 1024;

/** A queued step, as its caller waits for it. */
interface Entry {
  readonly fn: () => Promise<unknown>;
  readonly batched: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** Set when the step failed after it ran (its commit, or one of its after-commit actions). */
  error?: { readonly cause: unknown };
}

/** Something a step does once the commit carrying its writes is durable. */
interface Action {
  readonly owner: Entry | undefined;
  readonly run: () => unknown;
  /** Called instead of `run` when that commit failed. */
  readonly fail?: (error: unknown) => void;
}

const id = (ns: string, key: string) => `${ns.length}:${ns}${key}`;

/** The Client's store below its state cache: commits of a batch wait here, seen by every read, until it ends. */
export class PendingStore implements Store {
  #ops = new Map<string, WriteOp>();
  #actions: Action[] = [];
  #bytes = 0;
  #deferNext = false;
  /** The step running in the open batch (undefined: no batch is open; actions run at once). */
  current: Entry | undefined;
  /** Shared commits of the inner store, and the steps' commits they carried (what tests and the bench count). */
  readonly stats = { commits: 0, deferred: 0 };

  constructor(
    private readonly inner: Store,
    /** What memory must forget when a commit failed (the state cache, the types' records bookkeeping). */
    private readonly onFail: () => void,
  ) {}

  /** Whether a batch is open: commits made through `defer` wait for its end. */
  get batching(): boolean {
    return this.current !== undefined;
  }

  /** Bytes of the values waiting for the batch's commit (a key written again counts once). */
  get pendingBytes(): number {
    return this.#bytes;
  }

  /**
   * Runs `commit` (a transaction's commit) so that the store commit it makes synchronously, if any, joins the
   * batch instead of reaching the store. Without an open batch it is an ordinary, durable commit.
   */
  defer<T>(commit: () => Promise<T>): Promise<T> {
    this.#deferNext = this.batching;
    try {
      return commit();
    } finally {
      this.#deferNext = false;
    }
  }

  /** Queues `run` for after the commit of everything pending (at once when no batch is open). */
  async after(run: () => unknown, fail?: (error: unknown) => void): Promise<void> {
    if (!this.batching) {
      await run();
      return;
    }
    this.#actions.push({ owner: this.current, run, ...(fail && { fail }) });
  }

  async get(ns: string, key: string): Promise<Uint8Array | undefined> {
    const op = this.#ops.get(id(ns, key));
    if (op) return op.op === "put" ? op.value : undefined;
    return this.inner.get(ns, key);
  }

  async scan(ns: string, options: ScanOptions = {}): Promise<StoreEntry[]> {
    const ops = [...this.#ops.values()].filter((op) => op.ns === ns && inRange(op.key, options));
    if (ops.length === 0) return this.inner.scan(ns, options);
    // Each pending write moves at most one key in or out of a limited page: read that many more.
    const limit = options.limit === undefined ? undefined : options.limit + ops.length;
    return overlay(await this.inner.scan(ns, { ...options, limit }), ns, ops, options);
  }

  async commit(ops: readonly WriteOp[]): Promise<void> {
    if (this.#deferNext) {
      this.#deferNext = false;
      for (const op of ops) {
        const k = id(op.ns, op.key);
        const old = this.#ops.get(k);
        if (old?.op === "put") this.#bytes -= old.value.length;
        // Only the last write of a key reaches the store: the same result, fewer rows written.
        this.#ops.delete(k);
        this.#ops.set(k, op);
        if (op.op === "put") this.#bytes += op.value.length;
      }
      this.stats.deferred++;
      return;
    }
    return this.flush(ops);
  }

  /**
   * Commits every pending op (then `ops`) in ONE commit of the inner store, then runs the queued actions in
   * order. If the commit fails nothing runs: every action's owner and `fail` get the error, and it is thrown.
   */
  async flush(ops: readonly WriteOp[] = []): Promise<void> {
    const all = this.#ops.size === 0 ? ops : [...this.#ops.values(), ...ops];
    const actions = this.#actions;
    this.#ops = new Map();
    this.#actions = [];
    this.#bytes = 0;
    if (all.length > 0) {
      try {
        await this.inner.commit(all);
      } catch (e) {
        this.onFail();
        for (const a of actions) {
          a.fail?.(e);
          if (a.owner) failEntry(a.owner, e);
        }
        throw e;
      }
      this.stats.commits++;
    }
    for (const a of actions) {
      try {
        await a.run();
      } catch (e) {
        // The commit is durable; the step that owned the action still reports what went wrong after it.
        if (a.owner) a.owner.error ??= { cause: e };
        else throw e;
      }
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function failEntry(entry: Entry, error: unknown): void {
  entry.error ??= { cause: error };
  entry.reject(entry.error.cause);
}

/**
 * Runs steps one at a time in call order (one logical writer, the Store contract); runs of `batched` steps share
 * one commit through `PendingStore` (see the top of this file).
 */
export class StepPipeline {
  readonly #queue: Entry[] = [];
  #draining = false;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: PendingStore) {}

  /** A step that runs alone: everything before it is durable and has run its effects first. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.#enqueue(fn, false);
  }

  /** A step that may share its commit with the batched steps queued right before or after it. */
  batched<T>(fn: () => Promise<T>): Promise<T> {
    return this.#enqueue(fn, true);
  }

  /** Resolves once every step queued so far has finished (committed and run its effects, or failed). */
  idle(): Promise<void> {
    return this.#tail.then(() => undefined);
  }

  #enqueue<T>(fn: () => Promise<T>, batched: boolean): Promise<T> {
    const result = new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, batched, resolve: resolve as (v: unknown) => void, reject });
    });
    this.#tail = result.catch(() => undefined);
    if (!this.#draining) void this.#drain();
    return result;
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      for (let e = this.#queue.shift(); e !== undefined; e = this.#queue.shift()) {
        if (e.batched) await this.#batch(e);
        else await settle(e, e.fn);
      }
    } finally {
      this.#draining = false;
    }
  }

  async #batch(first: Entry): Promise<void> {
    const store = this.store;
    let steps = 0;
    for (let e: Entry | undefined = first; e !== undefined; ) {
      const entry: Entry = e;
      store.current = entry;
      try {
        const value = await entry.fn();
        void store.after(() => (entry.error ? entry.reject(entry.error.cause) : entry.resolve(value)));
      } catch (err) {
        void store.after(() => failEntry(entry, err));
      }
      steps++;
      const next = this.#queue[0];
      const more = next?.batched && steps < MAX_BATCH_STEPS && store.pendingBytes < MAX_BATCH_BYTES;
      e = more ? this.#queue.shift() : undefined;
    }
    store.current = undefined;
    try {
      await store.flush();
    } catch {
      // Every step of the batch was rejected with the error (PendingStore.flush).
    }
  }
}

/** Runs a step alone and settles its caller. */
async function settle(entry: Entry, fn: () => Promise<unknown>): Promise<void> {
  try {
    entry.resolve(await fn());
  } catch (e) {
    entry.reject(e);
  }
}
