/**
 * Orphans: group messages whose clear `epoch_ref` names an epoch we cannot read yet (unknown, or one we were
 * removed in). Nothing about them can be authenticated until that epoch's keys arrive, so they are kept in
 * MEMORY ONLY, never in the group's record: a restart forgets them, and a genuine one is recovered the way any
 * lost message is, from the topic's history (Waku Store), fetched at start-up, when the epoch arrives after an
 * eviction, and by the tail polling after each activity. Anyone can publish on a group topic, so the buffer
 * is bounded per conversation and per epoch ref (the sender is encrypted: the ref is the only clear key), in
 * count and bytes, entries expire, and every eviction is reported.
 */

export interface OrphanLimits {
  /** Orphans kept per conversation. */
  readonly maxCount: number;
  /** Payload bytes kept per conversation. */
  readonly maxBytes: number;
  /** Payload bytes kept over all conversations (the fullest conversation gives way first). */
  readonly maxTotalBytes: number;
  /** Orphans kept per epoch ref (within a conversation). */
  readonly maxPerRef: number;
  /** Largest payload kept (a Waku message is at most 150 KiB). */
  readonly maxPayloadBytes: number;
  /** An unknown epoch more than this many epochs above our head is implausible: dropped unseen. */
  readonly maxEpochsAhead: number;
  /** How long an orphan waits for its epoch. */
  readonly ttlMs: number;
}

export const DEFAULT_ORPHAN_LIMITS: OrphanLimits = {
  maxCount: 128,
  maxBytes: 2 * 1024 * 1024,
  maxTotalBytes: 16 * 1024 * 1024,
  maxPerRef: 32,
  maxPayloadBytes: 150 * 1024,
  maxEpochsAhead: 16,
  ttlMs: 120_000,
};

export interface Orphan {
  readonly ref: string;
  readonly epoch: bigint;
  /** Short hash of the payload (dedup). */
  readonly hash: string;
  /** The encoded GroupV1Message. */
  readonly payload: Uint8Array;
  /** Arrival time: expiry counts from it. */
  readonly arrived: number;
  /** Since when it stands for a gap; the re-welcome logic moves it forward after asking for one. */
  stuckSince: number;
}

/** Why orphans were dropped unread (the `orphans-evicted` effect and Client event). */
export type OrphanEviction =
  | "expired"
  | "conversation-full"
  | "epoch-ref-full"
  | "buffer-full"
  | "epoch-final"
  | "left";

/** Evictions by conversation, then reason: count. */
export type Evictions = Map<string, Map<OrphanEviction, number>>;

interface Bucket {
  /** Insertion order = arrival order: the oldest is first. */
  readonly byHash: Map<string, Orphan>;
  bytes: number;
  /** Earliest arrival among orphans evicted before their epoch arrived (to fetch them from history). */
  lostSince?: number;
}

export class OrphanBuffer {
  readonly #buckets = new Map<string, Bucket>();
  #total = 0;

  constructor(readonly limits: OrphanLimits) {}

  has(cid: string, hash: string): boolean {
    return this.#buckets.get(cid)?.byHash.has(hash) ?? false;
  }

