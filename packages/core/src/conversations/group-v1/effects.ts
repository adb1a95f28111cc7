/**
 * What the GroupV1 engine asks its caller (the Client, or a test router) to do, after the caller has
 * committed the step's transaction. The engine never performs I/O itself.
 */
import type { OrphanEviction } from "./orphans.js";

export type HeldReason = "epoch-unknown" | "epoch-unreadable" | "epoch-implausible";

export type GroupEffect =
  /** Publish `payload` (an encoded EnvelopeV1) on the group's content topic. */
  | {
      readonly kind: "publish";
      readonly conversationId: string;
      readonly contentTopic: string;
      readonly payload: Uint8Array;
    }
  /**
   * Send `frame` (an encoded GroupControlFrame) to the member `to` (identity hex) over the pairwise PrivateV1
   * conversation, as `PrivateV1Frame.group_control`; hand what arrives there to `receiveControl(from, frame)`.
   */
  | { readonly kind: "control"; readonly conversationId: string; readonly to: string; readonly frame: Uint8Array }
  /** Start receiving the group's content topic (new group or joined by Welcome). */
  | { readonly kind: "subscribe"; readonly conversationId: string; readonly contentTopic: string }
  /** Application content from `sender` (identity hex, verified through the MLS credential). Exactly once. */
  | {
      readonly kind: "message";
      readonly conversationId: string;
      readonly messageId: string;
      readonly sender: string;
      readonly content: Uint8Array;
      readonly timestamp: number;
      readonly epoch: bigint;
    }
  /** We joined a group by Welcome (the conversation started on our side). */
  | { readonly kind: "joined"; readonly conversationId: string; readonly contentTopic: string }
  /** Roster, pending states or the head epoch changed. */
  | { readonly kind: "members-changed"; readonly conversationId: string }
  /** We were removed from the group. */
  | { readonly kind: "removed"; readonly conversationId: string }
  /** We left the group. */
  | { readonly kind: "left"; readonly conversationId: string }
  /** A gap is suspected: fetch the topic's history (Waku Store) and feed every message to `receive`. */
  | {
      readonly kind: "fetch-history";
      readonly conversationId: string;
      readonly contentTopic: string;
      /** Unix ms: only messages from this time on are needed (undefined: everything available). */
      readonly since?: number;
    }
  /**
   * One of our messages changed delivery state after its epoch lost the fork choice: `waiting` (held until
   * its branch's removals are re-applied on the new head, so nobody outside its roster reads it), `sent`
   * (encrypted again and published after such a wait) or `lost` (it can never be sent again without reaching
   * someone outside its roster, or we are no longer in the group).
   */
  | {
      readonly kind: "delivery";
      readonly conversationId: string;
      readonly messageId: string;
      readonly state: "waiting" | "sent" | "lost";
    }
  /**
   * A message for an epoch we cannot read yet: kept in memory only (`epoch-unknown`, `epoch-unreadable`: one we
   * were removed in) until that epoch's keys arrive, or dropped unseen (`epoch-implausible`: too far from our
   * head, or too large). Nothing was stored.
   */
  | { readonly kind: "held"; readonly conversationId: string; readonly reason: HeldReason }
  /** `count` held messages were dropped unread (orphans.ts); genuine ones come back from history. */
  | {
      readonly kind: "orphans-evicted";
      readonly conversationId: string;
      readonly reason: OrphanEviction;
      readonly count: number;
    }
  /** Input was rejected; nothing was stored. */
  | { readonly kind: "rejected"; readonly conversationId: string; readonly reason: string };
