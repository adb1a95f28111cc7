/**
 * The PRIVATE1 pipeline as pure functions over `PrivateV1State`:
 *   send:    frame → segmentation → SDS → Double Ratchet → EncryptedPayload(s)
 *   receive: EncryptedPayload → Double Ratchet → SDS (causal order) → reassembly → frame
 * Nothing here writes or publishes: every function returns the next state and what to send, and the caller
 * commits the state before publishing.
 */
import { concatBytes, constantTimeEqual, fromHex, toHex, utf8, zeroize } from "../../base/bytes.js";
import { ParleyError } from "../../base/errors.js";
import type { CryptoProvider, X25519KeyPair } from "../../crypto/provider.js";
import { decodeEncryptedPayload, encodeEncryptedPayload } from "../../framework/envelope.js";
import { deliveryAddress, contentTopic as topicFor } from "../../framework/topics.js";
import {
  DEFAULT_MAX_SKIP,
  DEFAULT_SKIPPED_KEY_MAX_AGE_MS,
  DoubleRatchet,
  fromDoubleratchetProto,
  type RatchetState,
  toDoubleratchetProto,
} from "../../primitives/ratchet/index.js";
import {
  resolveSdsConfig,
  Sds,
  type SdsEvent,
  type SdsOptions,
  type SdsOutgoing,
  type SdsReceiveStatus,
} from "../../primitives/sds/index.js";
import {
  EMPTY_REASSEMBLY,
  Reassembler,
  SegmentationError,
  segmentPayload,
  segmentSdsId,
} from "../../primitives/segmentation/index.js";
import { decodeFrame, encodeFrame, frameId, type PrivateV1FrameBody } from "../../wire/hand/private-v1-frame.js";
import { create, type EncryptedPayload, EncryptedPayloadSchema, type PrivateV1SessionReset } from "../../wire/index.js";
import { privateV1Base, privateV1Ids, type Role } from "./ids.js";
import { makeReset, openReset } from "./reset.js";
import type { PrivateV1Reason } from "./spec.js";
import type { OutboundFrame, PendingInvite, PrivateV1State } from "./state.js";

export const PRIVATE_V1 = "PrivateV1";

/**
 * PRIVATE1 max_seg_size. A segment of this size plus the SDS message (sync messages carry the 3,752-byte
 * Bloom filter but no content), the ratchet header and AEAD (≈80 bytes), the envelope (≈85 bytes) and the Waku
 * message fields stays far below 150 KiB (153,600 bytes): `test/private-v1/limits.test.ts` checks the largest
 * possible payload.
 */
export const MAX_SEG_SIZE = 100_000;
/** 255 segments of MAX_SEG_SIZE, minus the frame's own fields. */
export const MAX_FRAME_BYTES = 255 * MAX_SEG_SIZE;
/** Bytes of a conversation's delivery address (protocol constant: both sides derive it). */
export const PRIVATE_ADDRESS_BYTES = 2;

export interface PrivateV1Options {
  readonly maxSkip?: number;
  readonly skippedKeyMaxAgeMs?: number;
  /**
   * SDS timers and bounds. PrivateV1 fixes three of them whatever is passed: acknowledgements are exact (no
   * transitive acks; a Bloom filter hit makes a message possibly acknowledged, never acknowledged), and the
   * sealed ciphertext of each message is kept and resent (its SDS bytes too, to seal it again after a session
   * reset). Unless given, a missing
   * message of the peer is declared lost one day after the sender's own give-up bound.
   */
  readonly sds?: SdsOptions;
  /** Incomplete multi-segment frames are dropped after this long (ms). Default: the SDS incoming-lost bound. */
  readonly reassemblyTimeoutMs?: number;
  /**
   * This installation's key pair (the conversation's `selfKey`): needed to make or accept a session reset
   * (reset.ts). Without it the engine never resets and refuses resets.
   */
  readonly identity?: X25519KeyPair;
  /**
   * Session reset policy: when at least `resetAfterFailures` payloads of a conversation failed to open over at
   * least `resetAfterMs` with none opening in between, the next sweep starts a new session; at most one
   * reset per `resetBackoffMs`. Defaults 3, 10 minutes, 30 minutes.
   */
  readonly resetAfterFailures?: number;
  readonly resetAfterMs?: number;
  readonly resetBackoffMs?: number;
  /** Most sealed segments on the wire unacknowledged; later ones wait their turn. Default 256. */
  readonly sendWindow?: number;
}

