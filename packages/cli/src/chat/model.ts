/**
 * The chat screen's state as plain data with pure transitions, so the terminal UI only renders it and the
 * rules (unread counts, delivery ticks, ordering, names, notices that stop being true) are testable without
 * a terminal.
 */

export type DeliveryState = "queued" | "sent" | "possibly-acked" | "acked" | "lost";

/** What a file line knows: the file's description and the chunks seen so far. */
export interface FileView {
  /** The transfer id, hex. */
  readonly transfer: string;
  readonly name: string;
  readonly mediaType: string;
  readonly size: number;
  readonly chunkCount: number;
  /** Chunk message id -> its delivery state (mine) or undefined (received). */
  readonly chunks: ReadonlyMap<string, DeliveryState | undefined>;
  /** Received files: where it was saved, or why not. */
  readonly savedAs?: string;
  readonly problem?: string;
  /** Received files: chunks written so far (from the downloads folder; may exceed what this screen saw). */
  readonly received?: number;
}

/** One chunk of a file as events and history carry it. */
export interface FileChunkInfo {
  readonly transfer: string;
  readonly name: string;
  readonly mediaType: string;
  readonly size: number;
  readonly chunkCount: number;
  readonly chunkIndex: number;
}

export interface Line {
  /** Message id for messages; `file:<transfer>` for files; a local id for notices. */
  readonly id: string;
  readonly kind: "in" | "out" | "notice";
  readonly text: string;
  readonly timestamp: number;
  readonly state?: DeliveryState;
  /** Incoming group messages: the sender's installation key (verified by MLS). */
  readonly sender?: string;
  readonly file?: FileView;
}

export interface ConversationView {
  readonly id: string;
  readonly kind: "private" | "group";
  /** Private: the peer's installation key, lower hex. Group: who added me ("" if I created it). */
  readonly peer: string;
  /** Private: what the user calls this conversation (`/name`). Group: the group's name. */
  readonly label?: string;
  readonly lines: readonly Line[];
  readonly unread: number;
  readonly archived?: boolean;
  /** The peer said it left (a 1:1 conversation it deleted). */
  readonly ended?: boolean;
  /** History older than the loaded lines: a cursor to load it, "loading", or absent when all is loaded. */
  readonly older?: string;
  readonly loadingOlder?: boolean;
}

export interface Notice {
  readonly id: string;
  /** Notices with a key replace each other and are cleared when what they say stops being true. */
  readonly key?: string;
  readonly text: string;
  readonly level: "info" | "error";
}

export interface ChatModel {
  readonly conversations: readonly ConversationView[];
  readonly current?: string;
  /** Status and errors not tied to a conversation line, newest last. */
  readonly notices: readonly Notice[];
  /** Delivery states that arrived before the message they describe was shown (send still in flight). */
  readonly early: ReadonlyMap<string, DeliveryState>;
  /** Display names peers asserted about themselves, by installation key. */
  readonly peerNames: ReadonlyMap<string, string>;
  readonly seq: number;
}

export function emptyModel(): ChatModel {
  return { conversations: [], notices: [], early: new Map(), peerNames: new Map(), seq: 0 };
}

export function shortPeer(peer: string): string {
  return peer.slice(0, 8);
}

/** Ticks as in common messengers: … queued, ✓ sent, ✓? possibly acked, ✓✓ acked, ✗ lost. */
export function tick(state: DeliveryState | undefined): string {
  switch (state) {
    case "queued":
      return "…";
    case "sent":
      return "✓";
    case "possibly-acked":
      return "✓?";
    case "acked":
      return "✓✓";
    case "lost":
      return "✗";
    default:
      return "";
  }
}

/** How far each state got (lost counts as final). */
export const ORDER: Record<DeliveryState, number> = { queued: 0, sent: 1, "possibly-acked": 2, acked: 3, lost: 3 };

/** Late or duplicated events never move a tick backwards (acked stays acked if a stale "sent" arrives). */
export function advance(from: DeliveryState | undefined, to: DeliveryState): DeliveryState {
  if (!from) return to;
  if (from === "acked" || from === "lost") return to === "acked" ? "acked" : from;
  return ORDER[to] >= ORDER[from] ? to : from;
}

export interface ConversationSeed {
  readonly id: string;
  readonly peer: string;
  readonly kind?: "private" | "group";
  readonly label?: string | undefined;
  readonly archived?: boolean;
  /** A group I left or was removed from. */
  readonly inactive?: boolean;
}

