/**
 * The outbox: every application message we sent, kept with the epoch it was last encrypted in until that
 * epoch is final, so that it can be sent again if its epoch loses the fork choice (reconcile.ts, resend.ts).
 * One record per message in OUTBOX_NS, `{cid}/{epoch id}/{seq}`, and a count per epoch in the meta record
 * (`outboxEpochs`): a send writes one record and a step that moves nothing reads none; only steps that
 * re-send (a lost fork) or prune (an epoch became final) read the entries of the epochs concerned.
 */
import type { RecordBuffer } from "./record-buffer.js";
import { decodeOutboxEntry, encodeJson, type GroupMeta, type OutboxEntry } from "./records.js";

/** Selects epochs of the outbox by id, number and how many of their entries wait. */
export type EpochFilter = (epochId: string, epoch: bigint, waiting: number) => boolean;

export class Outbox {
  /** Entries changed by this step, by message id (null: dropped), to tell what started or stopped waiting. */
  private readonly changed = new Map<string, OutboxEntry | null>();

  constructor(
    private readonly records: RecordBuffer,
    private readonly meta: GroupMeta,
    /** OUTBOX_NS, or the namespace of a type built on the engine (profile.ts). */
    private readonly ns: string,
  ) {}

  /** True when some entry is stored with an epoch `which` selects. */
  any(which: EpochFilter): boolean {
    return this.meta.outboxEpochs.some((e) => e.count > 0 && which(e.epochId, e.epoch, e.waiting));
  }

  /** The entries stored with the epochs `which` selects, in sending order. */
  async entries(which: EpochFilter): Promise<OutboxEntry[]> {
    const out: OutboxEntry[] = [];
    for (const e of this.meta.outboxEpochs) {
      if (e.count === 0 || !which(e.epochId, e.epoch, e.waiting)) continue;
      for (const r of await this.records.scan(this.ns, `${this.meta.conversationId}/${e.epochId}/`)) {
        const entry = decodeOutboxEntry(r.value);
        if (entry) out.push(entry);
      }
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** Stores a message just sent. */
  add(entry: Omit<OutboxEntry, "seq">): void {
    this.write({ ...entry, seq: this.meta.outboxSeq++ });
  }

  /** Replaces `before` (entries read from this outbox) by `after`: entries missing from it are dropped. */
  replace(before: readonly OutboxEntry[], after: readonly OutboxEntry[]): void {
    const next = new Map(after.map((o) => [o.messageId, o] as const));
    for (const o of before) {
      const n = next.get(o.messageId);
      if (n && n.epochId === o.epochId && n.waitingSince === o.waitingSince) next.delete(o.messageId);
      else this.remove(o);
    }
    for (const o of next.values()) this.write(o);
  }

  /** Drops entries read from this outbox. */
  drop(entries: readonly OutboxEntry[]): void {
    for (const o of entries) this.remove(o);
  }

  /**
   * `before` (entries read earlier in this step) as they are now, with every entry this step wrote since:
   * what resend.ts `waitingChanges` compares to tell what started or stopped waiting.
   */
  current(before: readonly OutboxEntry[]): OutboxEntry[] {
    const now = new Map(before.map((o) => [o.messageId, o] as const));
    for (const [id, o] of this.changed) o ? now.set(id, o) : now.delete(id);
    return [...now.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Moves the entries of a version 1-3 record (kept inside it, in sending order) into records. */
  adopt(entries: readonly Omit<OutboxEntry, "seq">[]): void {
    for (const e of entries) this.add(e);
  }

  private key(o: OutboxEntry): string {
    return `${this.meta.conversationId}/${o.epochId}/${o.seq.toString().padStart(12, "0")}`;
  }

  private write(o: OutboxEntry): void {
    this.records.put(this.ns, this.key(o), encodeJson(o));
    this.count(o, +1);
    this.changed.set(o.messageId, o);
  }

  private remove(o: OutboxEntry): void {
    this.records.delete(this.ns, this.key(o));
    this.count(o, -1);
    this.changed.set(o.messageId, null);
  }

  private count(o: OutboxEntry, d: 1 | -1): void {
    const waiting = o.waitingSince === undefined ? 0 : d;
    const list = this.meta.outboxEpochs;
    const i = list.findIndex((e) => e.epochId === o.epochId);
    if (i < 0) list.push({ epochId: o.epochId, epoch: o.epoch, count: d, waiting });
    else list[i] = { ...list[i]!, count: list[i]!.count + d, waiting: list[i]!.waiting + waiting };
    this.meta.outboxEpochs = list.filter((e) => e.count > 0);
  }
}
