/**
 * The whole lifecycle of a conversation type, beyond `open`: start, send, periodic work, control payloads.
 *
 * Every step gets a `StepContext` (its transaction, scoped to the namespaces the type declares, and its own
 * conversation states) and returns neutral `Effect`s. The Client applies effects without knowing the type:
 * it writes their records into the same transaction, commits once, and only then publishes, watches topics
 * and emits events. A type never commits, publishes or emits anything itself.
 */
import type { ParleyError } from "../base/errors.js";
import type { CryptoProvider, RandomSource, X25519KeyPair } from "../crypto/provider.js";
import type { EncryptedPayload } from "../wire/index.js";
import type { ConversationRef } from "./runtime.js";
import type { TransactionView } from "./store.js";

/** Where a sent message stands (the application's vocabulary, whatever the type). */
export type DeliveryState = "queued" | "sent" | "possibly-acked" | "acked" | "lost";

/**
 * How a delivery change applies to the recorded state. `advance`: monotonic (1:1 acknowledgements never go
 * back). `toggle`: both ways between queued and sent, only for our own messages, `lost` final (a group
 * message whose epoch lost the fork choice waits, is sent again, or is lost).
 */
export type DeliveryRule = "advance" | "toggle";

/** A conversation's status as the application sees it. */
export type ConversationStatus = "active" | "removed" | "left";

/** A type's conversation states, as committed plus what this step staged. */
export interface ConversationStates<S> {
  get(id: string): Promise<S | undefined>;
  /** Stages the next state of a known conversation. */
  put(ref: ConversationRef, state: S): void;
  /** Stages a new conversation: its framework record (for the hint index at boot) and its first state. */
  create(ref: ConversationRef, state: S): void;
}

/** The keys a conversation started by first contact begins from (known before its invite frame is built). */
export interface FirstContactSecrets {
  /** The conversation's 32-byte initial secret. */
  readonly sk: Uint8Array;
  readonly initiatorStatic: Uint8Array;
  readonly responderStatic: Uint8Array;
}

/** An invite sealed for its recipient's inbox. */
export interface FirstContactInvite extends FirstContactSecrets {
  /** The payload to publish on the recipient's inbox topic. */
  readonly payload: EncryptedPayload;
  /** The id the envelope's hint is salted from (only the recipient can recompute it). */
  readonly inviteId: string;
}

/**
 * What the type that receives invites (an inbox type) offers the types that start conversations through it:
 * they reach a peer they have never talked to without knowing which type carries the invite.
 */
export interface FirstContact {
  /** The content topic of the inbox of `installationKey`. */
  topic(crypto: CryptoProvider, installationKey: Uint8Array): string;
  /** Seals an invite to the owner of `bundle`; `frame` builds the invite's frame once the secrets are known. */
  initiate(
    crypto: CryptoProvider,
    input: {
      readonly installation: X25519KeyPair;
      readonly bundle: { readonly installationKey: Uint8Array; readonly ephemeralKey: Uint8Array };
      readonly frame: (secrets: FirstContactSecrets) => Uint8Array;
    },
  ): FirstContactInvite;
}

export interface StepContext<S = unknown> {
  readonly crypto: CryptoProvider;
  readonly random: RandomSource;
  /** The injected clock's time at the step, Unix milliseconds. */
  readonly now: number;
  /** This installation's public key, lower hex. */
  readonly self: string;
  /** The step's transaction, limited to the namespaces the type declares (`TypeLifecycle.namespaces`). */
  readonly tx: TransactionView;
  readonly states: ConversationStates<S>;
  isKnownConversation(id: string): boolean;
  /** The first-contact service of the registered inbox type, when one is registered. */
  readonly firstContact?: FirstContact;
}

/** Reading only: a store, or a step's transaction. */
export type ReadView = Pick<TransactionView, "get" | "scan">;

