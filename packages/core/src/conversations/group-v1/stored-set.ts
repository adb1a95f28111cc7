/**
 * A set of the most recent ids of one group, kept as records so that adding one writes O(1) records
 * whatever the history (version 1-3 kept these lists inside the meta record, rewritten on every step).
 * Namespace IDS_NS, for set `name` of group `cid`:
 * - `{name}/{cid}/i/{id}` = the slot that holds it (decimal): membership is one read;
 * - `{name}/{cid}/s/{slot}` = the id in that slot: a ring of `cap` slots, the oldest id forgotten first.
 * The meta record counts the ids each set has taken in (`sets`), which names the next slot.
 */
import { fromUtf8, utf8 } from "../../base/bytes.js";
import type { RecordBuffer } from "./record-buffer.js";
import { IDS_NS, type SetCounters } from "./records.js";

export class StoredSet {
  constructor(
    private readonly records: RecordBuffer,
    private readonly counters: SetCounters,
    private readonly name: keyof SetCounters,
    private readonly cid: string,
    private readonly cap: number,
    /** IDS_NS, or the namespace of a type built on the engine (profile.ts). */
    private readonly ns: string = IDS_NS,
  ) {}

  async has(id: string): Promise<boolean> {
    return (await this.records.get(this.ns, this.idKey(id))) !== undefined;
  }

  /** Adds `id`, forgetting the oldest id once `cap` are held (adding one again makes it the newest). */
  async add(id: string): Promise<void> {
    const slot = this.counters[this.name] % this.cap;
    const old = await this.records.get(this.ns, this.slotKey(slot));
    const oldId = old && fromUtf8(old);
    if (oldId !== undefined) {
      // Only if the old id still lives in this slot: one added again since lives in a newer one.
      const at = await this.records.get(this.ns, this.idKey(oldId));
      if (at && fromUtf8(at) === String(slot)) this.records.delete(this.ns, this.idKey(oldId));
    }
    this.place(slot, id);
  }

  /** Takes in a version 1-3 list (oldest first) into this set, which must be empty: writes only. */
  adopt(ids: readonly string[]): void {
    for (const id of ids.slice(-this.cap)) this.place(this.counters[this.name] % this.cap, id);
  }

  private place(slot: number, id: string): void {
    this.records.put(this.ns, this.slotKey(slot), utf8(id));
    this.records.put(this.ns, this.idKey(id), utf8(String(slot)));
    this.counters[this.name] += 1;
  }

  private idKey(id: string): string {
    return `${this.name}/${this.cid}/i/${id}`;
  }

  private slotKey(slot: number): string {
    return `${this.name}/${this.cid}/s/${slot}`;
  }
}
