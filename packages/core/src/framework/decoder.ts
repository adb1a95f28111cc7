/**
 * Deterministic decoding: `classify(bytes, contentTopic)` puts every message into exactly one of
 * `readable`, `badly-formed` (with a reason code) or `not-for-me` (or `receive`: handed to a type that
 * classifies in its step's transaction), following `FRAMEWORK_DECODING_TREE` and
 * then the candidate type's own tree (its runtime's `open`).
 *
 * Total: it never throws, on any input. Side-effect free: it only reads the store, and runtimes are pure,
 * so nothing a message does during classification changes stored state. A readable result carries the
 * store writes that apply it (`writes`); the caller commits them with the message's other effects.
 */
import type { Clock } from "../base/clock.js";
import type { CryptoProvider } from "../crypto/provider.js";
import type { EncryptedPayload } from "../wire/index.js";
import { conversationWriteOps, loadState, stateWriteOp } from "./conversation-store.js";
import { MAX_PAYLOAD_BYTES } from "./delivery.js";
import { decodeEncryptedPayload, decodeEnvelope } from "./envelope.js";
import { type HintCandidate, HintIndex } from "./hints.js";
import type { Registry } from "./registry.js";
import type {
  AcceptResult,
  AnyConversationTypeRuntime,
  ConversationRef,
  HintMatch,
  OpenContext,
  StartedConversation,
} from "./runtime.js";
import type { Store, WriteOp } from "./store.js";
import type { FrameworkReason } from "./type-spec.js";

export type { FrameworkReason };

/**
 * Reason codes the framework itself produces (types add their own, listed in their decoding trees): exactly
 * the reasons of FRAMEWORK_DECODING_TREE (`FrameworkReason` is derived from the tree; a test holds this list to it).
 */
export const FRAMEWORK_REASONS: readonly FrameworkReason[] = [
  "too-large",
  "envelope-decode",
  "hint-missing",
  "hint-too-long",
  "payload-missing",
  "payload-decode",
  "payload-empty",
  "unexpected-encryption",
  "state-unavailable",
  "unknown-type",
  "conversation-exists",
  "internal-error",
];

export const MAX_HINT_LENGTH = 512;

export interface Readable {
  readonly kind: "readable";
  readonly conversation: ConversationRef;
  readonly frame: unknown;
  readonly nextState: unknown;
  readonly hint: HintMatch;
  /** Conversations this message starts (with their first frame when the invite carried one). */
  readonly started: readonly StartedConversation[];
  /** The store writes that apply this message: the next state, and records and states of started ones. */
  readonly writes: readonly WriteOp[];
}

/**
 * For a type that receives transactionally (`lifecycle.receive`: its state spans many records): the envelope
 * is addressed to `conversation` and its payload arm is the type's; the caller hands `payload` to the type
 * in its step's transaction, which classifies it further.
 */
export interface ToReceive {
  readonly kind: "receive";
  readonly conversation: ConversationRef;
  readonly payload: EncryptedPayload;
  readonly hint: HintMatch;
}

export interface BadlyFormed {
  readonly kind: "badly-formed";
  readonly reason: string;
  /** What exactly failed, when the type said (words for logs, never secret material). */
  readonly detail?: string;
  /** The conversation the hint designated, when it got that far. */
  readonly conversation?: ConversationRef;
}

export interface NotForMe {
  readonly kind: "not-for-me";
}

export type Classification = Readable | ToReceive | BadlyFormed | NotForMe;

export interface DecoderOptions {
  readonly registry: Registry;
  readonly crypto: CryptoProvider;
  /** Read only: the decoder never writes. */
  readonly store: Store;
  readonly clock: Clock;
  /** Known conversations per topic; the client adds conversations it creates or loads. */
  readonly index?: HintIndex;
  /** Override where states come from (e.g. a client cache); defaults to the store's state namespace. */
  readonly loadState?: (ref: ConversationRef) => Promise<Uint8Array | undefined>;
}

const NOT_FOR_ME: NotForMe = Object.freeze({ kind: "not-for-me" });
const REASON = /^[a-z][a-z0-9-]{0,63}$/;
/** A type's detail is cut to this many characters (it is for reading, not for parsing). */
const MAX_DETAIL = 200;

export class Decoder {
  readonly index: HintIndex;
  readonly #registry: Registry;
  readonly #crypto: CryptoProvider;
  readonly #clock: Clock;
  readonly #loadState: (ref: ConversationRef) => Promise<Uint8Array | undefined>;

