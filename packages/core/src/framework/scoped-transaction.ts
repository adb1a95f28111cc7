/**
 * A conversation type's window on the step's transaction: only the namespaces its spec declares. A type whose
 * state spans many records (a group's epochs, key packages, segment parts) writes them through this view, in
 * the same commit as everything else of the step, and cannot touch another type's records or the Client's.
 */
import { type ScanOptions, type StoreEntry, StoreError, type TransactionView } from "./store.js";

export class ScopedTransaction implements TransactionView {
  readonly #tx: TransactionView;
  readonly #namespaces: ReadonlySet<string>;

  constructor(tx: TransactionView, namespaces: Iterable<string>) {
    this.#tx = tx;
    this.#namespaces = new Set(namespaces);
  }

  get(ns: string, key: string): Promise<Uint8Array | undefined> {
    this.#check(ns);
    return this.#tx.get(ns, key);
  }

  scan(ns: string, options?: ScanOptions): Promise<StoreEntry[]> {
    this.#check(ns);
    return this.#tx.scan(ns, options);
  }

  put(ns: string, key: string, value: Uint8Array): void {
    this.#check(ns);
    this.#tx.put(ns, key, value);
  }

  delete(ns: string, key: string): void {
    this.#check(ns);
    this.#tx.delete(ns, key);
  }

  #check(ns: string): void {
    if (!this.#namespaces.has(ns))
      throw new StoreError("invalid-write", `namespace ${ns} is not declared by this conversation type`);
  }
}
