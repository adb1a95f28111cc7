/**
 * Delivery addresses and Waku content topics. A delivery address is a few bytes of a BLAKE2b hash, so many
 * conversations share one topic (observers of a topic see a crowd, not a pair); each type chooses the input
 * and states it in its spec's `contentTopic`.
 */
import { concatBytes, toHex, utf8 } from "../base/bytes.js";
import type { CryptoProvider } from "../crypto/provider.js";

export const CONTENT_TOPIC_PREFIX = "/logos-chat/1/";
export const CONTENT_TOPIC_SUFFIX = "/proto";

/** Default delivery-address length in bytes: 2^64 addresses, far more than needed to spread load. */
export const DEFAULT_DELIVERY_ADDRESS_BYTES = 8;

/**
 * `lower_hex(BLAKE2b(dkLen = bytes, u8(len(domain)) || utf8(domain) || input))`.
 * The length-prefixed domain keeps addresses of different purposes apart even when inputs coincide.
 * `bytes` is BLAKE2b's output-length parameter (1..64), not a truncation.
 */
export function deliveryAddress(
  crypto: CryptoProvider,
  domain: string,
  input: Uint8Array,
  bytes: number = DEFAULT_DELIVERY_ADDRESS_BYTES,
): string {
  const d = utf8(domain);
  if (d.length === 0 || d.length > 255) throw new RangeError("delivery-address domain must be 1..255 bytes");
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 64) throw new RangeError("delivery address is 1..64 bytes");
  return toHex(crypto.blake2b(concatBytes(Uint8Array.of(d.length), d, input), { dkLen: bytes }));
}

/** The Waku content topic `/logos-chat/1/{delivery_address}/proto` (libchat's format). */
export function contentTopic(deliveryAddress: string): string {
  if (deliveryAddress.length === 0 || deliveryAddress.includes("/")) {
    throw new RangeError("a delivery address is a non-empty string without '/'");
  }
  return CONTENT_TOPIC_PREFIX + deliveryAddress + CONTENT_TOPIC_SUFFIX;
}

/** The delivery address inside a content topic of ours, or undefined for any other topic. */
export function parseContentTopic(topic: string): string | undefined {
  if (!topic.startsWith(CONTENT_TOPIC_PREFIX) || !topic.endsWith(CONTENT_TOPIC_SUFFIX)) return undefined;
  const address = topic.slice(CONTENT_TOPIC_PREFIX.length, topic.length - CONTENT_TOPIC_SUFFIX.length);
  return address.length > 0 && !address.includes("/") ? address : undefined;
}
