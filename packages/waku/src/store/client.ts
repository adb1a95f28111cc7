import type { Libp2p, PeerId } from "@libp2p/interface";
import type { Multiaddr } from "@multiformats/multiaddr";
import { constantTimeEqual } from "@parley/core";
import { proto_store } from "@waku/proto";
import { WakuError } from "../errors.js";
import { messageHash, type WakuMessage } from "../message.js";
import { readMessage, withDeadline, writeMessage } from "../rpc.js";
import { MAX_PAGE_SIZE } from "./archive.js";
import { STORE_CODEC } from "./server.js";

/** Pages hold at most 100 messages of at most ~150 KiB each. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** A peer that keeps handing out cursors cannot keep us paging forever. */
const MAX_PAGES = 10_000;

export interface StorePageQuery {
  readonly pubsubTopic: string;
  readonly contentTopics: readonly string[];
  /** Inclusive, Unix nanoseconds. */
  readonly timeStart?: bigint;
  readonly timeEnd?: bigint;
  readonly pageSize?: number;
  readonly timeoutMs?: number;
}

export interface StoredMessage {
  readonly pubsubTopic: string;
  readonly message: WakuMessage;
  readonly hash: Uint8Array;
}

/**
 * Queries one Store v3 peer, forward, page after page, yielding each page oldest first. Rows are checked
 * against the query (topic, time range) and their hash recomputed, so a faulty or hostile store can withhold
 * messages but cannot inject ones we did not ask for or mislabel them.
 */
export async function* queryStore(
  libp2p: Libp2p,
  peer: PeerId | Multiaddr,
  query: StorePageQuery,
): AsyncGenerator<StoredMessage[]> {
  const topics = new Set(query.contentTopics);
  const pageSize = Math.min(Math.max(query.pageSize ?? MAX_PAGE_SIZE, 1), MAX_PAGE_SIZE);
  let cursor: Uint8Array | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const request: proto_store.StoreQueryRequest = {
      requestId: crypto.randomUUID(),
      includeData: true,
      pubsubTopic: query.pubsubTopic,
      contentTopics: [...query.contentTopics],
      messageHashes: [],
      paginationForward: true,
      paginationLimit: BigInt(pageSize),
      ...(query.timeStart !== undefined ? { timeStart: query.timeStart } : {}),
      ...(query.timeEnd !== undefined ? { timeEnd: query.timeEnd } : {}),
      ...(cursor ? { paginationCursor: cursor } : {}),
    };
    const response = await exchange(libp2p, peer, request, query.timeoutMs ?? 15_000);
    if (response.requestId !== request.requestId)
      throw new WakuError("store-bad-response", "store response does not answer our request id");
    if (response.statusCode !== 200)
      throw new WakuError(
        "store-query-failed",
        `store query failed: ${response.statusCode ?? "no status"} ${response.statusDesc ?? ""}`.trim(),
      );
    const page: StoredMessage[] = [];
    for (const kv of response.messages) {
      const m = kv.message;
      if (!m || !kv.messageHash || kv.pubsubTopic !== query.pubsubTopic || !topics.has(m.contentTopic)) continue;
      const ts = m.timestamp ?? 0n;
      if (query.timeStart !== undefined && ts < query.timeStart) continue;
      if (query.timeEnd !== undefined && ts > query.timeEnd) continue;
      const hash = messageHash(query.pubsubTopic, m);
      if (!constantTimeEqual(hash, kv.messageHash)) continue;
      page.push({ pubsubTopic: query.pubsubTopic, message: m, hash });
    }
    if (page.length > 0) yield page;
    const next = response.paginationCursor;
    if (!next || next.length === 0 || (cursor && constantTimeEqual(next, cursor))) return;
    cursor = next;
  }
}

async function exchange(
  libp2p: Libp2p,
  peer: PeerId | Multiaddr,
  request: proto_store.StoreQueryRequest,
  timeoutMs: number,
): Promise<proto_store.StoreQueryResponse> {
  let stream: Awaited<ReturnType<Libp2p["dialProtocol"]>>;
  try {
    stream = await libp2p.dialProtocol(peer, STORE_CODEC, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new WakuError("store-unavailable", `cannot open a store stream: ${(err as Error).message}`);
  }
  const bytes = await withDeadline(stream, timeoutMs, async () => {
    await writeMessage(stream, proto_store.StoreQueryRequest.encode(request));
    return readMessage(stream, MAX_RESPONSE_BYTES);
  }).catch((err: unknown) => {
    throw new WakuError("store-query-failed", `store exchange failed: ${(err as Error).message}`);
  });
  await stream.close().catch(() => undefined);
  if (bytes === undefined) throw new WakuError("store-bad-response", "store peer closed without a response");
  try {
    return proto_store.StoreQueryResponse.decode(bytes);
  } catch {
    throw new WakuError("store-bad-response", "undecodable store response");
  }
}
