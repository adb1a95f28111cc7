/**
 * The writes of one step, held until the step has succeeded (`Session.flush`): reads see them first, then
 * the transaction. A step that fails, or that only held or skipped its input, writes nothing.
 */
import { compareKeys, type StoreEntry, type TransactionView } from "../../framework/store.js";

export class RecordBuffer {
  /** By namespace, then key: the value to put, or null to delete. */
  private readonly writes = new Map<string, Map<string, Uint8Array | null>>();
  constructor(private readonly tx: TransactionView) {}

  async get(ns: string, key: string): Promise<Uint8Array | undefined> {
    const w = this.writes.get(ns)?.get(key);
    if (w !== undefined) return w ?? undefined;
    return this.tx.get(ns, key);
  }

  /** Every record of `ns` under `prefix`, in key order. */
  async scan(ns: string, prefix: string): Promise<StoreEntry[]> {
    const merged = new Map((await this.tx.scan(ns, { prefix })).map((e) => [e.key, e.value] as const));
    for (const [key, value] of this.writes.get(ns) ?? [])
      if (!key.startsWith(prefix)) continue;
      else if (value) merged.set(key, value);
      else merged.delete(key);
    return [...merged.keys()].sort(compareKeys).map((key) => ({ key, value: merged.get(key)! }));
  }

  put(ns: string, key: string, value: Uint8Array): void {
    this.space(ns).set(key, value);
  }

  delete(ns: string, key: string): void {
    this.space(ns).set(key, null);
  }

  /** Whether nothing was written (a step that only looked). */
  get empty(): boolean {
    return this.writes.size === 0;
  }

  /** Stages every buffered write in the transaction. */
  flush(): void {
    for (const [ns, space] of this.writes)
      for (const [key, value] of space) value ? this.tx.put(ns, key, value) : this.tx.delete(ns, key);
    this.writes.clear();
  }

  private space(ns: string): Map<string, Uint8Array | null> {
    const s = this.writes.get(ns) ?? new Map<string, Uint8Array | null>();
    this.writes.set(ns, s);
    return s;
  }
}
