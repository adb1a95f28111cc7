import type { Clock } from "../base/clock.js";
import type { ParleyError } from "../base/errors.js";
import type { GroupTypeOptions, MemberState, OrphanEviction } from "../conversations/catalog.js";
import type { Content, ContentCodec } from "../conversations/content/index.js";
import type { CryptoProvider, RandomSource } from "../crypto/provider.js";
import type { Delivery } from "../framework/delivery.js";
import type { DeliveryState } from "../framework/lifecycle.js";
import type { AnyConversationTypeRuntime } from "../framework/runtime.js";
import type { Store } from "../framework/store.js";
import type { BundlePolicy } from "../identity/bundle-keys.js";

/**
 * queued → sent → possibly-acked → acked, or lost once the give-up bound is reached; `acked` means the peer's
 * application got the message, and a late acknowledgement moves `lost` to `acked`.
 */
export type { DeliveryState } from "../framework/lifecycle.js";

export interface ClientConfig {
  /** Lifetime and single-use policy of intro bundles. */
  readonly bundle: BundlePolicy;
  /** Period of the sweep that resends unacknowledged messages and sends sync messages (ms). Default 5 s. */
  readonly sweepIntervalMs: number;
  /**
   * An unacknowledged message is first resent this long after it was sent (ms). Default 30 s. Each resend
   * doubles the wait, up to `maxResendIntervalMs`; once the peer is heard from again, waiting messages are
   * resent after this base interval.
   */
  readonly resendAfterMs: number;
  /** The longest wait between two resends of one message (ms). Default 30 minutes. */
  readonly maxResendIntervalMs: number;
  /**
   * A message still unacknowledged this long after it was first sent is reported `lost` (ms). Default 7 days:
   * a peer may be offline for days. A later acknowledgement still moves it to `acked`. The receiver declares
   * a missing message lost one day after this bound (an event on its side: `message-lost`).
   */
  readonly giveUpAfterMs: number;
  /** Also give up after this many sends, whatever the age. Default unbounded. */
  readonly maxSends: number;
  /** Received messages are acknowledged by a sync message this long after delivery unless a reply cites them first (ms). Default 1 s. */
  readonly ackDelayMs: number;
  /** Double Ratchet: most keys skipped on one chain (default 1000) and skipped-key expiry by age (ms). */
  readonly maxSkip: number;
  readonly skippedKeyMaxAgeMs: number;
  /** Send raw conversation ids as hints with salt 0 (libchat behaviour; linkable). Default false. */
  readonly rawHints: boolean;
  /** How invites from peers are admitted (bounds that hold in both modes; see docs/PROTOCOL.md, "Invite bounds"). */
  readonly invites: InvitePolicy;
  /** Messages per conversation the primary sends a newly linked device as its history slice (ACCOUNTS §4). */
  readonly linkHistoryMessages: number;
}

/**
 * Anyone holding an intro bundle can send invites, each from a fresh installation. These bounds cap what
 * invites make this client store; an invite over a bound is dropped before anything is stored and reported
 * (`invite-dropped`). A dropped invite is not refused for good: the sender resends it until acknowledged, and
 * a resend is admitted once the bound allows.
 */
export interface InvitePolicy {
  /**
   * "accept" (default): an admitted invite starts a conversation at once. "request": an invite from an
   * installation this client has no PrivateV1 conversation with becomes a message request
   * (`messageRequests`) that the application accepts or refuses; nothing else is stored for it. Invites from
   * installations it already talks with start conversations as in accept mode.
   */
  readonly mode: "accept" | "request";
  /** Most authenticated invites taken up in any `windowMs` (started, raised as requests, or over the cap). Default 100. */
  readonly perWindow: number;
  /** The rate window (ms). Default 1 minute. */
  readonly windowMs: number;
  /** Request mode: most message requests pending at once; beyond it invites are dropped ("cap"). Default 100. */
  readonly maxPending: number;
  /** A request neither accepted nor refused this long after it arrived is deleted ("expired"). Default 7 days. */
  readonly requestTtlMs: number;
  /**
   * Group-control frames that make this client create state (key-package requests, welcomes), per pairwise
   * peer in any `windowMs`; more are dropped ("rate"). They come from accepted conversations only. Default 50.
   */
  readonly groupControlPerSender: number;
}

