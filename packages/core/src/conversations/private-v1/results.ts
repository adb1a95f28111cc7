/** What PrivateV1's steps return: frames received, delivery changes, payloads to publish. */
import type { SdsReceiveStatus } from "../../primitives/sds/index.js";
import type { PrivateV1FrameBody } from "../../wire/hand/private-v1-frame.js";
import type { EncryptedPayload } from "../../wire/index.js";

/** A complete frame received, in causal order. */
export interface ReceivedFrame {
  readonly messageId: string;
  readonly timestamp: number;
  readonly body: PrivateV1FrameBody;
}

export type DeliveryUpdate = { readonly messageId: string; readonly state: "possibly-acked" | "acked" | "lost" };

/** What one payload (or a sweep) did, for the client's history and events. */
export interface PrivateV1Effects {
  readonly frames: readonly ReceivedFrame[];
  readonly deliveryUpdates: readonly DeliveryUpdate[];
  /** SDS ids of the peer's messages known to be missing. */
  readonly missing: readonly string[];
  /** SDS ids of the peer's messages declared lost: they will not be delivered (unless they arrive after all). */
  readonly lost: readonly string[];
  /**
   * Inner content dropped after authentication, with the reason: a bad segment or frame, or a frame arm this
   * version does not know (`frame-unsupported`: a newer peer's frame).
   */
  readonly dropped: readonly string[];
}

export interface PrivateV1Opened extends PrivateV1Effects {
  readonly kind: "private-v1";
  readonly status: SdsReceiveStatus;
}

/** A payload to publish: sealed by the caller in an envelope with `conversationHint` on `contentTopic`. */
export interface OutgoingPayload {
  readonly conversationHint: string;
  readonly contentTopic: string;
  readonly payload: EncryptedPayload;
  /** The SDS id it carries (absent for sync messages). */
  readonly sdsId?: string;
}
