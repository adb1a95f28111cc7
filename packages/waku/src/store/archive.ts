import type { Clock, Store, WriteOp } from "@parley/core";
import { systemClock, toHex } from "@parley/core";
import { proto_store } from "@waku/proto";
import { messageHash, msToNs, type WakuMessage } from "../message.js";

/**
 * The message archive behind the Store service: every relayed message, keyed by its deterministic hash and
 * ordered by (timestamp, hash) as nwaku orders its archive. It lives in any `Store` (SqliteStore on a node,
 * an in-memory store in tests), in three namespaces written atomically:
 *   t/{ts:20 digits}:{hash hex} → WakuMessageKeyValue bytes (time index, the rows themselves)
 *   h/{hash hex}               → the time-index key (dedup, hash lookups, cursors)
 *   m/stats                    → row count and bytes, u64 BE each (retention without a full scan)
 */
const NS_TIME = "waku-store/t";
const NS_HASH = "waku-store/h";
const NS_META = "waku-store/m";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** Bounds one request's filter work (nwaku limits content topics per query too). */
export const MAX_CONTENT_TOPICS = 100;
export const MAX_HASHES = 100;

export interface RetentionPolicy {
  /** Oldest rows are dropped beyond this count. */
  readonly maxMessages?: number;
  /** Oldest rows are dropped while the stored rows exceed this many bytes (a spammer cannot fill the disk). */
  readonly maxBytes?: number;
  /** Rows whose message timestamp is older than this are dropped by `prune()`. */
  readonly maxAgeMs?: number;
}

export const DEFAULT_RETENTION: Required<RetentionPolicy> = {
  maxMessages: 100_000,
  maxBytes: 1024 * 1024 * 1024,
  maxAgeMs: 7 * 24 * 3600 * 1000,
};

interface Stats {
  count: number;
  bytes: number;
}

export interface ArchivedMessage {
  readonly hash: Uint8Array;
  readonly pubsubTopic: string;
  readonly message: WakuMessage;
}

export type QueryOutcome =
  | { readonly status: 200; readonly messages: ArchivedMessage[]; readonly cursor?: Uint8Array }
  | { readonly status: 400; readonly description: string };

const TS_DIGITS = 20;
const SCAN_BATCH = 256;

function timeKey(ts: bigint, hashHex: string): string {
  return `${ts.toString().padStart(TS_DIGITS, "0")}:${hashHex}`;
}
/** Lowest key with timestamp >= ts (":" sorts before every hex digit). */
function lowerBound(ts: bigint): string {
  return `${(ts < 0n ? 0n : ts).toString().padStart(TS_DIGITS, "0")}:`;
}
/** Lowest key with timestamp > ts (";" sorts after ":"). */
function upperBound(ts: bigint): string {
  return `${(ts < 0n ? 0n : ts).toString().padStart(TS_DIGITS, "0")};`;
}

