/**
 * The runtime interface a conversation type implements so the framework's `Decoder` can dispatch to it.
 *
 * It is deliberately small and PURE: `open` gets the conversation's current state and returns either the
 * decoded frame with the NEXT state, or a reason. It never writes anything; the caller (the client) commits
 * the next state in the same store transaction as the effects of the message, so a payload that fails to
 * open cannot change stored state, and one that opens is applied exactly once.
 */
import type { CryptoProvider } from "../crypto/provider.js";
import type { EncryptedPayload } from "../wire/index.js";
import type { TypeLifecycle } from "./lifecycle.js";
import type { ConversationTypeSpec } from "./type-spec.js";

/** A known conversation as the framework sees it: enough to route, nothing secret. */
export interface ConversationRef {
  /** The conversation id hints are computed over (the receiver's id for per-direction types). */
  readonly id: string;
  /** `ConversationTypeSpec.name` of its type. */
  readonly type: string;
  /** The Waku content topic its messages are received on. */
  readonly contentTopic: string;
}

/** How the envelope's hint matched the conversation. */
export interface HintMatch {
  /**
   * "salted": lower_hex(BLAKE2s-256(u64be(salt) || utf8(id))); "raw": the hint was the id itself (libchat);
   * "secret": no id hint matched, the conversation's type recognised the envelope itself (`secretHints`).
   */
  readonly form: "salted" | "raw" | "secret";
  readonly salt: bigint;
}

/** What a type with secret hints is shown of an envelope that no id hint matched. */
export interface SecretHintEnvelope {
  readonly hint: string;
  readonly salt: bigint;
  readonly payload: EncryptedPayload;
}

/**
 * A capability for types whose envelopes must not be testable against a public conversation id (an inbox:
 * its id follows from the public installation key, so a salted hint of it would tell every holder of the
 * bundle which inbox an invite is for). Such a type addresses each envelope with a value only the
 * conversation's owner can recompute (e.g. from a Diffie-Hellman with its secret key), and recognises it here.
 */
export interface SecretHints<S = unknown> {
  /**
   * Whether the envelope is addressed to the conversation in `state`. PURE and total (a throw counts as
   * false). The decoder asks it for envelopes that no id hint matched, once per conversation of the type on
   * the envelope's content topic, so its cost is paid per envelope on that topic: refuse other payload arms
   * first, and keep the rest to a constant number of public-key operations.
   */
  matches(state: S, envelope: SecretHintEnvelope, crypto: CryptoProvider): boolean;
}

export interface OpenContext {
  readonly crypto: CryptoProvider;
  /** The injected clock's time at classification, Unix milliseconds. */
  readonly now: number;
  /** The candidate conversation (its id matched the hint). */
  readonly conversation: ConversationRef;
  /** The content topic the message arrived on; always the conversation's own topic. */
  readonly contentTopic: string;
  readonly hint: HintMatch;
  /** Whether a conversation with this id is already known (lets an inbox refuse a replayed invite early). */
  isKnownConversation(id: string): boolean;
  /**
   * Hands an invite found inside an inbox frame to the type that claims its arm (see
   * `ConversationTypeRuntime.inbox`). Pure like `open`: returns the conversation to start, commits nothing.
   * Returns `{ ok: false, reason: "unclaimed-invite" }` when no registered type claims `arm`.
   */
  claimInvite(arm: string, invite: unknown): AcceptResult;
}

/** What `open` returns. `reason` is a kebab-case code listed in the type's decoding tree. */
export type OpenResult<S = unknown, F = unknown> =
  | {
      readonly ok: true;
      readonly frame: F;
      readonly nextState: S;
      /** Conversations this message starts (an inbox's accepted invites); the caller commits them too. */
      readonly started?: readonly StartedConversation[];
    }
  | {
      readonly ok: false;
      readonly reason: string;
      /** What exactly failed, in words for logs and error events (never secret material). */
      readonly detail?: string;
    };

export interface StartedConversation<S = unknown, F = unknown> {
  readonly conversation: ConversationRef;
  /** Initial state, encoded with the runtime of `conversation.type`. */
  readonly state: S;
  /** The first frame, when the invite carried one (e.g. PrivateV1's initial message). */
  readonly frame?: F;
}

/**
 * The only codes a claimant may refuse an invite with: an inbox reports them as its own, so its decoding tree
 * lists exactly these (whatever type claims the invite).
 */
export const INVITE_REFUSALS = [
  "invite-malformed",
  "invite-unknown-discriminator",
  "conversation-exists",
  "invite-initial-refused",
] as const;
export type InviteRefusal = (typeof INVITE_REFUSALS)[number];

export type AcceptResult<S = unknown, F = unknown> =
  | ({ readonly ok: true } & StartedConversation<S, F>)
  // "unclaimed-invite" and "internal-error" come from the framework's `claimInvite`, never from a claimant.
  | { readonly ok: false; readonly reason: InviteRefusal | "unclaimed-invite" | "internal-error" };

/** A type that starts conversations from invites delivered to an inbox. */
export interface InboxClaim<S = unknown, F = unknown> {
  /** The `InboxV1Frame` oneof arms it claims, e.g. ["invitePrivateV1"]; unique across a registry. */
  readonly arms: readonly string[];
  /**
   * Starts a conversation from an invite. `invite` is whatever the inbox type passes for that arm (the two
   * types agree on its shape); `ctx` is the inbox message's context. PURE: commits nothing.
   */
  accept(arm: string, invite: unknown, ctx: OpenContext): AcceptResult<S, F>;
}

/**
 * One object per conversation type (exported by `conversations/<type>/index.ts`).
 * `S` is the type's conversation state, `F` its decoded frame.
 */
export interface ConversationTypeRuntime<S = unknown, F = unknown> {
  readonly spec: ConversationTypeSpec;
  /**
   * Opens one payload addressed to this conversation. The decoder has already checked that the payload's
   * arm is one of `spec.encryption.payloadArms`. MUST NOT mutate `state` (return a new object) and MUST NOT
   * throw on bad input (a throw is reported as badly-formed "internal-error").
   */
  open(state: S, payload: EncryptedPayload, ctx: OpenContext): OpenResult<S, F>;
  /** Serialises state for the store. */
  encodeState(state: S): Uint8Array;
  /** Total: returns undefined for bytes that are not a valid state of this type. */
  decodeState(bytes: Uint8Array): S | undefined;
  /** Present when the type can be started by an invite arriving at an inbox. */
  readonly inbox?: InboxClaim<S, F>;
  /** Present when the type's envelopes carry a hint only the conversation's owner can recognise. */
  readonly secretHints?: SecretHints<S>;
  /** Everything beyond receiving: start, send, periodic work, control payloads (lifecycle.ts). */
  readonly lifecycle?: TypeLifecycle<S, F>;
}

/** A runtime of any type, as the registry and decoder hold them. */
export type AnyConversationTypeRuntime = ConversationTypeRuntime<unknown, unknown>;