/** A receiver waits this much longer than a sender keeps resending before it declares a message lost. */
const LOST_MARGIN_MS = 24 * 3_600_000;
/** Ciphertexts of recently received messages remembered to recognise a resend of one (see `receipts`). */
export const MAX_RECEIPTS = 1000;

export type PrivateV1ErrorCode = "content-too-large" | "cannot-send";

export class PrivateV1Error extends ParleyError {
  declare readonly code: PrivateV1ErrorCode;
  constructor(code: PrivateV1ErrorCode, message: string) {
    super(code, message);
  }
}

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

/** The machinery of one configuration, built once per client. */
export class PrivateV1Engine {
  readonly sds: Sds;
  readonly reassembler: Reassembler;
  readonly maxSkip: number;
  readonly skippedKeyMaxAgeMs: number;
  readonly resetAfterFailures: number;
  readonly resetAfterMs: number;
  readonly resetBackoffMs: number;
  readonly sendWindow: number;

  constructor(
    readonly crypto: CryptoProvider,
    readonly options: PrivateV1Options = {},
  ) {
    const giveUp = resolveSdsConfig(options.sds).giveUpAfterMs;
    this.sds = new Sds({
      incomingLostAfterMs: giveUp + LOST_MARGIN_MS,
      ...options.sds,
      transitiveAcks: false,
      possibleAcksThreshold: Number.POSITIVE_INFINITY,
      // Kept to seal unacknowledged messages again in a new session (a reset); resends use the ciphertext.
      retainOutgoingBytes: true,
    });
    this.resetAfterFailures = options.resetAfterFailures ?? 3;
    this.resetAfterMs = options.resetAfterMs ?? 10 * 60_000;
    this.resetBackoffMs = options.resetBackoffMs ?? 30 * 60_000;
    this.sendWindow = Math.max(1, options.sendWindow ?? 256);
    this.maxSkip = options.maxSkip ?? DEFAULT_MAX_SKIP;
    this.skippedKeyMaxAgeMs = options.skippedKeyMaxAgeMs ?? DEFAULT_SKIPPED_KEY_MAX_AGE_MS;
    // A partial frame waits as long as the missing message it waits for may still come.
    this.reassembler = new Reassembler(crypto, {
      maxSegmentSize: MAX_SEG_SIZE,
      timeoutMs: options.reassemblyTimeoutMs ?? this.sds.config.incomingLostAfterMs,
    });
  }

  /**
   * Work a conversation's next sweep must do that no stored state records, keyed by local conversation id:
   * acknowledgements to repeat for resends recognised as replays. It is derived from input that the ratchet
   * could not authenticate again (the message key was used), so it is kept in memory only and never changes
   * stored state by itself; losing it (a restart) only costs one more resend.
   */
  readonly #reacks = new Map<string, Set<string>>();
  /**
   * Payloads of a conversation that failed to open since the last one that opened, by local id: what a
   * session reset is decided on. Memory only, like `#reacks`: unauthenticated input never changes stored
   * state, and a restart only delays a reset.
   */
  readonly #failures = new Map<string, { count: number; since: number }>();

  /**
   * The ratchet of one conversation. Its AEAD associated data binds every message to both installation keys
   * (initiator first): a ciphertext cannot be accepted under another pair of identities.
   */
  ratchet(state: Pick<PrivateV1State, "role" | "selfKey" | "peerKey">): DoubleRatchet {
    const [i, r] = state.role === "initiator" ? [state.selfKey, state.peerKey] : [state.peerKey, state.selfKey];
    return new DoubleRatchet({
      crypto: this.crypto,
      associatedData: concatBytes(utf8("PrivateV1"), i, r),
      maxSkip: this.maxSkip,
      skippedKeyMaxAgeMs: this.skippedKeyMaxAgeMs,
    });
  }

