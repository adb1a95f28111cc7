import { toHex } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { contentTopic, deliveryAddress } from "../../framework/topics.js";

export const INBOX_V1 = "InboxV1";

/**
 * Bytes of the inbox delivery address. A protocol constant (not a client setting) because the initiator
 * derives the recipient's topic from its bundle alone. Two bytes: 65,536 inbox topics, so at scale each
 * topic is shared by many identities (an observer of a topic sees a crowd), while a client subscribes to a
 * small fraction of all inbox traffic.
 */
export const INBOX_ADDRESS_BYTES = 2;

/** libchat's inbox conversation id: lower hex of BLAKE2b-512(installation public key), 128 characters. */
export function inboxConversationId(crypto: CryptoProvider, installationKey: Uint8Array): string {
  return toHex(crypto.blake2b(installationKey, { dkLen: 64 }));
}

/** `lower_hex(BLAKE2b-16bit(u8(7) || "InboxV1" || installation key))` (framework `deliveryAddress`). */
export function inboxDeliveryAddress(crypto: CryptoProvider, installationKey: Uint8Array): string {
  return deliveryAddress(crypto, INBOX_V1, installationKey, INBOX_ADDRESS_BYTES);
}

export function inboxContentTopic(crypto: CryptoProvider, installationKey: Uint8Array): string {
  return contentTopic(inboxDeliveryAddress(crypto, installationKey));
}
