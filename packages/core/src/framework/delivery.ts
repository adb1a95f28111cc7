/**
 * The delivery service a client publishes to and receives from (CHAT-FRAMEWORK: subscription per delivery
 * address, delivery to all subscribers, no ordering or delivery guarantee). Implementations: `MemoryDelivery`
 * (in-process bus with faults, core) and `WakuDelivery` (Waku Relay, @parley/waku).
 */

/** Waku's network-wide limit for one message (64/WAKU2-NETWORK). */
export const MAX_PAYLOAD_BYTES = 150 * 1024;

export interface DeliveredMessage {
  readonly contentTopic: string;
  readonly payload: Uint8Array;
  /** Sender-side timestamp, Unix milliseconds. */
  readonly timestamp: number;
  /** Lowercase hex message hash as the delivery layer computes it (Waku: deterministic message hash). */
  readonly hash: string;
}

export type PublishResult =
  | { readonly ok: true; readonly hash: string }
  | { readonly ok: false; readonly error: PublishErrorCode; readonly detail?: string };

export type PublishErrorCode = "too-large" | "no-peers" | "timeout" | "stopped" | "rejected";

export type MessageHandler = (message: DeliveredMessage) => void;

export interface HistoryQuery {
  readonly contentTopics: readonly string[];
  /** Inclusive, Unix milliseconds. */
  readonly startTime?: number;
  /** Inclusive, Unix milliseconds. */
  readonly endTime?: number;
  readonly pageSize?: number;
}

export interface Delivery {
  readonly maxPayloadBytes: number;
  /** Never throws for network conditions: failures come back as a typed result. */
  publish(contentTopic: string, payload: Uint8Array): Promise<PublishResult>;
  /** Returns a function that removes this subscription. */
  subscribe(contentTopic: string, handler: MessageHandler): Promise<() => void>;
  /** Messages stored by a history service (Waku Store), oldest first, when the delivery has one. */
  history?(query: HistoryQuery): AsyncIterable<DeliveredMessage>;
}