export function addConversation(m: ChatModel, c: ConversationSeed, select = false): ChatModel {
  if (m.conversations.some((x) => x.id === c.id)) return select ? selectConversation(m, c.id) : m;
  const kind = c.kind ?? "private";
  const view: ConversationView = {
    id: c.id,
    kind,
    peer: c.peer,
    ...(c.label ? { label: c.label } : {}),
    ...(c.archived ? { archived: true } : {}),
    lines: [],
    unread: 0,
  };
  const next = { ...m, conversations: [...m.conversations, view] };
  return select || (m.current === undefined && !c.archived) ? selectConversation(next, c.id) : next;
}

export function removeConversation(m: ChatModel, id: string): ChatModel {
  const conversations = m.conversations.filter((c) => c.id !== id);
  const next = { ...m, conversations };
  if (m.current !== id) return next;
  const { current: _, ...rest } = next;
  const first = visibleConversations(next)[0];
  return first ? selectConversation(rest, first.id) : rest;
}

export function setArchived(m: ChatModel, id: string, archived: boolean): ChatModel {
  return mapConversation(m, id, (c) => {
    if (archived) return { ...c, archived: true };
    const { archived: _, ...rest } = c;
    return rest;
  });
}

/** What the conversation bar shows: every conversation that is not archived, and the current one. */
export function visibleConversations(m: ChatModel): ConversationView[] {
  return m.conversations.filter((c) => !c.archived || c.id === m.current);
}

export function selectConversation(m: ChatModel, id: string): ChatModel {
  if (!m.conversations.some((c) => c.id === id)) return m;
  return { ...m, current: id, conversations: m.conversations.map((c) => (c.id === id ? { ...c, unread: 0 } : c)) };
}

/** Tab / Shift-Tab: the next or previous conversation of the bar, wrapping. */
export function cycle(m: ChatModel, step: 1 | -1): ChatModel {
  const list = visibleConversations(m);
  const n = list.length;
  if (n === 0) return m;
  const i = list.findIndex((c) => c.id === m.current);
  const next = list[(((i < 0 ? 0 : i + step) % n) + n) % n]!;
  return selectConversation(m, next.id);
}

export function rename(m: ChatModel, id: string, label: string): ChatModel {
  return mapConversation(m, id, (c) => ({ ...c, label }));
}

export function currentConversation(m: ChatModel): ConversationView | undefined {
  return m.conversations.find((c) => c.id === m.current);
}

export function setPeerName(m: ChatModel, peer: string, name: string): ChatModel {
  if (m.peerNames.get(peer) === name) return m;
  const peerNames = new Map(m.peerNames);
  peerNames.set(peer, name);
  return { ...m, peerNames };
}

/** By number, as `/switch N`, `/list` and the bar show it (archived ones keep theirs). */
export function byNumber(m: ChatModel, n: number): ConversationView | undefined {
  return Number.isInteger(n) && n >= 1 ? m.conversations[n - 1] : undefined;
}

/** A 1:1 conversation with `peer`, if there is one. */
export function privateWith(m: ChatModel, peer: string): ConversationView | undefined {
  return m.conversations.find((c) => c.kind === "private" && c.peer === peer);
}

// ---- notices ----

/** A notice in a conversation (as one of its lines) or, without one, in the notice area. */
export function notice(
  m: ChatModel,
  text: string,
  conversationId?: string,
  level: Notice["level"] = "info",
): ChatModel {
  const seq = m.seq + 1;
  if (conversationId && m.conversations.some((c) => c.id === conversationId)) {
    const line: Line = { id: `notice-${seq}`, kind: "notice", text, timestamp: Date.now() };
    return { ...mapConversation(m, conversationId, (c) => ({ ...c, lines: [...c.lines, line] })), seq };
  }
  return { ...m, notices: [...m.notices, { id: `notice-${seq}`, text, level }].slice(-50), seq };
}

/** Sets the notice of `key`, replacing the one before (and moving it last). */
export function setNotice(m: ChatModel, key: string, text: string, level: Notice["level"] = "info"): ChatModel {
  const seq = m.seq + 1;
  return { ...m, notices: [...m.notices.filter((n) => n.key !== key), { id: `notice-${seq}`, key, text, level }], seq };
}

/** Removes the notices whose key is `key` or starts with `key` followed by ":". */
export function clearNotice(m: ChatModel, key: string): ChatModel {
  const gone = (n: Notice) => n.key === key || n.key?.startsWith(`${key}:`);
  return m.notices.some(gone) ? { ...m, notices: m.notices.filter((n) => !gone(n)) } : m;
}

export function clearNotices(m: ChatModel): ChatModel {
  return m.notices.length === 0 ? m : { ...m, notices: [] };
}

// ---- messages ----

