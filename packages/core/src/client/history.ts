/**
 * Reading what the Client stored: the conversation list, a conversation's history page by page, and the
 * delivery state of a sent message; and appending to the history (in a step's transaction).
 */
import { fromUtf8, utf8 } from "../base/bytes.js";
import type { ContentCodecs } from "../conversations/content/index.js";
import type { Store, Transaction } from "../framework/store.js";
import {
  CONVERSATION_INFO_NS,
  decodeHistory,
  decodeInfo,
  encodeHistory,
  HISTORY_NS,
  type HistoryRecord,
  historyKey,
  MESSAGE_INDEX_NS,
  META_NS,
} from "./records.js";
import type { ConversationInfo, DeliveryState, HistoryItem, HistoryPage, HistoryPageQuery } from "./types.js";

/** Every conversation, oldest first. */
export async function listConversations(store: Store): Promise<ConversationInfo[]> {
  const out: ConversationInfo[] = [];
  for (const { value } of await store.scan(CONVERSATION_INFO_NS)) {
    const info = decodeInfo(value);
    if (info) out.push(info);
  }
  return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

/** One page of a conversation's history, oldest first within the page; pages go back in time. */
export async function historyPage(
  store: Store,
  codecs: ContentCodecs,
  conversationId: string,
  query: HistoryPageQuery,
): Promise<HistoryPage> {
  const limit = Math.max(1, Math.min(query.limit ?? 50, 1000));
  const prefix = `${conversationId}/`;
  const entries = await store.scan(HISTORY_NS, {
    prefix,
    ...(query.before !== undefined && { lt: query.before }),
    reverse: true,
    limit: limit + 1,
  });
  const page = entries.slice(0, limit).reverse();
  const items: HistoryItem[] = [];
  for (const e of page) {
    const r = decodeHistory(e.value);
    if (!r) continue;
    items.push({
      conversationId,
      messageId: r.messageId,
      direction: r.direction,
      ...(r.sender !== undefined && { sender: r.sender }),
      content: codecs.decode(r.content),
      timestamp: r.timestamp,
      storedAt: r.storedAt,
      ...(r.state !== undefined && { state: r.state }),
      ...(r.synced && { synced: true }),
      cursor: e.key,
    });
  }
  return entries.length > limit && page[0] ? { items, before: page[0].key } : { items };
}

/** The delivery state of one sent message, if known. */
export async function storedDeliveryState(
  store: Store,
  conversationId: string,
  messageId: string,
): Promise<DeliveryState | undefined> {
  const key = await store.get(MESSAGE_INDEX_NS, `${conversationId}/${messageId}`);
  const bytes = key && (await store.get(HISTORY_NS, fromUtf8(key) ?? ""));
  return bytes ? decodeHistory(bytes)?.state : undefined;
}

/** Appends history records under increasing sequence numbers (the last one is stored with them). */
export class HistoryLog {
  constructor(private seq: number) {}

  /** Stages `record` in `tx` and returns its history key. */
  add(tx: Transaction, conversationId: string, record: HistoryRecord): string {
    const key = historyKey(conversationId, ++this.seq);
    tx.put(HISTORY_NS, key, encodeHistory(record));
    tx.put(MESSAGE_INDEX_NS, `${conversationId}/${record.messageId}`, utf8(key));
    tx.put(META_NS, "seq", utf8(String(this.seq)));
    return key;
  }
}