/**
 * For a type whose state keeps part of itself in records of its own namespaces (PrivateV1's segment parts):
 * the Client calls these around every state it reads from or commits to the store.
 */
export interface StateRecords<S> {
  /** Before `decodeState(bytes)` of bytes read from the store: reads what the state keeps in its records. */
  load(view: ReadView, ref: ConversationRef, bytes: Uint8Array): Promise<void>;
  /** Before the commit of a step that staged `state`: makes its records match it. */
  stage(view: TransactionView, ref: ConversationRef, state: S): Promise<void>;
  /** The conversation is deleted: deletes its records. */
  forget(view: TransactionView, ref: ConversationRef): Promise<void>;
  /** A commit after `stage` failed: forget whatever was remembered about what the store holds. */
  abort?(): void;
}

/** One envelope to publish: the Client seals `payload` under a fresh salted hint of `hint`. */
export interface Outgoing {
  readonly hint: string;
  readonly contentTopic: string;
  readonly payload: EncryptedPayload;
}

/** Notices the application sees as events; nothing else happens for them. */
export type Notice =
  | { readonly kind: "message-missing"; readonly conversationId: string; readonly missing: readonly string[] }
  | { readonly kind: "message-lost"; readonly conversationId: string; readonly lost: readonly string[] }
  | { readonly kind: "frame-dropped"; readonly conversationId: string; readonly reason: string }
  | {
      readonly kind: "orphans-evicted";
      readonly conversationId: string;
      readonly reason: string;
      readonly count: number;
    }
  | { readonly kind: "members-changed"; readonly conversationId: string }
  | { readonly kind: "removed"; readonly conversationId: string }
  | { readonly kind: "left"; readonly conversationId: string }
  | { readonly kind: "error"; readonly error: ParleyError; readonly conversationId?: string };

export type Effect =
  /**
   * A conversation started or changed: the Client creates its record (and reports it started), or refreshes
   * name, description and status. A started conversation is routed (hint index) and its topic watched.
   */
  | {
      readonly kind: "conversation";
      readonly ref: ConversationRef;
      readonly peer: string;
      readonly initiatedBy: "me" | "peer";
      readonly name?: string;
      readonly description?: string;
      readonly status?: ConversationStatus;
    }
  /** Application content received (exactly once: the Client drops a message id it already holds). */
  | {
      readonly kind: "message";
      readonly conversationId: string;
      readonly messageId: string;
      readonly sender: string;
      readonly timestamp: number;
      readonly content: Uint8Array;
    }
  /** Our own content, recorded `queued`. */
  | {
      readonly kind: "sent";
      readonly conversationId: string;
      readonly messageId: string;
      readonly timestamp: number;
      readonly content: Uint8Array;
    }
  | {
      readonly kind: "delivery";
      readonly conversationId: string;
      readonly messageId: string;
      readonly state: DeliveryState;
      readonly rule: DeliveryRule;
    }
  | { readonly kind: "notice"; readonly notice: Notice }
  /**
   * Envelopes to publish after the commit, in order (`sealed`: already an encoded envelope). When every one
   * was accepted by the delivery, the messages in `markSent` become `sent`.
   */
  | {
      readonly kind: "publish";
      readonly conversationId: string;
      readonly outgoing: readonly (Outgoing | { readonly contentTopic: string; readonly sealed: Uint8Array })[];
      readonly markSent?: readonly string[];
    }
  /** A control payload for `peer`, carried by the type that declares it can carry control (`carry`). */
  | { readonly kind: "control-out"; readonly peer: string; readonly payload: Uint8Array }
  /** A control payload received from `peer`: handed to the type that consumes control (`control`). */
  | {
      readonly kind: "control-in";
      readonly conversationId: string;
      readonly peer: string;
      readonly messageId: string;
      readonly payload: Uint8Array;
    }
  /** Route envelopes of `ref` to its type (hint index) and subscribe to its topic; fetch history `since`. */
  | { readonly kind: "watch"; readonly ref: ConversationRef; readonly since?: number }
  /** Fetch a topic's history (a gap is suspected) and ingest what comes back. */
  | { readonly kind: "fetch-history"; readonly contentTopic: string; readonly since?: number }
  /**
   * A payload one device of this account shared with its siblings (the account's own group): the Client's
   * account applies it in the step's transaction. `sender`: the device, verified by the type.
   */
  | {
      readonly kind: "account-sync";
      readonly conversationId: string;
      readonly messageId: string;
      readonly sender: string;
      readonly payload: Uint8Array;
    };