  constructor(options: DecoderOptions) {
    this.index = options.index ?? new HintIndex();
    this.#registry = options.registry;
    this.#crypto = options.crypto;
    this.#clock = options.clock;
    const store = options.store;
    this.#loadState = options.loadState ?? ((ref) => loadState(store, ref));
  }

  /** Exactly one of readable / badly-formed / not-for-me. Never throws, never writes. */
  async classify(bytes: Uint8Array, contentTopic: string): Promise<Classification> {
    try {
      return await this.#classify(bytes, contentTopic);
    } catch {
      return badlyFormed("internal-error");
    }
  }

  async #classify(bytes: Uint8Array, contentTopic: string): Promise<Classification> {
    if (!(bytes instanceof Uint8Array) || typeof contentTopic !== "string") return badlyFormed("internal-error");
    if (bytes.length > MAX_PAYLOAD_BYTES) return badlyFormed("too-large");
    const env = decodeEnvelope(bytes);
    if (!env.ok) return badlyFormed("envelope-decode");
    const { conversationHint: hint, salt, payload } = env.value;
    if (hint.length === 0) return badlyFormed("hint-missing");
    if (hint.length > MAX_HINT_LENGTH) return badlyFormed("hint-too-long");

    const candidates = this.index.match(contentTopic, hint, salt);
    if (candidates.length === 0) return this.#classifySecret(contentTopic, hint, salt, payload);
    const first = candidates[0]!.conversation;
    if (payload.length === 0) return badlyFormed("payload-missing", first);
    const decoded = decodeEncryptedPayload(payload);
    if (!decoded.ok) return badlyFormed("payload-decode", first);
    if (decoded.value.encryption.case === undefined) return badlyFormed("payload-empty", first);

