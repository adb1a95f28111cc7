/**
 * Persistence behind every client: a namespaced key-value store with ordered scans and atomic commits.
 *
 * Reads may be issued at any time; all writes of one logical step (one inbound or outbound message) are
 * collected into a batch and applied by `commit` atomically: either every operation is durable or none is.
 * Keys are strings compared by UTF-16 code unit order (ASCII keys sort as bytes); values are bytes.
 * A client drives one store from one logical writer at a time (it serialises its own steps).
 */
import { ParleyError } from "../base/errors.js";

/** A store used against its contract: written after `close`, or given a malformed write. */
export class StoreError extends ParleyError {
  declare readonly code: "store-closed" | "invalid-write";
}

export type WriteOp =
  | { readonly op: "put"; readonly ns: string; readonly key: string; readonly value: Uint8Array }
  | { readonly op: "delete"; readonly ns: string; readonly key: string };

export interface ScanOptions {
  /** Only keys starting with this prefix. */
  readonly prefix?: string;
  /** Inclusive lower bound. */
  readonly gte?: string;
  /** Exclusive upper bound. */
  readonly lt?: string;
  readonly reverse?: boolean;
  readonly limit?: number;
}

export interface StoreEntry {
  readonly key: string;
  readonly value: Uint8Array;
}

export interface Store {
  get(ns: string, key: string): Promise<Uint8Array | undefined>;
  scan(ns: string, options?: ScanOptions): Promise<StoreEntry[]>;
  /** Applies every operation atomically, in order. */
  commit(ops: readonly WriteOp[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * What one step of a conversation type may do with the step's transaction: read (seeing its own writes) and
 * stage writes. Committing is the Client's: a type never commits, so everything of one step lands at once.
 */
export interface TransactionView {
  get(ns: string, key: string): Promise<Uint8Array | undefined>;
  scan(ns: string, options?: ScanOptions): Promise<StoreEntry[]>;
  put(ns: string, key: string, value: Uint8Array): void;
  delete(ns: string, key: string): void;
}

/**
 * A unit of work over a Store: reads see the transaction's own pending writes; nothing reaches the store
 * until `commit()`, which applies all writes in one atomic batch. Dropping a transaction discards it.
 */
export class Transaction implements TransactionView {
  private readonly pending = new Map<string, WriteOp>();
  private done = false;

  constructor(readonly store: Store) {}

  // The namespace's length first keeps (ns, key) pairs distinct whatever characters either contains.
  private static id(ns: string, key: string): string {
    return `${ns.length}:${ns}${key}`;
  }

  async get(ns: string, key: string): Promise<Uint8Array | undefined> {
    const p = this.pending.get(Transaction.id(ns, key));
    if (p) return p.op === "put" ? p.value : undefined;
    return this.store.get(ns, key);
  }

  async scan(ns: string, options: ScanOptions = {}): Promise<StoreEntry[]> {
    // Merge pending writes of this namespace into the store's view, then re-apply bounds and limit.
    const base = await this.store.scan(ns, { ...options, limit: undefined });
    return overlay(base, ns, this.pending.values(), options);
  }

  put(ns: string, key: string, value: Uint8Array): void {
    this.assertOpen();
    this.pending.set(Transaction.id(ns, key), { op: "put", ns, key, value });
  }

  delete(ns: string, key: string): void {
    this.assertOpen();
    this.pending.set(Transaction.id(ns, key), { op: "delete", ns, key });
  }

  /** Whether this transaction holds an uncommitted write of (ns, key). */
  staged(ns: string, key: string): boolean {
    return this.pending.has(Transaction.id(ns, key));
  }

  get size(): number {
    return this.pending.size;
  }

  async commit(): Promise<void> {
    this.assertOpen();
    this.done = true;
    if (this.pending.size > 0) await this.store.commit([...this.pending.values()]);
  }

  private assertOpen(): void {
    if (this.done) throw new Error("transaction already committed");
  }
}

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A scan's result with writes not in the store yet laid over it (`base`: the store's scan of `ns` under the
 * same bounds, and enough entries beyond `limit` to cover what the writes remove), bounds and limit re-applied.
 */
export function overlay(
  base: readonly StoreEntry[],
  ns: string,
  ops: Iterable<WriteOp>,
  options: ScanOptions,
): StoreEntry[] {
  const merged = new Map(base.map((e) => [e.key, e.value] as const));
  for (const op of ops) {
    if (op.ns !== ns || !inRange(op.key, options)) continue;
    if (op.op === "put") merged.set(op.key, op.value);
    else merged.delete(op.key);
  }
  const keys = [...merged.keys()].sort(compareKeys);
  if (options.reverse) keys.reverse();
  const limited = options.limit === undefined ? keys : keys.slice(0, options.limit);
  return limited.map((key) => ({ key, value: merged.get(key)! }));
}

export function inRange(key: string, options: ScanOptions): boolean {
  if (options.prefix !== undefined && !key.startsWith(options.prefix)) return false;
  if (options.gte !== undefined && key < options.gte) return false;
  if (options.lt !== undefined && key >= options.lt) return false;
  return true;
}
