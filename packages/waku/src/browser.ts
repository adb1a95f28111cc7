/**
 * @parley/waku/browser: what a web page needs to reach a `parley node` over WebSocket: `WakuDelivery` (Relay
 * plus Store history) and its WebSocket transport. Nothing here touches Node's APIs; the node service, its
 * SQLite archive and the TCP transport stay in the main entry.
 *
 *   new WakuDelivery({ transports: webSocketTransports(), bootstrap: [wsAddr], storePeers: [wsAddr] })
 */
export { WakuDelivery, type WakuDeliveryOptions, type WakuPublishResult } from "./delivery.js";
export { WakuError, type WakuErrorCode } from "./errors.js";
export { DEFAULT_NETWORK, type NetworkConfig } from "./sharding.js";
export { type Transport, webSocketTransports } from "./transports.js";