    // Candidates share an id in practice (raw and salted forms, or one id used by two types); the first
    // that opens wins, otherwise the first one's reason is reported.
    let failure: BadlyFormed | undefined;
    for (const candidate of candidates) {
      const result = await this.#tryCandidate(candidate, decoded.value, contentTopic);
      if (result.kind !== "badly-formed") return result;
      failure ??= result;
    }
    return failure!;
  }

  /**
   * No id hint matched: the conversations on this topic whose type has secret hints may still recognise the
   * envelope. A topic without such conversations costs one map lookup per type on it, and nothing else.
   */
  async #classifySecret(
    contentTopic: string,
    hint: string,
    salt: bigint,
    payload: Uint8Array,
  ): Promise<Classification> {
    const owners: [AnyConversationTypeRuntime, readonly ConversationRef[]][] = [];
    for (const [type, refs] of this.index.conversationsByType(contentTopic)) {
      const runtime = this.#registry.runtime(type);
      if (runtime?.secretHints) owners.push([runtime, refs]);
    }
    if (owners.length === 0 || payload.length === 0) return NOT_FOR_ME;
    // Whatever does not decode cannot be recognised by anyone: not for us, like an unknown hint.
    const decoded = decodeEncryptedPayload(payload);
    if (!decoded.ok || decoded.value.encryption.case === undefined) return NOT_FOR_ME;
    const envelope = { hint, salt, payload: decoded.value };
    for (const [runtime, refs] of owners) {
      for (const ref of refs) {
        const state = await this.#state(runtime, ref);
        if (state === UNAVAILABLE) continue;
        if (guard(() => runtime.secretHints!.matches(state, envelope, this.#crypto)) !== true) continue;
        if (!acceptsArm(runtime, decoded.value)) return badlyFormed("unexpected-encryption", ref);
        return this.#open(runtime, ref, state, decoded.value, contentTopic, { form: "secret", salt });
      }
    }
    return NOT_FOR_ME;
  }

  async #tryCandidate(
    c: HintCandidate,
    payload: EncryptedPayload,
    contentTopic: string,
  ): Promise<Readable | ToReceive | BadlyFormed> {
    const ref = c.conversation;
    const runtime = this.#registry.runtime(ref.type);
    if (!runtime) return badlyFormed("unknown-type", ref);
    if (!acceptsArm(runtime, payload)) return badlyFormed("unexpected-encryption", ref);
    if (typeof runtime.lifecycle?.receive === "function")
      return { kind: "receive", conversation: ref, payload, hint: c.match };
    const state = await this.#state(runtime, ref);
    if (state === UNAVAILABLE) return badlyFormed("state-unavailable", ref);
    return this.#open(runtime, ref, state, payload, contentTopic, c.match);
  }

  /** The conversation's decoded state, or UNAVAILABLE when it is missing or does not decode. */
  async #state(runtime: AnyConversationTypeRuntime, ref: ConversationRef): Promise<unknown> {
    let stateBytes: Uint8Array | undefined;
    try {
      stateBytes = await this.#loadState(ref);
    } catch {
      return UNAVAILABLE;
    }
    if (stateBytes === undefined) return UNAVAILABLE;
    const state = guard(() => runtime.decodeState(stateBytes));
    return state === undefined || state === FAILED ? UNAVAILABLE : state;
  }

  /** Runs the type's `open` on a candidate whose state is loaded, and collects the writes that apply it. */
  #open(
    runtime: AnyConversationTypeRuntime,
    ref: ConversationRef,
    state: unknown,
    payload: EncryptedPayload,
    contentTopic: string,
    match: HintMatch,
  ): Readable | BadlyFormed {
    const ctx = this.#context(ref, contentTopic, match);
    const opened = guard(() => runtime.open(state, payload, ctx));
    if (opened === FAILED || typeof opened !== "object" || opened === null) return badlyFormed("internal-error", ref);
    if (!opened.ok) {
      // The type's own code (its runtime types it from its tree); anything that is not a code is the framework's.
      if (typeof opened.reason === "string" && REASON.test(opened.reason)) {
        const detail = typeof opened.detail === "string" ? opened.detail.slice(0, MAX_DETAIL) : undefined;
        return { kind: "badly-formed", reason: opened.reason, ...(detail && { detail }), conversation: ref };
      }
      return badlyFormed("internal-error", ref);
    }

    // Encode here so a state the runtime cannot serialise is caught now, not after the caller commits.
    const writes: WriteOp[] = [];
    const next = guard(() => runtime.encodeState(opened.nextState));
    if (!(next instanceof Uint8Array)) return badlyFormed("internal-error", ref);
    writes.push(stateWriteOp(ref, next));

    const started = opened.started ?? [];
    const seen = new Set<string>();
    for (const s of started) {
      const sref = s?.conversation;
      if (
        !sref ||
        typeof sref.id !== "string" ||
        typeof sref.type !== "string" ||
        typeof sref.contentTopic !== "string"
      ) {
        return badlyFormed("internal-error", ref);
      }
      const sruntime = this.#registry.runtime(sref.type);
      if (!sruntime) return badlyFormed("unknown-type", ref);
      // A replayed invite must never start a second conversation.
      if (this.index.has(sref.id) || seen.has(sref.id)) return badlyFormed("conversation-exists", ref);
      seen.add(sref.id);
      const bytes = guard(() => sruntime.encodeState(s.state));
      if (!(bytes instanceof Uint8Array)) return badlyFormed("internal-error", ref);
      writes.push(...conversationWriteOps(sref, bytes));
    }
    return {
      kind: "readable",
      conversation: ref,
      frame: opened.frame,
      nextState: opened.nextState,
      hint: match,
      started,
      writes,
    };
  }

  #context(conversation: ConversationRef, contentTopic: string, hint: HintMatch): OpenContext {
    const registry = this.#registry;
    const index = this.index;
    const ctx: OpenContext = {
      crypto: this.#crypto,
      now: this.#clock.now(),
      conversation,
      contentTopic,
      hint,
      isKnownConversation: (id) => index.has(id),
      claimInvite: (arm, invite): AcceptResult => {
        const claimant: AnyConversationTypeRuntime | undefined = registry.inboxClaimant(arm);
        if (!claimant?.inbox) return { ok: false, reason: "unclaimed-invite" };
        const r = guard(() => claimant.inbox!.accept(arm, invite, ctx));
        if (r === FAILED || typeof r !== "object" || r === null) return { ok: false, reason: "internal-error" };
        return r;
      },
    };
    return ctx;
  }
}

const FAILED: unique symbol = Symbol("failed");
/** A state that is missing or does not decode. */
const UNAVAILABLE: unique symbol = Symbol("state-unavailable");

function acceptsArm(runtime: AnyConversationTypeRuntime, payload: EncryptedPayload): boolean {
  return runtime.spec.encryption.payloadArms.includes(payload.encryption.case!);
}

/** Runs runtime code; a throw becomes FAILED so classification stays total. */
function guard<T>(fn: () => T): T | typeof FAILED {
  try {
    return fn();
  } catch {
    return FAILED;
  }
}

function badlyFormed(reason: FrameworkReason, conversation?: ConversationRef): BadlyFormed {
  return conversation ? { kind: "badly-formed", reason, conversation } : { kind: "badly-formed", reason };
}
