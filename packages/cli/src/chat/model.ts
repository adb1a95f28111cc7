/**
 * The chat screen's state as plain data with pure transitions, so the terminal UI only renders it and the
 * rules (unread counts, delivery ticks, ordering) are testable without a terminal.
 */

export type DeliveryState = "queued" | "sent" | "possibly-acked" | "acked" | "lost";

export interface Line {
  /** Message id for messages; a local id for notices. */
  readonly id: string;
  readonly kind: "in" | "out" | "notice";
  readonly text: string;
  readonly timestamp: number;
  readonly state?: DeliveryState;
  /** Incoming group messages: the sender's installation key (verified by MLS). */
  readonly sender?: string;
}

export interface ConversationView {
  readonly id: string;
  readonly kind: "private" | "group";
  /** Private: the peer's installation key, lower hex. Group: who added me ("" if I created it). */
  readonly peer: string;
  /** What the user calls this conversation (`/name`), else a short form of the peer key. */
  readonly label: string;
  readonly lines: readonly Line[];
  readonly unread: number;
}

export interface ChatModel {
  readonly conversations: readonly ConversationView[];
  readonly current?: string;
  /** Lines not tied to a conversation (help, errors, my bundle). */
  readonly system: readonly Line[];
  /** Delivery states that arrived before the message they describe was shown (send still in flight). */
  readonly early: ReadonlyMap<string, DeliveryState>;
  readonly seq: number;
}

/** The subset of the Client's events the screen shows. */
export type ChatEvent =
  | {
      readonly type: "conversation-started";
      readonly conversationId: string;
      readonly peer: string;
      readonly initiatedBy: "me" | "peer";
      readonly kind?: "private" | "group";
      /** A group's name. */
      readonly label?: string;
    }
  | {
      readonly type: "message";
      readonly conversationId: string;
      readonly messageId: string;
      readonly text: string;
      readonly timestamp: number;
      readonly sender?: string;
    }
  | {
      readonly type: "delivery-state";
      readonly conversationId: string;
      readonly messageId: string;
      readonly state: DeliveryState;
    }
  | { readonly type: "message-missing"; readonly conversationId: string; readonly missing: readonly string[] }
  | { readonly type: "error"; readonly message: string; readonly conversationId?: string }
  /** Groups: the roster or the name changed; another member removed me; I left. */
  | { readonly type: "members-changed"; readonly conversationId: string; readonly label?: string }
  | { readonly type: "removed" | "left"; readonly conversationId: string }
  /** From the chat program itself (connection, catch-up). */
  | { readonly type: "notice"; readonly text: string; readonly conversationId?: string };

export const MAX_LINES = 500;

export function emptyModel(): ChatModel {
  return { conversations: [], system: [], early: new Map(), seq: 0 };
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

const ORDER: Record<DeliveryState, number> = { queued: 0, sent: 1, "possibly-acked": 2, acked: 3, lost: 3 };

/** Late or duplicated events never move a tick backwards (acked stays acked if a stale "sent" arrives). */
function advance(from: DeliveryState | undefined, to: DeliveryState): DeliveryState {
  if (!from) return to;
  if (from === "acked" || from === "lost") return to === "acked" ? "acked" : from;
  return ORDER[to] >= ORDER[from] ? to : from;
}

export interface ConversationSeed {
  readonly id: string;
  readonly peer: string;
  readonly kind?: "private" | "group";
  readonly label?: string | undefined;
}

export function addConversation(m: ChatModel, c: ConversationSeed, select = false): ChatModel {
  if (m.conversations.some((x) => x.id === c.id)) return select ? selectConversation(m, c.id) : m;
  const kind = c.kind ?? "private";
  const label = c.label ?? (kind === "group" ? "group" : shortPeer(c.peer));
  const view: ConversationView = { id: c.id, kind, peer: c.peer, label, lines: [], unread: 0 };
  const next = { ...m, conversations: [...m.conversations, view] };
  return select || m.current === undefined ? selectConversation(next, c.id) : next;
}

export function selectConversation(m: ChatModel, id: string): ChatModel {
  if (!m.conversations.some((c) => c.id === id)) return m;
  return { ...m, current: id, conversations: m.conversations.map((c) => (c.id === id ? { ...c, unread: 0 } : c)) };
}

/** Tab / Shift-Tab: the next or previous conversation, wrapping. */
export function cycle(m: ChatModel, step: 1 | -1): ChatModel {
  const n = m.conversations.length;
  if (n === 0) return m;
  const i = m.conversations.findIndex((c) => c.id === m.current);
  const next = m.conversations[(((i < 0 ? 0 : i + step) % n) + n) % n]!;
  return selectConversation(m, next.id);
}

export function rename(m: ChatModel, id: string, label: string): ChatModel {
  return mapConversation(m, id, (c) => ({ ...c, label }));
}

export function currentConversation(m: ChatModel): ConversationView | undefined {
  return m.conversations.find((c) => c.id === m.current);
}

/** What to call a member of a group: the label of my 1:1 conversation with them, else a short key. */
export function nameOf(m: ChatModel, peer: string): string {
  return m.conversations.find((c) => c.kind === "private" && c.peer === peer)?.label ?? shortPeer(peer);
}

/** 1-based position, as `/switch N` and the conversation bar show it. */
export function byNumber(m: ChatModel, n: number): ConversationView | undefined {
  return Number.isInteger(n) && n >= 1 ? m.conversations[n - 1] : undefined;
}

export function notice(m: ChatModel, text: string, conversationId?: string): ChatModel {
  const seq = m.seq + 1;
  const line: Line = { id: `notice-${seq}`, kind: "notice", text, timestamp: Date.now() };
  if (conversationId && m.conversations.some((c) => c.id === conversationId))
    return { ...mapConversation(m, conversationId, (c) => ({ ...c, lines: cap([...c.lines, line]) })), seq };
  return { ...m, system: cap([...m.system, line]), seq };
}

export function clearSystem(m: ChatModel): ChatModel {
  return { ...m, system: [] };
}

/** A message line (history at startup, an incoming message, or my own after `send` returned). */
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
  let next = mapConversation(m, conversationId, (c) => ({ ...c, lines, unread }));
  if (early) {
    const rest = new Map(next.early);
    rest.delete(line.id);
    next = { ...next, early: rest };
  }
  return next;
}

