/**
 * Writes that need not be durable at once ride on the next commit instead of paying for one of their own.
 * Marking a published message `sent` is the one user: after a crash a message still `queued` is sealed and
 * published again by its conversation's resend (the same ciphertext, which the peer recognises as a replay),
 * and its acknowledgement moves it on; losing the mark loses nothing the peer or the application relies on.
 * So a send costs one commit (its step) instead of two (its step, then the mark).
 *
 * The Client's store is seen through this view: reads see deferred writes (a `sent` mark reads back as
 * `sent` at once, and a later step's delivery change starts from it), and every commit carries the deferred
 * writes before its own ops, so the step's own writes of the same keys win. A commit that fails keeps them
 * for the next one; a batch's shared commit that fails (pipeline.ts) loses the ones it carried, as a crash
 * would. What is deferred when the Client closes is committed then.
 */
import {
  inRange,
  overlay,
  type ScanOptions,
  type Store,
  type StoreEntry,
  type TransactionView,
  type WriteOp,
} from "../framework/store.js";

const id = (ns: string, key: string) => `${ns.length}:${ns}${key}`;

export class DeferredWrites implements Store {
  /** Deferred, not yet handed to a commit. */
  #pending = new Map<string, WriteOp>();
  /** Handed to commits that have not returned yet (still what reads must see). */
  readonly #inflight = new Set<Map<string, WriteOp>>();

  constructor(private readonly inner: Store) {}

  /** How many writes wait for the next commit. */
  get size(): number {
    return this.#pending.size;
  }

  /** A view to stage deferred writes through: reads see this store (deferred writes included), writes defer. */
  view(): TransactionView {
    return {
      get: (ns, key) => this.get(ns, key),
      scan: (ns, options) => this.scan(ns, options),
      put: (ns, key, value) => this.#pending.set(id(ns, key), { op: "put", ns, key, value }),
      delete: (ns, key) => this.#pending.set(id(ns, key), { op: "delete", ns, key }),
    };
  }

  async get(ns: string, key: string): Promise<Uint8Array | undefined> {
    const op = this.#deferred(id(ns, key));
    if (op) return op.op === "put" ? op.value : undefined;
    return this.inner.get(ns, key);
  }

  async scan(ns: string, options: ScanOptions = {}): Promise<StoreEntry[]> {
    const ops = [...this.#inflight, this.#pending].flatMap((batch) =>
      [...batch.values()].filter((op) => op.ns === ns && inRange(op.key, options)),
    );
    if (ops.length === 0) return this.inner.scan(ns, options);
    // Each deferred write moves at most one key in or out of a limited page: read that many more.
    const limit = options.limit === undefined ? undefined : options.limit + ops.length;
    return overlay(await this.inner.scan(ns, { ...options, limit }), ns, ops, options);
  }

  /** Commits `ops` with every deferred write before them (a deferred write the ops replace is left out). */
  async commit(ops: readonly WriteOp[]): Promise<void> {
    if (this.#pending.size === 0) return this.inner.commit(ops);
    const carried = this.#pending;
    this.#pending = new Map();
    const replaced = new Set(ops.map((op) => id(op.ns, op.key)));
    const ahead = [...carried].flatMap(([key, op]) => (replaced.has(key) ? [] : [op]));
    this.#inflight.add(carried);
    try {
      await this.inner.commit([...ahead, ...ops]);
    } catch (e) {
      // Kept for the next commit, under anything deferred since.
      this.#pending = new Map([...carried, ...this.#pending]);
      throw e;
    } finally {
      this.#inflight.delete(carried);
    }
  }

  /** Commits what is deferred, if anything (the Client is closing). */
  async flush(): Promise<void> {
    if (this.#pending.size > 0) await this.commit([]);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  #deferred(key: string): WriteOp | undefined {
    const own = this.#pending.get(key);
    if (own) return own;
    let last: WriteOp | undefined;
    for (const batch of this.#inflight) last = batch.get(key) ?? last;
    return last;
  }
}
