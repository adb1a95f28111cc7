/**
 * Identifiers of a GroupV1 conversation, as libchat's GroupV1:
 * - conversation id = lower hex of the random 16-byte MLS group id (32 characters);
 * - delivery address = lower hex of BLAKE2b with output length 6 over `"delivery_addr|" || conversation id`
 *   (12 characters: short, so unrelated groups share a content topic and an observer cannot tell them apart
 *   by topic alone);
 * - content topic = `/logos-chat/1/{delivery_address}/proto`.
 */
import { fromHex, toHex, utf8 } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";

export const GROUP_ID_BYTES = 16;

export function conversationIdFromGroupId(groupId: Uint8Array): string {
  return toHex(groupId);
}

export function groupIdFromConversationId(conversationId: string): Uint8Array | undefined {
  const id = fromHex(conversationId);
  return id && id.length === GROUP_ID_BYTES ? id : undefined;
}

export function groupDeliveryAddress(crypto: CryptoProvider, conversationId: string): string {
  return toHex(crypto.blake2b(utf8(`delivery_addr|${conversationId}`), { dkLen: 6 }));
}

export function groupContentTopic(crypto: CryptoProvider, conversationId: string): string {
  return `/logos-chat/1/${groupDeliveryAddress(crypto, conversationId)}/proto`;
}
