/**
 * @parley/waku: Parley's delivery on Waku. The polyfill import must stay first: libp2p needs
 * Promise.withResolvers on Node 20 as soon as its modules run.
 */
import "./polyfill.js";

export type { MissedMessageOptions } from "@parley/core";
export { WakuDelivery, type WakuDeliveryOptions, type WakuPublishResult } from "./delivery.js";
export { WakuError, type WakuErrorCode } from "./errors.js";
export {
  decodeWakuMessage,
  encodeWakuMessage,
  MonotonicNs,
  messageHash,
  msToNs,
  nsToMs,
  relayMessageId,
  type WakuMessage,
} from "./message.js";
export { METADATA_CODEC } from "./metadata.js";
export { loadOrCreatePeerKey, PEER_KEY_FILE, peerKeyFromSeed } from "./peer-key.js";
export { MAX_RELAY_MESSAGE_BYTES, RELAY_CODEC } from "./relay.js";
export {
  contentTopicToPubsubTopic,
  contentTopicToShard,
  DEFAULT_NETWORK,
  type NetworkConfig,
  type ParsedContentTopic,
  parseContentTopic,
  parsePubsubTopic,
  pubsubTopicFor,
} from "./sharding.js";
export { parsePeerAddress } from "./static-peers.js";
export {
  type ArchivedMessage,
  DEFAULT_PAGE_SIZE,
  DEFAULT_RETENTION,
  MAX_PAGE_SIZE,
  MessageArchive,
  type QueryOutcome,
  type RetentionPolicy,
} from "./store/archive.js";
export { queryStore, type StoredMessage, type StorePageQuery } from "./store/client.js";
export { MAX_RESPONSE_BYTES, STORE_CODEC } from "./store/server.js";
export { type Transport, webSocketTransports } from "./transports.js";