/** A message line (history, an incoming message, or my own after `send` returned). */
export function addMessage(
  m: ChatModel,
  conversationId: string,
  line: Omit<Line, "kind"> & { kind: "in" | "out" },
  countUnread = true,
): ChatModel {
  const conv = m.conversations.find((c) => c.id === conversationId);
  if (!conv || conv.lines.some((l) => l.id === line.id && l.kind !== "notice")) return m;
  const early = m.early.get(line.id);
  const placed: Line = early ? { ...line, state: advance(line.state, early) } : line;
  const lines = insertByTime(conv.lines, placed);
  const unread = countUnread && line.kind === "in" && m.current !== conversationId ? conv.unread + 1 : conv.unread;
  return dropEarly(
    mapConversation(m, conversationId, (c) => ({ ...c, lines, unread })),
    early ? [line.id] : [],
  );
}

/**
 * My message got its id (`send` returned): the line shown at once under a local id takes it, with any state
 * that arrived meanwhile. Without an id (the send failed) it is marked lost.
 */
export function confirmMessage(
  m: ChatModel,
  conversationId: string,
  localId: string,
  sent: { readonly messageId: string; readonly state?: DeliveryState } | undefined,
): ChatModel {
  const conv = m.conversations.find((c) => c.id === conversationId);
  const line = conv?.lines.find((l) => l.id === localId);
  if (!conv || !line) return m;
  if (!sent) return replaceLine(m, conversationId, line, { ...line, state: "lost" });
  const early = m.early.get(sent.messageId);
  let state = sent.state ?? line.state;
  if (early) state = advance(state, early);
  return dropEarly(
    replaceLine(m, conversationId, line, { ...line, id: sent.messageId, ...(state ? { state } : {}) }),
    early ? [sent.messageId] : [],
  );
}

function replaceLine(m: ChatModel, conversationId: string, old: Line, next: Line): ChatModel {
  return mapConversation(m, conversationId, (c) => ({ ...c, lines: c.lines.map((l) => (l === old ? next : l)) }));
}

export function setState(m: ChatModel, conversationId: string, messageId: string, state: DeliveryState): ChatModel {
  const conv = m.conversations.find((c) => c.id === conversationId);
  const line = conv?.lines.find(
    (l) => (l.id === messageId && l.kind === "out") || (l.kind === "out" && l.file?.chunks.has(messageId)),
  );
  if (!conv || !line) {
    const early = new Map(m.early);
    early.set(messageId, advance(m.early.get(messageId), state));
    return { ...m, early };
  }
  const next: Line = line.file
    ? {
        ...line,
        file: {
          ...line.file,
          chunks: new Map(line.file.chunks).set(messageId, advance(line.file.chunks.get(messageId), state)),
        },
      }
    : { ...line, state: advance(line.state, state) };
  return mapConversation(m, conversationId, (c) => ({ ...c, lines: c.lines.map((l) => (l === line ? next : l)) }));
}

/** Older history was loaded: where to continue (undefined: the beginning was reached). */
export function setOlder(m: ChatModel, conversationId: string, older: string | undefined, loading = false): ChatModel {
  return mapConversation(m, conversationId, (c) => {
    const { older: _, loadingOlder: __, ...rest } = c;
    return { ...rest, ...(older !== undefined ? { older } : {}), ...(loading ? { loadingOlder: true } : {}) };
  });
}

export function markEnded(m: ChatModel, conversationId: string): ChatModel {
  return mapConversation(m, conversationId, (c) => ({ ...c, ended: true }));
}

/** Shared with file-lines.ts. */
export function dropEarly(m: ChatModel, ids: readonly string[]): ChatModel {
  if (ids.length === 0) return m;
  const early = new Map(m.early);
  for (const id of ids) early.delete(id);
  return { ...m, early };
}

/** Shared with file-lines.ts. */
export function mapConversation(m: ChatModel, id: string, f: (c: ConversationView) => ConversationView): ChatModel {
  return { ...m, conversations: m.conversations.map((c) => (c.id === id ? f(c) : c)) };
}

/** Keeps lines in timestamp order (history pages and live messages interleave); stable for equal times. */
/** Shared with file-lines.ts. */
export function insertByTime(lines: readonly Line[], line: Line): Line[] {
  let i = lines.length;
  // Notices stay where they were said ("new conversation from …" precedes its first message).
  while (i > 0 && lines[i - 1]!.kind !== "notice" && lines[i - 1]!.timestamp > line.timestamp) i--;
  return [...lines.slice(0, i), line, ...lines.slice(i)];
}

/** profile.ts builds these from Client events. */
export type { ChatEvent } from "./events.js";