export function setState(m: ChatModel, conversationId: string, messageId: string, state: DeliveryState): ChatModel {
  const conv = m.conversations.find((c) => c.id === conversationId);
  const line = conv?.lines.find((l) => l.id === messageId && l.kind === "out");
  if (!conv || !line) {
    const early = new Map(m.early);
    early.set(messageId, advance(m.early.get(messageId), state));
    return { ...m, early };
  }
  return mapConversation(m, conversationId, (c) => ({
    ...c,
    lines: c.lines.map((l) => (l === line ? { ...l, state: advance(l.state, state) } : l)),
  }));
}

/** Applies one Client event. */
export function applyEvent(m: ChatModel, e: ChatEvent): ChatModel {
  switch (e.type) {
    case "conversation-started": {
      const next = addConversation(
        m,
        {
          id: e.conversationId,
          peer: e.peer,
          ...(e.kind ? { kind: e.kind } : {}),
          ...(e.label ? { label: e.label } : {}),
        },
        e.initiatedBy === "me",
      );
      const conv = next.conversations.find((c) => c.id === e.conversationId);
      if (e.initiatedBy !== "peer") return next;
      return conv?.kind === "group"
        ? notice(next, `${nameOf(next, e.peer)} added you to the group "${conv.label}"`, e.conversationId)
        : notice(next, `new conversation from ${shortPeer(e.peer)}`, e.conversationId);
    }
    case "message":
      return addMessage(m, e.conversationId, {
        id: e.messageId,
        kind: "in",
        text: e.text,
        timestamp: e.timestamp,
        ...(e.sender ? { sender: e.sender } : {}),
      });
    case "members-changed": {
      const renamed = e.label !== undefined ? rename(m, e.conversationId, e.label) : m;
      return notice(renamed, "the group's members or name changed (/members lists them)", e.conversationId);
    }
    case "removed":
      return notice(m, "you were removed from this group: nothing sent to it reaches you any more", e.conversationId);
    case "left":
      return notice(m, "you left this group", e.conversationId);
    case "delivery-state":
      return setState(m, e.conversationId, e.messageId, e.state);
    case "message-missing":
      return notice(
        m,
        `${e.missing.length} message(s) from the peer have not arrived yet; waiting for them`,
        e.conversationId,
      );
    case "error":
      return notice(m, `error: ${e.message}`, e.conversationId);
    case "notice":
      return notice(m, e.text, e.conversationId);
  }
}

function mapConversation(m: ChatModel, id: string, f: (c: ConversationView) => ConversationView): ChatModel {
  return { ...m, conversations: m.conversations.map((c) => (c.id === id ? f(c) : c)) };
}

/** Keeps lines in timestamp order (history pages and live messages interleave); stable for equal times. */
function insertByTime(lines: readonly Line[], line: Line): Line[] {
  let i = lines.length;
  // Notices stay where they were said ("new conversation from …" precedes its first message).
  while (i > 0 && lines[i - 1]!.kind !== "notice" && lines[i - 1]!.timestamp > line.timestamp) i--;
  return cap([...lines.slice(0, i), line, ...lines.slice(i)]);
}

function cap(lines: Line[]): Line[] {
  return lines.length > MAX_LINES ? lines.slice(lines.length - MAX_LINES) : lines;
}
