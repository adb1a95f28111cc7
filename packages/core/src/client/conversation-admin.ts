/**
 * Archiving and deleting conversations: the store writes behind `Client.archiveConversation` and
 * `Client.deleteConversation`, kept apart from the Client so it only wires them to its in-memory indexes.
 */
import { utf8 } from "../base/bytes.js";
import { CONVERSATION_STATE_NS, CONVERSATIONS_NS, conversationKey } from "../framework/conversation-store.js";
import type { ConversationRef } from "../framework/runtime.js";
import type { Transaction } from "../framework/store.js";
import { CONVERSATION_INFO_NS, HISTORY_NS, MESSAGE_INDEX_NS } from "./records.js";
import type { ConversationInfo } from "./types.js";

/** key = conversation id -> when it was archived (ms, decimal). Absent: not archived. */
export const ARCHIVED_NS = "client.archived";

/**
 * The type of the ref a deleted conversation leaves in the framework's list. Its id stays known to the
 * decoder, so a replayed invite (a resend, or the node's history) is refused as `conversation-exists`
 * instead of bringing the conversation back; no runtime handles the type, so nothing ever opens with it.
 */
export const DELETED_TYPE = "Deleted";

export function setArchived(tx: Transaction, conversationId: string, archived: boolean, now: number): void {
  if (archived) tx.put(ARCHIVED_NS, conversationId, utf8(String(now)));
  else tx.delete(ARCHIVED_NS, conversationId);
}

export interface Deletion {
  /** The ref to drop from the decoder's index (PrivateV1 only: groups are indexed by the group engine). */
  readonly removed?: ConversationRef;
  /** The tombstone to index in its place. */
  readonly tombstone?: ConversationRef;
}

/**
 * Writes into `tx` the removal of everything the Client keeps about a conversation: its record, its history
 * and message index, its archive mark, and for a conversation of a framework type (PrivateV1) its state,
 * that is its keys, replaced in the framework's list by a tombstone on `tombstoneTopic`.
 */
export async function deleteConversationRecords(
  tx: Transaction,
  info: ConversationInfo,
  frameworkType: boolean,
  tombstoneTopic: string,
): Promise<Deletion> {
  tx.delete(CONVERSATION_INFO_NS, info.id);
  tx.delete(ARCHIVED_NS, info.id);
  for (const ns of [HISTORY_NS, MESSAGE_INDEX_NS])
    for (const { key } of await tx.scan(ns, { prefix: `${info.id}/` })) tx.delete(ns, key);
  if (!frameworkType) return {};
  const removed: ConversationRef = { id: info.id, type: info.type, contentTopic: info.contentTopic };
  const tombstone: ConversationRef = { id: info.id, type: DELETED_TYPE, contentTopic: tombstoneTopic };
  tx.delete(CONVERSATIONS_NS, conversationKey(removed));
  tx.delete(CONVERSATION_STATE_NS, conversationKey(removed));
  tx.put(CONVERSATIONS_NS, conversationKey(tombstone), utf8(JSON.stringify(tombstone)));
  return { removed, tombstone };
}