  /** The topic both sides of a conversation use: derived from the shared secret, so only they know it. */
  contentTopic(sk: Uint8Array): string {
    return topicFor(deliveryAddress(this.crypto, PRIVATE_V1, privateV1Base(this.crypto, sk), PRIVATE_ADDRESS_BYTES));
  }

  #newState(
    role: Role,
    sk: Uint8Array,
    keys: { selfKey: Uint8Array; peerKey: Uint8Array },
    ratchet: RatchetState,
    now: number,
  ): PrivateV1State {
    const ids = privateV1Ids(this.crypto, sk, role);
    // One SDS channel per conversation; both sides name it by the initiator's id.
    const channelId = role === "initiator" ? ids.local : ids.remote;
    return {
      role,
      localId: ids.local,
      remoteId: ids.remote,
      contentTopic: this.contentTopic(sk),
      selfKey: keys.selfKey.slice(),
      peerKey: keys.peerKey.slice(),
      createdAt: now,
      lastFrameTimestamp: 0,
      ratchet,
      sds: this.sds.init(channelId, ids.local, now),
      reassembly: EMPTY_REASSEMBLY,
      outbound: [],
      invite: undefined,
      receipts: new Uint8Array(0),
      lostFrames: [],
      generation: 0,
      sessionSince: undefined,
      resetAt: undefined,
      pendingReset: undefined,
    };
  }

  /** Initiator: the state right after the handshake (PRIVATE1 `ssk` is the ratchet's fresh key, `rsk` the bundle key). */
  initiator(
    sk: Uint8Array,
    bundleKey: Uint8Array,
    selfKey: Uint8Array,
    peerKey: Uint8Array,
    now: number,
  ): PrivateV1State {
    const keys = { selfKey, peerKey };
    const ratchet = this.ratchet({ role: "initiator", ...keys }).initSender(sk, bundleKey);
    return this.#newState("initiator", sk, keys, ratchet, now);
  }

  /** Responder: ratchet seeded with the bundle key pair the initiator used. */
  responder(
    sk: Uint8Array,
    bundleKey: { publicKey: Uint8Array; secretKey: Uint8Array },
    selfKey: Uint8Array,
    peerKey: Uint8Array,
    now: number,
  ): PrivateV1State {
    const keys = { selfKey, peerKey };
    const ratchet = this.ratchet({ role: "responder", ...keys }).initReceiver(sk, bundleKey);
    return this.#newState("responder", sk, keys, ratchet, now);
  }

  withInvite(state: PrivateV1State, invite: PendingInvite): PrivateV1State {
    return { ...state, invite };
  }

  /** Sends one frame. Throws PrivateV1Error("content-too-large") beyond 255 segments. */
  send(
    state: PrivateV1State,
    body: PrivateV1FrameBody,
    now: number,
  ): { state: PrivateV1State; messageId: string; timestamp: number; outgoing: OutgoingPayload[] } {
    const timestamp = Math.max(now, state.lastFrameTimestamp + 1);
    const frameBytes = encodeFrame(state.localId, timestamp, body);
    let segments: Uint8Array[];
    try {
      segments = segmentPayload(this.crypto, frameBytes, { maxSegmentSize: MAX_SEG_SIZE });
    } catch (e) {
      if (e instanceof SegmentationError) throw new PrivateV1Error("content-too-large", e.message);
      throw e;
    }
    const messageId = frameId(this.crypto, frameBytes);
    let sds = state.sds;
    const sent: SdsOutgoing[] = [];
    const sdsIds: string[] = [];
    for (const segment of segments) {
      const id = segmentSdsId(this.crypto, segment);
      const step = this.sds.send(sds, segment, id, now);
      sds = step.state;
      sdsIds.push(id);
      sent.push(...step.outgoing);
    }
    const outbound: OutboundFrame = {
      messageId,
      segments: sdsIds,
      payloads: sdsIds.map(() => UNSEALED),
      acked: [],
      possiblyAcked: [],
      createdAt: now,
    };
    const sealed = this.#sealPending(
      { ...state, sds, lastFrameTimestamp: timestamp, outbound: [...state.outbound, outbound] },
      now,
    );
    return { state: sealed.state, messageId, timestamp, outgoing: sealed.outgoing };
  }

  /**
   * Seals unsent segments, oldest first, while fewer than `sendWindow` sealed segments are unacknowledged.
   * Each sealed ciphertext is kept: a resend is the same ratchet message, so resending never consumes the
   * sending chain and the receiver recognises it. The window bounds what is on the wire unacknowledged:
   * what a receiver must recognise when it comes again (its receipts), and what one resend round costs.
   * Segments beyond it wait, already ordered by SDS, and go out as acknowledgements come in.
   */
  #sealPending(state: PrivateV1State, now: number): { state: PrivateV1State; outgoing: OutgoingPayload[] } {
    if (!canSend(state.ratchet)) return { state, outgoing: [] };
    let inFlight = 0;
    let unsealed = 0;
    for (const o of state.outbound)
      o.segments.forEach((id, i) => {
        if (o.acked.includes(id)) return;
        if ((o.payloads[i]?.length ?? 0) > 0) inFlight++;
        else unsealed++;
      });
    let budget = Math.min(unsealed, this.sendWindow - inFlight);
    if (budget <= 0) return { state, outgoing: [] };
    const bytes = new Map(state.sds.outgoing.map((m) => [m.messageId, m.bytes] as const));
    const dr = this.ratchet(state);
    let ratchet = state.ratchet;
    const outgoing: OutgoingPayload[] = [];
    const sealedIds: string[] = [];
    const outbound = state.outbound.map((o) => {
      if (budget <= 0) return o;
      let payloads: Uint8Array[] | undefined;
      o.segments.forEach((id, i) => {
        if (budget <= 0 || o.acked.includes(id) || (o.payloads[i]?.length ?? 0) > 0) return;
        const plain = bytes.get(id);
        if (!plain || plain.length === 0) return; // given up or acknowledged meanwhile
        const r = dr.encrypt(ratchet, plain, now);
        ratchet = r.state;
        const payload = create(EncryptedPayloadSchema, {
          encryption: { case: "doubleratchet", value: toDoubleratchetProto(r.message) },
        });
        payloads ??= o.segments.map((_, j) => o.payloads[j] ?? UNSEALED);
        payloads[i] = encodeEncryptedPayload(payload);
        outgoing.push({ conversationHint: state.remoteId, contentTopic: state.contentTopic, payload, sdsId: id });
        sealedIds.push(id);
        budget--;
      });
      return payloads ? { ...o, payloads } : o;
    });
    // The resend timer of a segment starts when it is first on the wire.
    const sds = this.sds.touch(state.sds, sealedIds, now);
    return { state: { ...state, ratchet, outbound, sds }, outgoing };
  }

  #encryptAll(
    state: PrivateV1State,
    messages: readonly SdsOutgoing[],
    now: number,
  ): { state: PrivateV1State; outgoing: OutgoingPayload[] } {
    const dr = this.ratchet(state);
    let ratchet = state.ratchet;
    const outgoing: OutgoingPayload[] = [];
    for (const m of messages) {
      if (m.kind === "resend") {
        // Only what is on the wire is resent, as it was first sent; the rest waits for `#sealPending`.
        const resent = this.#resendPayload(state, m.messageId);
        if (resent) outgoing.push({ ...resent, sdsId: m.messageId });
        continue;
      }
      // Content is sealed by `#sealPending`; here only sync messages (acknowledgements). A new session we
      // answer (a reset) cannot send before its first message arrives: the acknowledgements are owed again
      // when the peer resends.
      if (m.kind === "content" || !canSend(ratchet)) continue;
      const r = dr.encrypt(ratchet, m.bytes, now);
      ratchet = r.state;
      const payload = create(EncryptedPayloadSchema, {
        encryption: { case: "doubleratchet", value: toDoubleratchetProto(r.message) },
      });
      outgoing.push({ conversationHint: state.remoteId, contentTopic: state.contentTopic, payload });
    }
    return { state: { ...state, ratchet }, outgoing };
  }

  /** The exact payload an SDS message was first sent in (the invite, or its kept ciphertext), if known. */
  #resendPayload(state: PrivateV1State, sdsId: string): Omit<OutgoingPayload, "sdsId"> | undefined {
    if (state.invite && sdsId === state.invite.sdsId) {
      const invite = decodeEncryptedPayload(state.invite.payload);
      if (!invite.ok) return undefined;
      return {
        conversationHint: state.invite.conversationHint,
        contentTopic: state.invite.contentTopic,
        payload: invite.value,
      };
    }
    for (const o of state.outbound) {
      const at = o.segments.indexOf(sdsId);
      if (at < 0) continue;
      const bytes = o.payloads[at];
      const payload = bytes && bytes.length > 0 ? decodeEncryptedPayload(bytes) : undefined;
      if (!payload?.ok) return undefined;
      return { conversationHint: state.remoteId, contentTopic: state.contentTopic, payload: payload.value };
    }
    return undefined;
  }

  /**
   * Opens one payload. Fails (state untouched) when the ratchet or SDS layer refuses it; once both accept,
   * malformed inner content from the authenticated peer is dropped and reported, not retried forever.
   */
  open(
    state: PrivateV1State,
    payload: EncryptedPayload,
    now: number,
  ): { ok: true; state: PrivateV1State; opened: PrivateV1Opened } | { ok: false; reason: PrivateV1Reason } {
    if (payload.encryption.case === "privateV1SessionReset")
      return this.#acceptReset(state, payload.encryption.value, now);
    if (payload.encryption.case !== "doubleratchet") return { ok: false, reason: "unexpected-encryption" };
    const message = fromDoubleratchetProto(payload.encryption.value);
    // A resend of a message we already have (its ciphertext is one we opened): the sender did not see our
    // acknowledgement. Its key is used, and its chain may be long gone: recognise it without decrypting.
    const resent = findReceipt(state.receipts, message.ciphertext);
    if (resent !== undefined) {
      this.#owe(state.localId, resent);
      return { ok: false, reason: "replay" };
    }
    const decrypted = this.ratchet(state).decrypt(state.ratchet, message, now);
    if (!decrypted.ok) {
      // A replay is a copy of what we opened (a resend whose receipt we no longer hold): no sign of divergence.
      if (decrypted.error.code !== "replay") this.#failed(state.localId, now);
      return { ok: false, reason: decrypted.error.code };
    }
    const received = this.sds.receive(state.sds, decrypted.plaintext, now, { expectedSenderId: state.remoteId });
    if (!received.ok) return { ok: false, reason: `sds-${received.error.code}` as const };
    this.#failures.delete(state.localId);
    // Anything opening under the current session shows the peer has it: a reset we started is done.
    let next: PrivateV1State = { ...state, ratchet: decrypted.state, sds: received.state, pendingReset: undefined };
    if (received.message.kind === "content")
      next = { ...next, receipts: rememberReceipt(state.receipts, message.ciphertext, received.message.messageId) };
    const effects = this.#apply(next, received.events, now);
    next = effects.state;
    // Acknowledgements produced by receiving (none today: SDS acks through sync messages in the sweep).
    const replies = this.#encryptAll(next, received.outgoing, now);
    return {
      ok: true,
      state: replies.state,
      opened: { kind: "private-v1", status: received.status, ...effects.effects },
    };
  }

  #owe(conversationId: string, sdsId: string): void {
    let set = this.#reacks.get(conversationId);
    if (!set) {
      set = new Set();
      this.#reacks.set(conversationId, set);
    }
    set.add(sdsId);
  }

  #failed(conversationId: string, now: number): void {
    const f = this.#failures.get(conversationId);
    if (f) f.count++;
    else this.#failures.set(conversationId, { count: 1, since: now });
  }

  /** A reset from the peer: accepted when authentic and newer (or, when both reset at once, the peer's key is lower). */
  #acceptReset(
    state: PrivateV1State,
    reset: PrivateV1SessionReset,
    now: number,
  ): { ok: true; state: PrivateV1State; opened: PrivateV1Opened } | { ok: false; reason: PrivateV1Reason } {
    const identity = this.options.identity;
    if (!identity || !constantTimeEqual(identity.publicKey, state.selfKey))
      return { ok: false, reason: "reset-unsupported" };
    const g = reset.generation;
    const concurrent =
      g === state.generation && state.pendingReset !== undefined && lowerKey(state.peerKey, state.selfKey);
    if (!(g > state.generation || concurrent)) return { ok: false, reason: "reset-replay" };
    const sk = openReset(this.crypto, identity, state.peerKey, g, reset.ephemeral, reset.tag);
    if (!sk) return { ok: false, reason: "reset-auth-failed" };
    const ratchet = this.ratchet(state).initReceiver(sk, identity);
    zeroize(sk);
    this.#failures.delete(state.localId);
    const next: PrivateV1State = {
      ...unsealAll(state),
      ratchet,
      generation: g,
      sessionSince: now,
      pendingReset: undefined,
      invite: undefined,
    };
    return { ok: true, state: next, opened: { kind: "private-v1", status: "sync", ...NO_EFFECTS } };
  }

  /** Starts the next session (see reset.ts) when the failures policy says the current one is beyond repair. */
  #maybeReset(state: PrivateV1State, now: number): { state: PrivateV1State; outgoing: OutgoingPayload[] } {
    const identity = this.options.identity;
    const f = this.#failures.get(state.localId);
    if (
      !identity ||
      !f ||
      f.count < this.resetAfterFailures ||
      now - f.since < this.resetAfterMs ||
      (state.resetAt !== undefined && now - state.resetAt < this.resetBackoffMs)
    )
      return { state, outgoing: [] };
    this.#failures.delete(state.localId);
    const generation = state.generation + 1;
    const made = makeReset(this.crypto, identity, state.peerKey, generation);
    const ratchet = this.ratchet(state).initSender(made.sk, state.peerKey);
    zeroize(made.sk);
    const payload = create(EncryptedPayloadSchema, {
      encryption: {
        case: "privateV1SessionReset",
        value: { generation, ephemeral: made.ephemeral, tag: made.tag },
      },
    });
    // The new session's first ratchet message goes with the reset: the peer can send only once it has one.
    const hello = this.sds.sync(state.sds, now, { force: true });
    const first = this.#encryptAll({ ...state, ratchet, sds: hello.state }, hello.outgoing, now);
    const next: PrivateV1State = {
      ...unsealAll(first.state),
      generation,
      sessionSince: now,
      resetAt: now,
      pendingReset: {
        generation,
        payload: encodeEncryptedPayload(payload),
        first: first.outgoing.map((o) => encodeEncryptedPayload(o.payload)),
        sentAt: now,
      },
      invite: undefined,
    };
    const ref = { conversationHint: state.remoteId, contentTopic: state.contentTopic };
    return { state: next, outgoing: [{ ...ref, payload }, ...first.outgoing] };
  }

  /** Periodic work: resends, sync messages (acknowledgements), give-up, expiry of partial frames. */
  sweep(
    state: PrivateV1State,
    now: number,
  ): { state: PrivateV1State; outgoing: OutgoingPayload[]; effects: PrivateV1Effects } {
    let sds = state.sds;
    const reacks = this.#reacks.get(state.localId);
    if (reacks) {
      this.#reacks.delete(state.localId);
      for (const id of reacks) sds = this.sds.reack(sds, id, state.remoteId, now);
    }
    let current: PrivateV1State = sds === state.sds ? state : { ...state, sds };
    const reset = this.#maybeReset(current, now);
    current = reset.state;
    // After a reset (ours, or the peer's once its first message arrived) everything unacknowledged is
    // sealed again under the new session: same SDS ids, so the peer delivers each once.
    const sealed = this.#sealPending(current, now);
    current = sealed.state;
    // After a reset the peer seals again all it has not seen acknowledged: a dependency still missing a
    // grace period later was acknowledged in the old session and will not come (a restored old state).
    const step = this.sds.sweep(
      current.sds,
      now,
      current.sessionSince !== undefined ? { lostBefore: current.sessionSince + this.resetAfterMs } : {},
    );
    const expired = this.reassembler.expire(current.reassembly, now);
    let next: PrivateV1State = { ...current, sds: step.state, reassembly: expired.state };
    const applied = this.#apply(next, step.events, now, expired.expired);
    next = applied.state;
    const sent = this.#encryptAll(next, step.outgoing, now);
    next = sent.state;
    // Acknowledgements that came in may have opened the window.
    const more = this.#sealPending(next, now);
    next = more.state;
    const outgoing = [...reset.outgoing, ...sealed.outgoing, ...sent.outgoing, ...more.outgoing];
    // A reset the peer has not answered yet travels again (with the new session's first message), ahead of
    // what it makes readable.
    const pr = next.pendingReset;
    if (
      pr &&
      reset.outgoing.length === 0 &&
      (outgoing.length > 0 || now - pr.sentAt >= this.sds.config.resendIntervalMs)
    ) {
      const again = [pr.payload, ...pr.first].map(decodeEncryptedPayload).flatMap((r) => (r.ok ? [r.value] : []));
      outgoing.unshift(
        ...again.map((payload) => ({ conversationHint: next.remoteId, contentTopic: next.contentTopic, payload })),
      );
      next = { ...next, pendingReset: { ...pr, sentAt: now } };
    }
    return { state: next, outgoing, effects: applied.effects };
  }

  /** `expired`: incomplete frames the caller's expiry dropped, reported with what the events drop. */
  #apply(
    state: PrivateV1State,
    events: readonly SdsEvent[],
    now: number,
    expired = 0,
  ): { state: PrivateV1State; effects: PrivateV1Effects } {
    let reassembly = state.reassembly;
    let outbound = state.outbound;
    let lostFrames = state.lostFrames;
    let invite = state.invite;
    const frames: ReceivedFrame[] = [];
    const updates: DeliveryUpdate[] = [];
    const missing: string[] = [];
    const lost: string[] = [];
    const dropped: string[] = new Array(expired).fill("segment-expired");
    for (const e of events) {
      switch (e.type) {
        case "delivered": {
          const r = this.reassembler.push(reassembly, state.remoteId, e.content, now);
          reassembly = r.state;
          if (r.status === "rejected") dropped.push(`segment-${r.error?.code ?? "rejected"}`);
          // Incomplete frames given up to keep the conversation's bound (bytes, count) or past their time.
          for (let i = r.expired ?? 0; i > 0; i--) dropped.push("segment-expired");
          for (let i = r.evicted ?? 0; i > 0; i--) dropped.push("segment-evicted");
          if (r.status !== "complete" || !r.payload) break;
          const frame = decodeFrame(r.payload);
          if (!frame) dropped.push("frame-decode");
          else if (frame.conversationId !== state.remoteId) dropped.push("frame-conversation-mismatch");
          else if (frame.frameType.case === undefined)
            dropped.push(frame.$unknown?.length ? "frame-unsupported" : "frame-empty");
          else {
            const body: PrivateV1FrameBody =
              frame.frameType.case === "placeholder"
                ? { case: "placeholder", value: { counter: frame.frameType.value.counter } }
                : { case: frame.frameType.case, value: frame.frameType.value };
            frames.push({ messageId: frameId(this.crypto, r.payload), timestamp: Number(frame.timestamp), body });
          }
          break;
        }
        case "acked":
        case "possibly-acked":
        case "outgoing-lost": {
          // The invite carried this message: once it is acknowledged or given up, the invite is not resent.
          if (invite && e.messageId === invite.sdsId && e.type !== "possibly-acked") invite = undefined;
          const at = outbound.findIndex((o) => o.segments.includes(e.messageId));
          if (at < 0) {
            // A late acknowledgement of a frame given up earlier: acked after all, once all its segments are.
            const gone = e.type === "acked" ? lostFrames.findIndex((o) => o.segments.includes(e.messageId)) : -1;
            if (gone < 0) break;
            const o = lostFrames[gone]!;
            const acked = o.acked.includes(e.messageId) ? o.acked : [...o.acked, e.messageId];
            if (o.segments.every((s) => acked.includes(s))) {
              updates.push({ messageId: o.messageId, state: "acked" });
              lostFrames = lostFrames.filter((_, i) => i !== gone);
            } else lostFrames = lostFrames.map((x, i) => (i === gone ? { ...o, acked } : x));
            break;
          }
          const o = outbound[at]!;
          if (e.type === "outgoing-lost") {
            updates.push({ messageId: o.messageId, state: "lost" });
            outbound = outbound.filter((_, i) => i !== at);
            // Remembered without its ciphertexts (they are not resent): a late acknowledgement still counts.
            lostFrames = [...lostFrames, { ...o, payloads: [] }].slice(-MAX_LOST_FRAMES);
            break;
          }
          const acked = e.type === "acked" && !o.acked.includes(e.messageId) ? [...o.acked, e.messageId] : o.acked;
          const possiblyAcked =
            e.type === "possibly-acked" && !o.possiblyAcked.includes(e.messageId)
              ? [...o.possiblyAcked, e.messageId]
              : o.possiblyAcked;
          const all = (ids: readonly string[]) => o.segments.every((s) => ids.includes(s));
          if (all(acked)) {
            updates.push({ messageId: o.messageId, state: "acked" });
            outbound = outbound.filter((_, i) => i !== at);
          } else {
            const wasPossibly = all([...o.acked, ...o.possiblyAcked]);
            if (!wasPossibly && all([...acked, ...possiblyAcked]))
              updates.push({ messageId: o.messageId, state: "possibly-acked" });
            outbound = outbound.map((x, i) => (i === at ? { ...o, acked, possiblyAcked } : x));
          }
          break;
        }
        case "missing":
          for (const m of e.messages) missing.push(m.messageId);
          break;
        case "incoming-lost":
          lost.push(...e.messageIds);
          break;
        default:
          break;
      }
    }
    return {
      state: { ...state, reassembly, outbound, lostFrames, invite },
      effects: { frames, deliveryUpdates: updates, missing, lost, dropped },
    };
  }
}

