import type { ScanOptions, Store, StoreEntry, WriteOp } from "@parley/core";

/** A Store that counts what is committed to it: commits, bytes of whole ops, and bytes of put values alone. */
export class CountingStore implements Store {
  commits = 0;
  /** Namespace, key and value bytes of every op. */
  bytes = 0;
  /** Value bytes of puts only. */
  valueBytes = 0;
  constructor(readonly inner: Store) {}
  get(ns: string, key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(ns, key);
  }
  scan(ns: string, options?: ScanOptions): Promise<StoreEntry[]> {
    return this.inner.scan(ns, options);
  }
  commit(ops: readonly WriteOp[]): Promise<void> {
    this.commits++;
    for (const op of ops) {
      const value = op.op === "put" ? op.value.length : 0;
      this.bytes += op.key.length + op.ns.length + value;
      this.valueBytes += value;
    }
    return this.inner.commit(ops);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
