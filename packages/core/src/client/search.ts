/**
 * Text search over the history every conversation keeps (`Client.history`), newest first. It reads page by
 * page and stops at the bounds given, so a search over years of history stays a bounded amount of work.
 */
import type { Content } from "../conversations/content/index.js";
import type { ConversationInfo, HistoryItem, HistoryPage, HistoryPageQuery } from "./types.js";

export interface SearchHit {
  readonly conversationId: string;
  readonly messageId: string;
  readonly direction: "in" | "out";
  readonly sender?: string;
  readonly timestamp: number;
  /** The text that matched: a message's text, or a file's name. */
  readonly text: string;
}

export interface SearchOptions {
  /** Most hits returned (the newest). Default 50. */
  readonly limit?: number;
  /** Most messages read per conversation. Default 10,000. */
  readonly maxPerConversation?: number;
  /** Only these conversations. Default: all. */
  readonly conversationIds?: readonly string[];
}

/** What a search needs of a Client. */
export interface SearchableHistory {
  conversations(): Promise<ConversationInfo[]>;
  history(conversationId: string, query?: HistoryPageQuery): Promise<HistoryPage>;
}

const PAGE = 200;

/** The searchable text of a content: text, or a file's name (first chunk only, so a file counts once). */
export function searchableText(content: Content): string | undefined {
  if (content.kind === "text" && typeof content.text === "string") return content.text;
  if (content.kind === "file" && content.chunkIndex === 0 && typeof content.name === "string") return content.name;
  return undefined;
}

/** Messages whose text contains `query` (case-insensitive), newest first. An empty query finds nothing. */
export async function searchHistory(
  client: SearchableHistory,
  query: string,
  options: SearchOptions = {},
): Promise<SearchHit[]> {
  const needle = query.trim().toLocaleLowerCase();
  if (needle === "") return [];
  const limit = options.limit ?? 50;
  const maxPer = options.maxPerConversation ?? 10_000;
  const only = options.conversationIds && new Set(options.conversationIds);
  const hits: SearchHit[] = [];
  for (const c of await client.conversations()) {
    if (only && !only.has(c.id)) continue;
    let before: string | undefined;
    let read = 0;
    let found = 0;
    do {
      const page = await client.history(c.id, { limit: Math.min(PAGE, maxPer - read), ...(before && { before }) });
      read += page.items.length;
      for (const item of [...page.items].reverse()) {
        const hit = match(item, needle);
        if (hit) {
          hits.push(hit);
          found++;
        }
      }
      before = page.before;
      // A conversation's older hits cannot beat `limit` newer ones of its own.
    } while (before !== undefined && read < maxPer && found < limit);
  }
  return hits.sort((a, b) => b.timestamp - a.timestamp).slice(0, limit);
}

function match(item: HistoryItem, needle: string): SearchHit | undefined {
  const text = searchableText(item.content);
  if (text === undefined || !text.toLocaleLowerCase().includes(needle)) return undefined;
  return {
    conversationId: item.conversationId,
    messageId: item.messageId,
    direction: item.direction,
    ...(item.sender !== undefined && { sender: item.sender }),
    timestamp: item.timestamp,
    text,
  };
}