export type StartRequest =
  /**
   * `bundle`: the peer's intro bundle, or an account address (its device and bundle key), as shared (the Client
   * has checked it); `content`: the first message.
   */
  | { readonly kind: "pairwise"; readonly bundle: string; readonly content: Uint8Array }
  /** `address`: the peer account's address as shared (text); the type parses and checks it. */
  | { readonly kind: "account"; readonly address: string }
  /** A group of the accounts of `addresses` (each as shared, text) and this device's own. */
  | {
      readonly kind: "account-group";
      readonly name: string;
      readonly description: string;
      readonly addresses: readonly string[];
    }
  /** The group of this account's own devices: the one held, else a new one when `create`, else id "". */
  | { readonly kind: "self"; readonly create: boolean }
  | {
      readonly kind: "group";
      readonly name: string;
      readonly description: string;
      readonly members: readonly string[];
    };

export type StartKind = StartRequest["kind"];

/** What `receive` made of a payload: taken, or refused with a code of the type's decoding tree. */
export type ReceiveOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface StepResult<T> {
  readonly value: T;
  readonly effects: readonly Effect[];
}

/** Typed commands a type may accept on a conversation (groups). */
export type Command =
  | { readonly kind: "add-members"; readonly members: readonly string[] }
  | { readonly kind: "remove-members"; readonly members: readonly string[] }
  | { readonly kind: "leave" }
  /** Groups of accounts: add the people of these account addresses (text); remove these accounts (lower hex). */
  | { readonly kind: "add-accounts"; readonly addresses: readonly string[] }
  | { readonly kind: "remove-accounts"; readonly accounts: readonly string[] }
  | { readonly kind: "set-metadata"; readonly name: string; readonly description?: string };

export interface MemberSummary {
  readonly peer: string;
  readonly state: string;
  readonly self: boolean;
  /** The member's account key (lower hex), for types whose members are devices of accounts. */
  readonly account?: string;
}

export interface ConversationSummary {
  readonly name: string;
  readonly description: string;
  readonly status: ConversationStatus;
  readonly epoch: bigint;
  readonly epochId: string;
  readonly contentTopic: string;
}

/**
 * The lifecycle members of a runtime. Each is optional: a type has the ones it needs, and the registry checks
 * that capabilities the Client needs exactly one of (a pairwise starter, a group starter, a control carrier,
 * a control consumer) are not declared twice.
 */
