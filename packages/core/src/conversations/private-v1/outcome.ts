/**
 * PrivateV1's effects in the framework's neutral vocabulary: what an opened frame or a sweep means for the
 * application (messages, acknowledgements, notices) and for other types (group-control payloads).
 */
import { toHex } from "../../base/bytes.js";
import type { Effect } from "../../framework/lifecycle.js";
import type { ConversationRef } from "../../framework/runtime.js";
import type { PrivateV1Effects } from "./session.js";
import type { PrivateV1State } from "./state.js";

/** How far back a conversation started by an invite asks the topic's history (messages sent before we listened). */
export const STARTED_BACKFILL_MS = 10 * 60_000;

/** The neutral effects of one step's `PrivateV1Effects` on the conversation `ref` with its peer. */
export function effectsOf(ref: ConversationRef, peer: string, e: PrivateV1Effects): Effect[] {
  const conversationId = ref.id;
  const out: Effect[] = [];
  for (const f of e.frames) {
    if (f.body.case === "content") {
      out.push({
        kind: "message",
        conversationId,
        messageId: f.messageId,
        sender: peer,
        timestamp: f.timestamp,
        content: f.body.value,
      });
    } else if (f.body.case === "groupControl") {
      out.push({ kind: "control-in", conversationId, peer, messageId: f.messageId, payload: f.body.value });
    }
    // Placeholders carry nothing for the application.
  }
  for (const u of e.deliveryUpdates)
    out.push({ kind: "delivery", conversationId, messageId: u.messageId, state: u.state, rule: "advance" });
  if (e.missing.length > 0)
    out.push({ kind: "notice", notice: { kind: "message-missing", conversationId, missing: e.missing } });
  if (e.lost.length > 0) out.push({ kind: "notice", notice: { kind: "message-lost", conversationId, lost: e.lost } });
  for (const reason of e.dropped)
    out.push({ kind: "notice", notice: { kind: "frame-dropped", conversationId, reason } });
  return out;
}

/**
 * The effects of an opened frame. A conversation an invite starts is reported with its peer, routed and
 * watched (with the last minutes of its topic's history) before its first frame's messages.
 */
export function openedEffects(
  frame: PrivateV1Effects,
  state: PrivateV1State,
  ref: ConversationRef,
  started: { readonly now: number } | undefined,
): Effect[] {
  const peer = toHex(state.peerKey);
  const head: Effect[] = started
    ? [
        { kind: "conversation", ref, peer, initiatedBy: "peer" },
        { kind: "watch", ref, since: started.now - STARTED_BACKFILL_MS },
      ]
    : [];
  return [...head, ...effectsOf(ref, peer, frame)];
}
