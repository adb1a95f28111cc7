/**
 * A file in a conversation is one line, however many chunks it travels in: its chunks gather there with
 * their delivery states (mine) and the downloads folder's progress (received).
 */
import {
  advance,
  type ChatModel,
  type DeliveryState,
  dropEarly,
  type FileChunkInfo,
  type FileView,
  insertByTime,
  type Line,
  mapConversation,
  ORDER,
} from "./model.js";

/** The state a whole file shows: the least advanced of its chunks (lost if any was lost). */
export function fileState(f: FileView): DeliveryState | undefined {
  let least: DeliveryState | undefined;
  for (const s of f.chunks.values()) {
    if (s === undefined) return undefined;
    if (s === "lost") return "lost";
    if (least === undefined || ORDER[s] < ORDER[least]) least = s;
  }
  return least;
}

/** A chunk of a file: creates the file's line or adds the chunk to it. */
export function addFileChunk(
  m: ChatModel,
  conversationId: string,
  chunk: {
    readonly messageId: string;
    readonly kind: "in" | "out";
    readonly timestamp: number;
    readonly state?: DeliveryState;
    readonly sender?: string;
    readonly file: FileChunkInfo;
  },
  countUnread = true,
): ChatModel {
  const conv = m.conversations.find((c) => c.id === conversationId);
  if (!conv) return m;
  const id = `file:${chunk.file.transfer}`;
  const early = m.early.get(chunk.messageId);
  const state = chunk.kind === "out" ? (early ? advance(chunk.state, early) : chunk.state) : undefined;
  const existing = conv.lines.find((l) => l.id === id);
  if (existing?.file) {
    if (existing.file.chunks.has(chunk.messageId)) return m;
    const chunks = new Map(existing.file.chunks).set(chunk.messageId, state);
    const line: Line = { ...existing, file: { ...existing.file, chunks } };
    return dropEarly(
      mapConversation(m, conversationId, (c) => ({ ...c, lines: c.lines.map((l) => (l === existing ? line : l)) })),
      early ? [chunk.messageId] : [],
    );
  }
  const { transfer, name, mediaType, size, chunkCount } = chunk.file;
  const line: Line = {
    id,
    kind: chunk.kind,
    text: name,
    timestamp: chunk.timestamp,
    ...(chunk.sender ? { sender: chunk.sender } : {}),
    file: { transfer, name, mediaType, size, chunkCount, chunks: new Map([[chunk.messageId, state]]) },
  };
  const unread = countUnread && chunk.kind === "in" && m.current !== conversationId ? conv.unread + 1 : conv.unread;
  return dropEarly(
    mapConversation(m, conversationId, (c) => ({ ...c, lines: insertByTime(c.lines, line), unread })),
    early ? [chunk.messageId] : [],
  );
}

/** What the downloads folder says about a received file. */
export function fileProgress(
  m: ChatModel,
  conversationId: string,
  transfer: string,
  p: { readonly received?: number; readonly savedAs?: string; readonly problem?: string },
): ChatModel {
  const id = `file:${transfer}`;
  return mapConversation(m, conversationId, (c) => ({
    ...c,
    lines: c.lines.map((l) => (l.id === id && l.file ? { ...l, file: { ...l.file, ...p } } : l)),
  }));
}