  /**
   * Keeps `o`, evicting the oldest orphans of its ref, then of the conversation, then of the fullest
   * conversation, until the bounds hold. Returns the evictions (empty when none).
   */
  add(cid: string, o: Orphan): Evictions {
    const out: Evictions = new Map();
    const b = this.#bucket(cid);
    if (b.byHash.has(o.hash)) return out;
    b.byHash.set(o.hash, o);
    b.bytes += o.payload.length;
    this.#total += o.payload.length;
    const sameRef = [...b.byHash.values()].filter((x) => x.ref === o.ref);
    for (const x of sameRef.slice(0, Math.max(0, sameRef.length - this.limits.maxPerRef)))
      this.#evict(cid, b, x, "epoch-ref-full", out);
    for (const x of b.byHash.values()) {
      if (b.byHash.size <= this.limits.maxCount && b.bytes <= this.limits.maxBytes) break;
      this.#evict(cid, b, x, "conversation-full", out);
    }
    while (this.#total > this.limits.maxTotalBytes && this.#buckets.size > 0) {
      const [fullest, fb] = [...this.#buckets].reduce((m, e) => (e[1].bytes > m[1].bytes ? e : m));
      const oldest = fb.byHash.values().next().value;
      if (!oldest) break;
      this.#evict(fullest, fb, oldest, "buffer-full", out);
    }
    return out;
  }

  /** Removes and returns the orphans waiting for `ref`, oldest first. */
  take(cid: string, ref: string): Orphan[] {
    const b = this.#buckets.get(cid);
    if (!b) return [];
    const out = [...b.byHash.values()].filter((o) => o.ref === ref);
    for (const o of out) this.#remove(cid, b, o.hash);
    return out;
  }

  /** Forgets one orphan (it was processed). */
  delete(cid: string, hash: string): void {
    const b = this.#buckets.get(cid);
    if (b) this.#remove(cid, b, hash);
  }

  /** The conversation's orphan that arrived first (the next to expire). */
  oldest(cid: string): Orphan | undefined {
    return this.#buckets.get(cid)?.byHash.values().next().value;
  }

  /** Orphans of epochs above `epoch` (evidence of a gap). */
  ahead(cid: string, epoch: bigint): Orphan[] {
    return [...(this.#buckets.get(cid)?.byHash.values() ?? [])].filter((o) => o.epoch > epoch);
  }

  /** Drops what expired, and what belongs to epochs below `floor` (final: nothing can use them). */
  sweep(cid: string, now: number, floor?: bigint): Evictions {
    const out: Evictions = new Map();
    const b = this.#buckets.get(cid);
    if (!b) return out;
    for (const o of [...b.byHash.values()]) {
      if (floor !== undefined && o.epoch < floor) this.#drop(cid, b, o, "epoch-final", out);
      else if (now - o.arrived >= this.limits.ttlMs) this.#evict(cid, b, o, "expired", out);
    }
    return out;
  }

  /** Forgets the conversation's orphans (we left it). */
  clear(cid: string): Evictions {
    const b = this.#buckets.get(cid);
    const out: Evictions = new Map();
    if (!b) return out;
    for (const o of [...b.byHash.values()]) this.#drop(cid, b, o, "left", out);
    this.#buckets.delete(cid);
    return out;
  }

  /**
   * Once per eviction episode: the earliest arrival among evicted orphans, so their epoch's arrival can
   * fetch them again from history. Cleared by reading it.
   */
  takeLostSince(cid: string): number | undefined {
    const b = this.#buckets.get(cid);
    const t = b?.lostSince;
    if (b) b.lostSince = undefined;
    return t;
  }

  /** Kept orphans and bytes of one conversation (or, without `cid`, bytes of all). */
  size(cid?: string): { count: number; bytes: number } {
    if (cid === undefined)
      return { count: [...this.#buckets.values()].reduce((n, b) => n + b.byHash.size, 0), bytes: this.#total };
    const b = this.#buckets.get(cid);
    return { count: b?.byHash.size ?? 0, bytes: b?.bytes ?? 0 };
  }

  #bucket(cid: string): Bucket {
    let b = this.#buckets.get(cid);
    if (!b) {
      b = { byHash: new Map(), bytes: 0 };
      this.#buckets.set(cid, b);
    }
    return b;
  }

  /** Dropped before its epoch arrived: remember to look for it in history. */
  #evict(cid: string, b: Bucket, o: Orphan, reason: OrphanEviction, out: Evictions): void {
    b.lostSince = Math.min(b.lostSince ?? o.arrived, o.arrived);
    this.#drop(cid, b, o, reason, out);
  }

  #drop(cid: string, b: Bucket, o: Orphan, reason: OrphanEviction, out: Evictions): void {
    this.#remove(cid, b, o.hash);
    const counts = out.get(cid) ?? new Map<OrphanEviction, number>();
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
    out.set(cid, counts);
  }

  #remove(cid: string, b: Bucket, hash: string): void {
    const o = b.byHash.get(hash);
    if (!o) return;
    b.byHash.delete(hash);
    b.bytes -= o.payload.length;
    this.#total -= o.payload.length;
    if (b.byHash.size === 0 && b.lostSince === undefined) this.#buckets.delete(cid);
  }
}
