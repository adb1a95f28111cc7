/**
 * `WakuDelivery.history`: what the Store peer kept for some content topics, queried per pubsub topic (at
 * most `TOPICS_PER_QUERY` content topics a query), merged oldest first (by sender timestamp, then hash)
 * and without duplicates.
 */
import type { Libp2p, PeerId } from "@libp2p/interface";
import type { Multiaddr } from "@multiformats/multiaddr";
import { type DeliveredMessage, type HistoryQuery, toHex } from "@parley/core";
import { msToNs, NS_PER_MS, nsToMs } from "../message.js";
import { queryStore, type StoredMessage } from "./client.js";

/** Store queries carry at most this many content topics (nwaku's bound). */
const TOPICS_PER_QUERY = 10;

export async function* storeHistory(
  node: Libp2p,
  peer: PeerId | Multiaddr,
  pubsubTopicOf: (contentTopic: string) => string,
  query: HistoryQuery,
): AsyncGenerator<DeliveredMessage> {
  const byPubsub = new Map<string, string[]>();
  for (const ct of new Set(query.contentTopics)) {
    const pt = pubsubTopicOf(ct);
    byPubsub.set(pt, [...(byPubsub.get(pt) ?? []), ct]);
  }
  const timeStart = query.startTime === undefined ? undefined : msToNs(query.startTime);
  // The end is inclusive to the millisecond: every nanosecond of that millisecond counts.
  const timeEnd = query.endTime === undefined ? undefined : msToNs(query.endTime) + NS_PER_MS - 1n;
  const streams: AsyncIterator<StoredMessage[]>[] = [];
  for (const [pubsubTopic, topics] of byPubsub)
    for (let i = 0; i < topics.length; i += TOPICS_PER_QUERY)
      streams.push(
        queryStore(node, peer, {
          pubsubTopic,
          contentTopics: topics.slice(i, i + TOPICS_PER_QUERY),
          ...(timeStart !== undefined ? { timeStart } : {}),
          ...(timeEnd !== undefined ? { timeEnd } : {}),
          ...(query.pageSize !== undefined ? { pageSize: query.pageSize } : {}),
        })[Symbol.asyncIterator](),
      );
  const seen = new Set<string>();
  for await (const m of mergeOldestFirst(streams)) {
    const hash = toHex(m.hash);
    if (seen.has(hash)) continue;
    seen.add(hash);
    yield {
      contentTopic: m.message.contentTopic,
      payload: m.message.payload,
      timestamp: nsToMs(m.message.timestamp),
      hash,
    };
  }
}
/** k-way merge of page streams that are each oldest first: (timestamp, hash) order overall. */
async function* mergeOldestFirst(streams: AsyncIterator<StoredMessage[]>[]): AsyncGenerator<StoredMessage> {
  const buffers: StoredMessage[][] = streams.map(() => []);
  const done = streams.map(() => false);
  const fill = async (i: number) => {
    while (!done[i] && buffers[i]!.length === 0) {
      const r = await streams[i]!.next();
      if (r.done) done[i] = true;
      else buffers[i]!.push(...r.value);
    }
  };
  await Promise.all(streams.map((_, i) => fill(i)));
  for (;;) {
    let best = -1;
    for (let i = 0; i < buffers.length; i++) {
      const head = buffers[i]![0];
      if (!head) continue;
      const cur = best >= 0 ? buffers[best]![0]! : undefined;
      if (!cur || compareStored(head, cur) < 0) best = i;
    }
    if (best < 0) return;
    yield buffers[best]!.shift()!;
    await fill(best);
  }
}

function compareStored(a: StoredMessage, b: StoredMessage): number {
  const ta = a.message.timestamp ?? 0n;
  const tb = b.message.timestamp ?? 0n;
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ha = toHex(a.hash);
  const hb = toHex(b.hash);
  return ha < hb ? -1 : ha > hb ? 1 : 0;
}