export interface TypeLifecycle<S = unknown, F = unknown> {
  /** Store namespaces the type's steps may touch beyond its conversation states. */
  readonly namespaces?: readonly string[];
  /** Present when the type's state keeps part of itself in records of its namespaces. */
  readonly records?: StateRecords<S>;
  /**
   * A conversation the type keeps for every installation from the start (its own inbox): created once with
   * this state, then routed and watched like any other.
   */
  standing?(self: string): { readonly ref: ConversationRef; readonly state: S };
  /** Offered by the type that receives invites (at most one): how other types reach a new peer. */
  readonly firstContact?: FirstContact;
  /** The kinds of `StartRequest` it handles. */
  readonly starts?: readonly StartKind[];
  /**
   * Its conversations are machinery, not chats a user reads (AccountSelfV1, the group of one account's own
   * devices): the Client keeps them but lists none (`conversations()`) and reports none started.
   */
  readonly internal?: boolean;
  /** Whether it carries control payloads between peers (`carry`) and whether it consumes them (`control`). */
  readonly carriesControl?: boolean;
  readonly consumesControl?: boolean;
  /**
   * For a consumer beside the default one: whether a control payload is this type's (the payloads of several
   * types travel over the same carrier; each names its conversation). A consumer without it is the default:
   * it takes every payload no other consumer claims, so at most one type may leave it out. PURE, total.
   */
  claimsControl?(payload: Uint8Array): boolean;
  /** `messageId`: the first message's, when the request carried one. */
  start?(
    ctx: StepContext<S>,
    request: StartRequest,
  ): Promise<StepResult<{ conversationId: string; messageId?: string }>>;
  /** Throws a ParleyError with code `content-too-large` for content the type cannot send. */
  send?(ctx: StepContext<S>, ref: ConversationRef, content: Uint8Array): Promise<StepResult<string>>;
  /**
   * The effects of a frame `open` returned (with the state it returned). `started` is given when the
   * conversation starts with this frame (an invite), with the step's time. PURE.
   */
  opened?(frame: F, state: S, ref: ConversationRef, started: { readonly now: number } | undefined): Effect[];
  /**
   * Bytes both ends of a pairwise conversation derive identically and only from its handshake's secret (what
   * confirmation words shown on both devices bind to); undefined when the state has none. PURE.
   */
  binding?(state: S): Uint8Array | undefined;
  /**
   * The intro bundle key (the bundle's ephemeral public key) of the first-contact handshake that started a
   * pairwise conversation, on both ends; undefined when the state does not know it. What lets a device accept
   * something only over a conversation started to a bundle it showed for that purpose (a link code). PURE.
   */
  introKey?(state: S): Uint8Array | undefined;
  /** Periodic work on one conversation; undefined when nothing changed (the step then commits nothing). */
  wake?(ctx: StepContext<S>, ref: ConversationRef): Promise<readonly Effect[] | undefined>;
  /**
   * When the conversation with this (committed) state next needs `wake` (Unix ms; undefined: not until a
   * step changes it). The Client keeps these times and wakes only what is due, so a conversation with
   * nothing due costs nothing. PURE. A type without it is woken on every sweep.
   */
  due?(state: S, ctx: { readonly crypto: CryptoProvider }): number | undefined;
  /**
   * Sends a control payload to the peer of `ref` (the carried message's id); undefined when the state is
   * unavailable. Throws a ParleyError with code `content-too-large` for a payload it cannot carry.
   */
  carry?(ctx: StepContext<S>, ref: ConversationRef, payload: Uint8Array): Promise<StepResult<string> | undefined>;
  /** Consumes a control payload received from `peer`. */
  control?(ctx: StepContext<S>, peer: string, payload: Uint8Array): Promise<readonly Effect[]>;
  /** Whether a control payload would make this type store something (it is rate-limited per sender). */
  controlCreatesState?(payload: Uint8Array): boolean;
  /**
   * The transactional alternative to `open`, for a type whose state spans many records of its namespaces
   * (the decoder classifies its envelopes as `receive` and the Client calls this in the step's transaction).
   * A refused payload writes nothing.
   */
  receive?(
    ctx: StepContext<S>,
    ref: ConversationRef,
    payload: EncryptedPayload,
  ): Promise<{ readonly outcome: ReceiveOutcome; readonly effects: readonly Effect[] }>;
  /** At boot, for each conversation of the type not left: routing, watching, recovery. */
  resume?(ctx: StepContext<S>, ref: ConversationRef): Promise<readonly Effect[]>;
  command?(ctx: StepContext<S>, ref: ConversationRef, command: Command): Promise<readonly Effect[]>;
  members?(ctx: StepContext<S>, ref: ConversationRef): Promise<readonly MemberSummary[]>;
  summary?(ctx: StepContext<S>, ref: ConversationRef): Promise<ConversationSummary>;
}