/** A pending invite (request mode): accept it to start its conversation, or refuse it to delete it. */
export interface MessageRequest {
  /** Pass to `acceptRequest` / `refuseRequest`; once accepted, the conversation's id. */
  readonly id: string;
  /** The initiator's authenticated installation key, lower hex. */
  readonly peer: string;
  readonly receivedAt: number;
  readonly expiresAt: number;
  /** The content its invite carried (empty when the first message was too large to travel in the invite). */
  readonly messages: readonly { readonly messageId: string; readonly content: Content; readonly timestamp: number }[];
}

export interface ClientOptions {
  readonly store: Store;
  readonly delivery: Delivery;
  readonly crypto: CryptoProvider;
  /** Default: the system clock. Drives timestamps, expiry and the periodic sweep. */
  readonly clock?: Clock;
  /** Default: `crypto.randomBytes`. Used for envelope salts. */
  readonly random?: RandomSource;
  /** `invites` may be given in part; the rest keeps its defaults. */
  readonly config?: Partial<Omit<ClientConfig, "invites">> & { readonly invites?: Partial<InvitePolicy> };
  /** Content codecs beyond text. */
  readonly codecs?: readonly ContentCodec[];
  /** Further conversation types (e.g. GroupV1) registered next to InboxV1 and PrivateV1. */
  readonly types?: readonly AnyConversationTypeRuntime[];
  /** Start the periodic sweep timer (default true). Tests that drive `sweep()` themselves pass false. */
  readonly autoSweep?: boolean;
  /** GroupV1 engine tuning (timeouts, finality depth, suite); identity, crypto and clock are the client's. */
  readonly groups?: GroupOptions;
}

export type GroupOptions = Partial<Omit<GroupTypeOptions, "crypto" | "identity" | "clock">>;

export type GroupStatus = "active" | "removed" | "left";

export interface GroupMemberInfo {
  /** The member's installation key, lower hex. */
  readonly peer: string;
  /** "member": in the group and heard from; "pending": added, not yet heard from; "invited": key package requested. */
  readonly state: MemberState;
  readonly self: boolean;
  /** The member's account key, lower hex, in a group of accounts. */
  readonly account?: string;
}

export interface GroupInfo {
  readonly conversationId: string;
  readonly name: string;
  readonly description: string;
  readonly status: GroupStatus;
  /** MLS epoch of the fork-choice head (-1 once we no longer hold the group's keys). */
  readonly epoch: bigint;
  /** Id of that epoch (hash over the transcript): equal on two members exactly when they agree on the group. */
  readonly epochId: string;
  readonly contentTopic: string;
}

export interface ConversationInfo {
  /** This client's local id of the conversation: what `send` and `history` take. */
  readonly id: string;
  /** "PrivateV1" or "GroupV1". */
  readonly type: string;
  /** PrivateV1: the peer's installation key, lower hex. GroupV1: who added us ("" for a group we created). */
  readonly peer: string;
  /** Who started it. */
  readonly initiatedBy: "me" | "peer";
  readonly createdAt: number;
  readonly contentTopic: string;
  /** GroupV1 only: the group's name and description (as of the last change we saw) and our status in it. */
  readonly name?: string;
  readonly description?: string;
  readonly status?: GroupStatus;
}

export interface HistoryItem {
  readonly conversationId: string;
  /** PRIVATE1 frame_id: identical on both sides. */
  readonly messageId: string;
  readonly direction: "in" | "out";
  /** Inbound: the sender's installation key, lower hex (verified; for groups through the MLS credential). */
  readonly sender?: string;
  readonly content: Content;
  /** Sender's timestamp (ms). */
  readonly timestamp: number;
  /** When this client stored it (ms). */
  readonly storedAt: number;
  /** Outgoing messages only. */
  readonly state?: DeliveryState;
  /** Copied from a sibling device of this account when this device was linked (its history slice). */
  readonly synced?: boolean;
  /** Position in this client's history; pass as `before` to page back. */
  readonly cursor: string;
}

export interface HistoryPage {
  /** Oldest first. */
  readonly items: readonly HistoryItem[];
  /** Pass as `before` for the previous page; absent at the beginning of the conversation. */
  readonly before?: string;
}

export interface HistoryPageQuery {
  /** Default 50. */
  readonly limit?: number;
  /** A cursor: items strictly older than it. Default: the newest. */
  readonly before?: string;
}