export class MessageArchive {
  private readonly retention: Required<RetentionPolicy>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    retention: RetentionPolicy = {},
    private readonly clock: Clock = systemClock,
  ) {
    this.retention = { ...DEFAULT_RETENTION, ...retention };
  }

  /** Serialises writers: the duplicate check and the count update must see each other's commits. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stores one message; false when it was already archived. */
  insert(pubsubTopic: string, message: WakuMessage, hash = messageHash(pubsubTopic, message)): Promise<boolean> {
    return this.serial(async () => {
      const hashHex = toHex(hash);
      if (await this.store.get(NS_HASH, hashHex)) return false;
      // A message without a sender timestamp is filed under its arrival time, as nwaku does.
      const ts = message.timestamp && message.timestamp > 0n ? message.timestamp : msToNs(this.clock.now());
      const key = timeKey(ts, hashHex);
      const row = proto_store.WakuMessageKeyValue.encode({ messageHash: hash, message, pubsubTopic });
      const stats = await this.stats();
      stats.count += 1;
      stats.bytes += row.length;
      const ops: WriteOp[] = [
        { op: "put", ns: NS_TIME, key, value: row },
        { op: "put", ns: NS_HASH, key: hashHex, value: new TextEncoder().encode(key) },
      ];
      // Oldest rows go first until both bounds hold (the new row is never dropped by its own insert).
      let after: string | undefined;
      while (stats.count > this.retention.maxMessages || stats.bytes > this.retention.maxBytes) {
        const batch = await this.store.scan(NS_TIME, { ...(after ? { gte: `${after}\u0000` } : {}), limit: 64 });
        if (batch.length === 0) break;
        for (const e of batch) {
          if (stats.count <= this.retention.maxMessages && stats.bytes <= this.retention.maxBytes) break;
          ops.push(...deleteRow(e.key));
          stats.count -= 1;
          stats.bytes -= e.value.length;
          after = e.key;
        }
      }
      ops.push(statsOp(stats));
      await this.store.commit(ops);
      return true;
    });
  }

  async count(): Promise<number> {
    return (await this.stats()).count;
  }

  /** Bytes of the stored rows (encoded WakuMessageKeyValue). */
  async bytes(): Promise<number> {
    return (await this.stats()).bytes;
  }

  private async stats(): Promise<Stats> {
    const v = await this.store.get(NS_META, "stats");
    if (v?.length !== 16) return { count: 0, bytes: 0 };
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    return { count: Number(dv.getBigUint64(0)), bytes: Number(dv.getBigUint64(8)) };
  }

  /** Drops rows older than the retention age; returns how many. */
  prune(): Promise<number> {
    return this.serial(async () => {
      const cutoff = msToNs(this.clock.now() - this.retention.maxAgeMs);
      let total = 0;
      const stats = await this.stats();
      for (;;) {
        const old = await this.store.scan(NS_TIME, { lt: lowerBound(cutoff), limit: SCAN_BATCH });
        if (old.length === 0) break;
        stats.count -= old.length;
        stats.bytes -= old.reduce((n, e) => n + e.value.length, 0);
        total += old.length;
        await this.store.commit([...old.flatMap((e) => deleteRow(e.key)), statsOp(stats)]);
      }
      return total;
    });
  }

  /** Answers one Store v3 query (WAKU2-STORE): filter or hash lookup, paginated, pages oldest first. */
  async query(req: proto_store.StoreQueryRequest, maxBytes = Number.POSITIVE_INFINITY): Promise<QueryOutcome> {
    const hashQuery = req.messageHashes.length > 0;
    if (hashQuery && (req.contentTopics.length > 0 || req.timeStart !== undefined || req.timeEnd !== undefined))
      return bad("message hash lookup queries cannot include content filter criteria");
    if (req.contentTopics.length > 0 && !req.pubsubTopic)
      return bad("both pubsubTopic and contentTopics must be set together");
    if (req.contentTopics.length > MAX_CONTENT_TOPICS)
      return bad(`too many content topics (max ${MAX_CONTENT_TOPICS})`);
    if (req.messageHashes.length > MAX_HASHES) return bad(`too many message hashes (max ${MAX_HASHES})`);
    const requested = req.paginationLimit === undefined ? DEFAULT_PAGE_SIZE : Number(req.paginationLimit);
    const limit = Math.min(Math.max(requested, 1), MAX_PAGE_SIZE);
    const forward = req.paginationForward;

    let cursorKey: string | undefined;
    if (req.paginationCursor && req.paginationCursor.length > 0) {
      const k = await this.store.get(NS_HASH, toHex(req.paginationCursor));
      if (!k) return bad("cursor not found");
      cursorKey = new TextDecoder().decode(k);
    }

    const rows = hashQuery
      ? await this.lookupHashes(req, cursorKey, forward, limit + 1)
      : await this.scanFiltered(req, cursorKey, forward, limit + 1);
    // Rows come in travel order; the page keeps the ones nearest the cursor that fit the byte budget.
    const page: ArchivedMessage[] = [];
    let bytes = 0;
    for (const row of rows.slice(0, limit)) {
      bytes += row.message.payload.length + (row.message.meta?.length ?? 0) + row.message.contentTopic.length + 160;
      if (page.length > 0 && bytes > maxBytes) break;
      page.push(row);
    }
    const more = rows.length > page.length;
    const last = page[page.length - 1];
    // Backward pages are collected newest first but, as in nwaku, returned oldest first.
    if (!forward) page.reverse();
    return { status: 200, messages: page, ...(more && last ? { cursor: last.hash } : {}) };
  }

  private async lookupHashes(
    req: proto_store.StoreQueryRequest,
    cursorKey: string | undefined,
    forward: boolean,
    max: number,
  ): Promise<ArchivedMessage[]> {
    const keys: string[] = [];
    for (const h of req.messageHashes) {
      const k = await this.store.get(NS_HASH, toHex(h));
      if (k) keys.push(new TextDecoder().decode(k));
    }
    const ordered = [...new Set(keys)].sort();
    if (!forward) ordered.reverse();
    const out: ArchivedMessage[] = [];
    for (const key of ordered) {
      if (cursorKey !== undefined && (forward ? key <= cursorKey : key >= cursorKey)) continue;
      const row = await this.store.get(NS_TIME, key);
      const decoded = row && decodeRow(row);
      if (decoded && (!req.pubsubTopic || decoded.pubsubTopic === req.pubsubTopic)) out.push(decoded);
      if (out.length >= max) break;
    }
    return out;
  }

  private async scanFiltered(
    req: proto_store.StoreQueryRequest,
    cursorKey: string | undefined,
    forward: boolean,
    max: number,
  ): Promise<ArchivedMessage[]> {
    let gte = req.timeStart === undefined ? undefined : lowerBound(req.timeStart);
    let lt = req.timeEnd === undefined ? undefined : upperBound(req.timeEnd);
    if (cursorKey !== undefined) {
      // The cursor row itself is excluded: "\u0000" sorts just after it and before any longer key.
      if (forward) gte = gte === undefined || `${cursorKey}\u0000` > gte ? `${cursorKey}\u0000` : gte;
      else lt = lt === undefined || cursorKey < lt ? cursorKey : lt;
    }
    const topics = new Set(req.contentTopics);
    const out: ArchivedMessage[] = [];
    for (;;) {
      if (gte !== undefined && lt !== undefined && gte >= lt) break;
      const batch = await this.store.scan(NS_TIME, {
        ...(gte !== undefined ? { gte } : {}),
        ...(lt !== undefined ? { lt } : {}),
        reverse: !forward,
        limit: SCAN_BATCH,
      });
      for (const e of batch) {
        const row = decodeRow(e.value);
        if (!row) continue;
        if (req.pubsubTopic && row.pubsubTopic !== req.pubsubTopic) continue;
        if (topics.size > 0 && !topics.has(row.message.contentTopic)) continue;
        out.push(row);
        if (out.length >= max) return out;
      }
      if (batch.length < SCAN_BATCH) break;
      const edge = batch[batch.length - 1]!.key;
      if (forward) gte = `${edge}\u0000`;
      else lt = edge;
    }
    return out;
  }
}

function bad(description: string): QueryOutcome {
  return { status: 400, description: `BAD_REQUEST: ${description}` };
}

function decodeRow(bytes: Uint8Array): ArchivedMessage | undefined {
  try {
    const kv = proto_store.WakuMessageKeyValue.decode(bytes);
    if (!kv.message || !kv.messageHash || kv.pubsubTopic === undefined) return undefined;
    return { hash: kv.messageHash, pubsubTopic: kv.pubsubTopic, message: kv.message };
  } catch {
    return undefined;
  }
}

function deleteRow(key: string): WriteOp[] {
  const hashHex = key.slice(TS_DIGITS + 1);
  return [
    { op: "delete", ns: NS_TIME, key },
    { op: "delete", ns: NS_HASH, key: hashHex },
  ];
}

function statsOp(stats: Stats): WriteOp {
  const v = new Uint8Array(16);
  const dv = new DataView(v.buffer);
  dv.setBigUint64(0, BigInt(Math.max(0, stats.count)));
  dv.setBigUint64(8, BigInt(Math.max(0, stats.bytes)));
  return { op: "put", ns: NS_META, key: "stats", value: v };
}
