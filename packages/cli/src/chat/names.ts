/**
 * What the screen calls people and conversations. Names the user gave come first; names peers claimed for
 * themselves are marked as such, and never shown so that they could pass for someone else.
 */
import { type ChatModel, type ConversationView, shortPeer } from "./model.js";

/**
 * What to call a peer. A name the user gave (the label of a 1:1 conversation with them) comes first. A name
 * the peer asserted is shown with a "~" in front, and with its key when another contact could be meant by
 * it, so a peer can never pass for someone else. Else a short form of the key.
 */
export function nameOf(m: ChatModel, peer: string): string {
  const mine = m.conversations.find((c) => c.kind === "private" && c.peer === peer && c.label)?.label;
  if (mine) return mine;
  const claimed = m.peerNames.get(peer);
  if (!claimed) return shortPeer(peer);
  const lower = claimed.toLowerCase();
  const clash =
    m.conversations.some((c) => c.kind === "private" && c.peer !== peer && c.label?.toLowerCase() === lower) ||
    [...m.peerNames].some(([p, n]) => p !== peer && n.toLowerCase() === lower);
  return clash ? `~${claimed} (${shortPeer(peer)})` : `~${claimed}`;
}

/** What the bar and the title call a conversation. */
export function conversationLabel(m: ChatModel, c: ConversationView): string {
  if (c.kind === "group") return c.label || "group";
  return nameOf(m, c.peer);
}
