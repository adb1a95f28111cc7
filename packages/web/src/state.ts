/**
 * The page's state as plain data with pure transitions (the components only render it): conversations with
 * their messages, delivery ticks that never move backwards, unread counts from a persisted read marker.
 */
import type { DeliveryState } from "@parley/core";

export interface Message {
  readonly id: string;
  readonly direction: "in" | "out";
  readonly text: string;
  /** Inbound: the sender's installation key (hex). */
  readonly sender?: string;
  readonly timestamp: number;
  readonly state?: DeliveryState;
}

export interface Conversation {
  readonly id: string;
  readonly kind: "private" | "group";
  /** Private: the peer's installation key. Group: who added me ("" if I created it). */
  readonly peer: string;
  /** My local name for a 1:1 conversation, or the group's name. */
  readonly label: string;
  readonly messages: readonly Message[];
  readonly unread: number;
  /** Groups: "active", "removed" or "left". */
  readonly status?: string;
}

export interface ChatState {
  readonly conversations: readonly Conversation[];
  readonly current?: string;
  /** Delivery states that arrived before their message was shown (the send was still returning). */
  readonly early: ReadonlyMap<string, DeliveryState>;
}

export const EMPTY: ChatState = { conversations: [], early: new Map() };

/** How many messages of a conversation the page keeps in memory (older ones stay in the store). */
export const MAX_MESSAGES = 500;

export function shortKey(peer: string): string {
  return peer.slice(0, 8);
}

const RANK: Record<DeliveryState, number> = { queued: 0, sent: 1, "possibly-acked": 2, acked: 3, lost: 3 };

/** Late or repeated events never undo progress: acked stays acked; lost yields only to acked. */
export function advance(from: DeliveryState | undefined, to: DeliveryState): DeliveryState {
  if (from === undefined) return to;
  if (from === "acked" || from === "lost") return to === "acked" ? "acked" : from;
  return RANK[to] >= RANK[from] ? to : from;
}

export const TICKS: Record<DeliveryState, { glyph: string; label: string }> = {
  queued: { glyph: "🕓", label: "queued" },
  sent: { glyph: "✓", label: "sent" },
  "possibly-acked": { glyph: "✓?", label: "probably delivered" },
  acked: { glyph: "✓✓", label: "delivered" },
  lost: { glyph: "✗", label: "not delivered" },
};

export function current(s: ChatState): Conversation | undefined {
  return s.conversations.find((c) => c.id === s.current);
}

/** What to call a peer: my label of our 1:1 conversation, else a short key. */
export function nameOf(s: ChatState, peer: string): string {
  return s.conversations.find((c) => c.kind === "private" && c.peer === peer)?.label ?? shortKey(peer);
}

export function upsertConversation(
  s: ChatState,
  c: Omit<Conversation, "messages" | "unread"> & { messages?: readonly Message[]; unread?: number },
): ChatState {
  const existing = s.conversations.find((x) => x.id === c.id);
  const next: Conversation = {
    ...c,
    messages: c.messages ?? existing?.messages ?? [],
    unread: c.unread ?? existing?.unread ?? 0,
  };
  const conversations = existing ? s.conversations.map((x) => (x.id === c.id ? next : x)) : [...s.conversations, next];
  return { ...s, conversations };
}

/**
 * A conversation as read from the store at start. Events may have added messages to it meanwhile (they are
 * heard from before the read starts): keep the union, each message once, and the larger unread count.
 */
export function mergeLoaded(s: ChatState, loaded: Conversation): ChatState {
  const existing = s.conversations.find((c) => c.id === loaded.id);
  if (!existing) return upsertConversation(s, loaded);
  const ids = new Set(existing.messages.map((m) => m.id));
  const messages = [...existing.messages, ...loaded.messages.filter((m) => !ids.has(m.id))]
    .sort((a, b) => a.timestamp - b.timestamp)
    .slice(-MAX_MESSAGES);
  return upsertConversation(s, { ...loaded, messages, unread: Math.max(existing.unread, loaded.unread) });
}

export function select(s: ChatState, id: string): ChatState {
  if (!s.conversations.some((c) => c.id === id)) return s;
  return { ...s, current: id, conversations: map(s.conversations, id, (c) => ({ ...c, unread: 0 })) };
}

export function relabel(s: ChatState, id: string, label: string): ChatState {
  return { ...s, conversations: map(s.conversations, id, (c) => ({ ...c, label })) };
}

export function setStatus(s: ChatState, id: string, status: string): ChatState {
  return { ...s, conversations: map(s.conversations, id, (c) => ({ ...c, status })) };
}

/** Adds a message once (by id), in timestamp order; an inbound one outside the open conversation is unread. */
export function addMessage(s: ChatState, conversationId: string, m: Message): ChatState {
  const conv = s.conversations.find((c) => c.id === conversationId);
  if (!conv || conv.messages.some((x) => x.id === m.id)) return s;
  const early = s.early.get(m.id);
  const placed = early ? { ...m, state: advance(m.state, early) } : m;
  let i = conv.messages.length;
  while (i > 0 && conv.messages[i - 1]!.timestamp > placed.timestamp) i--;
  const messages = [...conv.messages.slice(0, i), placed, ...conv.messages.slice(i)].slice(-MAX_MESSAGES);
  const unread = m.direction === "in" && s.current !== conversationId ? conv.unread + 1 : conv.unread;
  let rest = s.early;
  if (early) {
    const copy = new Map(s.early);
    copy.delete(m.id);
    rest = copy;
  }
  return {
    ...s,
    early: rest,
    conversations: map(s.conversations, conversationId, (c) => ({ ...c, messages, unread })),
  };
}

export function setDelivery(s: ChatState, conversationId: string, messageId: string, state: DeliveryState): ChatState {
  const conv = s.conversations.find((c) => c.id === conversationId);
  if (!conv?.messages.some((m) => m.id === messageId)) {
    const early = new Map(s.early);
    early.set(messageId, advance(s.early.get(messageId), state));
    return { ...s, early };
  }
  return {
    ...s,
    conversations: map(s.conversations, conversationId, (c) => ({
      ...c,
      messages: c.messages.map((m) => (m.id === messageId ? { ...m, state: advance(m.state, state) } : m)),
    })),
  };
}

function map(list: readonly Conversation[], id: string, f: (c: Conversation) => Conversation): Conversation[] {
  return list.map((c) => (c.id === id ? f(c) : c));
}