const UNSEALED = new Uint8Array(0);

/** Drops every kept ciphertext (a new session): what is unacknowledged is sealed again under it. */
function unsealAll(state: PrivateV1State): PrivateV1State {
  return { ...state, outbound: state.outbound.map((o) => ({ ...o, payloads: o.segments.map(() => UNSEALED) })) };
}

const NO_EFFECTS: PrivateV1Effects = { frames: [], deliveryUpdates: [], missing: [], lost: [], dropped: [] };

/** Whether a ratchet can seal now (a responder cannot before its first message arrives). */
function canSend(r: RatchetState): boolean {
  return r.sendChainKey !== undefined || r.dhRemote !== undefined;
}

/** Byte order of two keys: when both sides reset at once, the reset of the lower installation key wins. */
function lowerKey(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return a.length < b.length;
}

/** Frames given up that are remembered for a late acknowledgement. */
const MAX_LOST_FRAMES = 256;

/**
 * Receipts: for each recent received content message, 8 bytes naming its ciphertext (the end of its Poly1305
 * tag, unique per message key and nonce) and its 16-byte SDS id, packed oldest first.
 */
const RECEIPT_TAG = 8;
const RECEIPT_ID = 16;
const RECEIPT = RECEIPT_TAG + RECEIPT_ID;

function rememberReceipt(receipts: Uint8Array, ciphertext: Uint8Array, sdsId: string): Uint8Array {
  const id = fromHex(sdsId);
  if (!id || id.length !== RECEIPT_ID || ciphertext.length < RECEIPT_TAG) return receipts;
  const keep = Math.min(receipts.length, (MAX_RECEIPTS - 1) * RECEIPT);
  const out = new Uint8Array(keep + RECEIPT);
  out.set(receipts.subarray(receipts.length - keep), 0);
  out.set(ciphertext.subarray(ciphertext.length - RECEIPT_TAG), keep);
  out.set(id, keep + RECEIPT_TAG);
  return out;
}

function findReceipt(receipts: Uint8Array, ciphertext: Uint8Array): string | undefined {
  if (ciphertext.length < RECEIPT_TAG) return undefined;
  const tag = ciphertext.subarray(ciphertext.length - RECEIPT_TAG);
  outer: for (let at = receipts.length - RECEIPT; at >= 0; at -= RECEIPT) {
    for (let i = 0; i < RECEIPT_TAG; i++) if (receipts[at + i] !== tag[i]) continue outer;
    return toHex(receipts.subarray(at + RECEIPT_TAG, at + RECEIPT));
  }
  return undefined;
}
