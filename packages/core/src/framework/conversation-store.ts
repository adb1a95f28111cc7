/**
 * Where the framework keeps known conversations and their states in a `Store`. The decoder only reads
 * these; the client writes them with the ops a readable classification hands back, in the same commit as the
 * message's other effects.
 */
import { fromUtf8, utf8 } from "../base/bytes.js";
import type { ConversationRef } from "./runtime.js";
import type { Store, WriteOp } from "./store.js";

/** key `${type}:${id}` -> JSON ConversationRef. */
export const CONVERSATIONS_NS = "framework.conversations";
/** key `${type}:${id}` -> the runtime's encoded state. */
export const CONVERSATION_STATE_NS = "framework.conversation-state";

export function conversationKey(ref: Pick<ConversationRef, "id" | "type">): string {
  return `${ref.type}:${ref.id}`;
}

export function stateWriteOp(ref: ConversationRef, state: Uint8Array): WriteOp {
  return { op: "put", ns: CONVERSATION_STATE_NS, key: conversationKey(ref), value: state };
}

/** Both records of a new conversation: its ref and its first state. */
export function conversationWriteOps(ref: ConversationRef, state: Uint8Array): WriteOp[] {
  const record = utf8(JSON.stringify({ id: ref.id, type: ref.type, contentTopic: ref.contentTopic }));
  return [{ op: "put", ns: CONVERSATIONS_NS, key: conversationKey(ref), value: record }, stateWriteOp(ref, state)];
}

export function loadState(store: Store, ref: ConversationRef): Promise<Uint8Array | undefined> {
  return store.get(CONVERSATION_STATE_NS, conversationKey(ref));
}

/** Every stored conversation ref (for filling a `HintIndex` at start-up); skips unreadable records. */
export async function loadConversationRefs(store: Store): Promise<ConversationRef[]> {
  const out: ConversationRef[] = [];
  for (const { value } of await store.scan(CONVERSATIONS_NS)) {
    const text = fromUtf8(value);
    if (text === undefined) continue;
    try {
      const r = JSON.parse(text) as Partial<ConversationRef>;
      if (typeof r.id === "string" && typeof r.type === "string" && typeof r.contentTopic === "string") {
        out.push({ id: r.id, type: r.type, contentTopic: r.contentTopic });
      }
    } catch {
      // A corrupt record is skipped rather than stopping the client from starting.
    }
  }
  return out;
}