export type ClientEvent =
  | {
      /** The conversation is read up to this message, on this device or a sibling of its account. */
      readonly type: "read-marker";
      readonly conversationId: string;
      readonly messageId: string;
      readonly timestamp: number;
    }
  | {
      readonly type: "conversation-started";
      readonly conversationId: string;
      readonly peer: string;
      readonly initiatedBy: "me" | "peer";
    }
  | {
      readonly type: "message";
      readonly conversationId: string;
      readonly messageId: string;
      /** The sender's installation key, lower hex: the peer (PrivateV1) or the member verified by MLS (GroupV1). */
      readonly sender: string;
      readonly content: Content;
      readonly timestamp: number;
    }
  | {
      readonly type: "delivery-state";
      readonly conversationId: string;
      readonly messageId: string;
      readonly state: DeliveryState;
    }
  | {
      /** Reliability detected messages the peer sent that have not arrived yet (SDS missing dependencies). */
      readonly type: "message-missing";
      readonly conversationId: string;
      readonly missing: readonly string[];
    }
  | {
      /**
       * Messages the peer sent that will not be delivered: they went missing and stayed missing past the
       * give-up bound (SDS ids). Later messages that waited on them are delivered now.
       */
      readonly type: "message-lost";
      readonly conversationId: string;
      readonly lost: readonly string[];
    }
  | {
      /**
       * An authenticated frame from the peer that this version cannot use: `frame-unsupported` (an arm of a
       * newer version), or malformed inner content (`frame-decode`, `segment-…`, …).
       */
      readonly type: "frame-dropped";
      readonly conversationId: string;
      readonly reason: string;
    }
  | {
      /**
       * GroupV1: `count` messages that arrived for an epoch we could not read yet were dropped unread, before
       * anything could authenticate them: `expired` (their epoch never came), `conversation-full`,
       * `epoch-ref-full` or `buffer-full` (an in-memory bound was reached, e.g. by someone flooding the topic),
       * `epoch-final`, `left`. Genuine ones are fetched again from the topic's history when their epoch arrives.
       */
      readonly type: "orphans-evicted";
      readonly conversationId: string;
      readonly reason: OrphanEviction;
      readonly count: number;
    }
  | {
      /** GroupV1: the roster, a member's pending state, the name or the head epoch changed (`groupMembers`). */
      readonly type: "members-changed";
      readonly conversationId: string;
    }
  | {
      /** GroupV1: another member removed us; nothing sent to the group from now on reaches us. */
      readonly type: "removed";
      readonly conversationId: string;
    }
  | {
      /** GroupV1: we left (`leaveGroup`). */
      readonly type: "left";
      readonly conversationId: string;
    }
  | {
      /** Request mode: an invite is waiting for the application (`messageRequests`, `acceptRequest`, `refuseRequest`). */
      readonly type: "message-request";
      readonly requestId: string;
      readonly peer: string;
    }
  | {
      /**
       * Something a peer sent was not admitted: an invite over the rate ("rate") or the pending cap ("cap"),
       * a message request that expired ("expired"), or a group-control frame over its per-sender rate
       * (`source` "group-control"). Nothing was stored for it.
       */
      readonly type: "invite-dropped";
      readonly reason: "rate" | "cap" | "expired";
      readonly source: "invite" | "group-control";
      /** The authenticated sender, lower hex. */
      readonly peer: string;
      /** The request that expired, or the pairwise conversation a group-control frame came over. */
      readonly conversationId?: string;
    }
  | {
      /** Linking a device (docs/ACCOUNTS.md §4): the six words to compare are known on this side. */
      readonly type: "link-words";
      readonly conversationId: string;
      readonly words: readonly string[];
      readonly role: "primary" | "device";
    }
  | {
      /** This new device adopted its account's list over the link conversation: it is a linked device now. */
      readonly type: "account-linked";
      readonly conversationId: string;
      /** The account's key, lower hex. */
      readonly accountKey: string;
    }
  | {
      readonly type: "error";
      readonly error: ParleyError;
      readonly conversationId?: string;
    };

/** What happened to one inbound message (returned by `Client.ingest`, used by tests and store backfill). */
export type InboundOutcome =
  | { readonly kind: "readable"; readonly conversationId: string }
  | { readonly kind: "badly-formed"; readonly reason: string; readonly conversationId?: string }
  | { readonly kind: "not-for-me" }
  /** An authenticated invite not admitted (over the rate or the pending cap); nothing stored. */
  | { readonly kind: "dropped"; readonly reason: "rate" | "cap" };

export type { ParleyError };
