/**
 * The PRIVATE1 pipeline as pure functions over `PrivateV1State`:
 *   send:    frame → segmentation → SDS → Double Ratchet → EncryptedPayload(s)
 *   receive: EncryptedPayload → Double Ratchet → SDS (causal order) → reassembly → frame
 * Nothing here writes or publishes: every function returns the next state and what to send, and the caller
 * commits the state before publishing.
 */
import { concatBytes, utf8 } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { decodeEncryptedPayload } from "../../framework/envelope.js";
import { deliveryAddress, contentTopic as topicFor } from "../../framework/topics.js";
import {
  DEFAULT_MAX_SKIP,
  DEFAULT_SKIPPED_KEY_MAX_AGE_MS,
  DoubleRatchet,
  fromDoubleratchetProto,
  type RatchetState,
} from "../../primitives/ratchet/index.js";
import { resolveSdsConfig, Sds, type SdsOutgoing } from "../../primitives/sds/index.js";
import {
  EMPTY_REASSEMBLY,
  Reassembler,
  SegmentationError,
  segmentPayload,
  segmentSdsId,
} from "../../primitives/segmentation/index.js";
import { encodeFrame, frameId, type PrivateV1FrameBody } from "../../wire/hand/private-v1-frame.js";
import type { EncryptedPayload } from "../../wire/index.js";
import { applyEvents } from "./deliveries.js";
import { SessionHints } from "./hints.js";
import { privateV1Base, privateV1Ids, type Role } from "./ids.js";
import {
  LOST_MARGIN_MS,
  MAX_SEG_SIZE,
  PRIVATE_ADDRESS_BYTES,
  PRIVATE_V1,
  PrivateV1Error,
  type PrivateV1Options,
} from "./options.js";
import { appendedFrame } from "./outbox.js";
import { findReceipt, NO_ACK, rememberReceipt } from "./receipts.js";
import type { OutgoingPayload, PrivateV1Effects, PrivateV1Opened } from "./results.js";
import { encryptAll, sealPending, UNSEALED } from "./seal.js";
import { acceptReset, maybeReset } from "./session-reset.js";
import type { PrivateV1Reason } from "./spec.js";
import type { OutboundFrame, PendingInvite, PrivateV1State } from "./state.js";
import { appendedSplit } from "./state-split.js";

export * from "./options.js";
export { MAX_RECEIPTS } from "./receipts.js";
export * from "./results.js";

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
  /** In-memory hints (re-acknowledgements, open failures): never stored state. */
  readonly hints = new SessionHints();

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
    return { ...this.#newState("initiator", sk, keys, ratchet, now), bundleKey: bundleKey.slice() };
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
    return { ...this.#newState("responder", sk, keys, ratchet, now), bundleKey: bundleKey.publicKey.slice() };
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
    const next: PrivateV1State = {
      ...state,
      sds,
      lastFrameTimestamp: timestamp,
      outbound: [...state.outbound, outbound],
    };
    // What is kept with the frames follows them by this one frame (outbox.ts, state.ts `splitFrames`).
    appendedFrame(state.outbound, next.outbound, outbound);
    appendedSplit(state, next, outbound);
    const sealed = sealPending(this, next, now);
    return { state: sealed.state, messageId, timestamp, outgoing: sealed.outgoing };
  }

  /**
   * Opens one payload. Fails (state untouched) when the ratchet or SDS layer refuses it; once both accept,
   * malformed inner content from the authenticated peer is dropped and reported, not retried forever.
   */
  open(
    state: PrivateV1State,
    payload: EncryptedPayload,
    now: number,
  ):
    | { ok: true; state: PrivateV1State; opened: PrivateV1Opened }
    | { ok: false; reason: PrivateV1Reason; detail?: string } {
    if (payload.encryption.case === "privateV1SessionReset")
      return acceptReset(this, state, payload.encryption.value, now);
    if (payload.encryption.case !== "doubleratchet") return { ok: false, reason: "unexpected-encryption" };
    const message = fromDoubleratchetProto(payload.encryption.value);
    // A resend of a message we already have (its ciphertext is one we opened): the sender did not see our
    // acknowledgement. Its key is used, and its chain may be long gone: recognise it without decrypting.
    const resent = findReceipt(state.receipts, message.ciphertext);
    if (resent !== undefined) {
      if (resent !== NO_ACK) this.hints.owe(state.localId, resent);
      return { ok: false, reason: "replay" };
    }
    const decrypted = this.ratchet(state).decrypt(state.ratchet, message, now);
    if (!decrypted.ok) {
      // A replay is a copy of what we opened (a resend whose receipt we no longer hold): no sign of divergence.
      if (decrypted.error.code !== "replay") this.hints.failed(state.localId, now);
      return { ok: false, reason: decrypted.error.code, detail: decrypted.error.message };
    }
    const received = this.sds.receive(state.sds, decrypted.plaintext, now, { expectedSenderId: state.remoteId });
    if (!received.ok)
      return { ok: false, reason: `sds-${received.error.code}` as const, detail: received.error.message };
    this.hints.opened(state.localId);
    // Anything opening under the current session shows the peer has it: a reset we started is done.
    let next: PrivateV1State = { ...state, ratchet: decrypted.state, sds: received.state, pendingReset: undefined };
    // Every payload opened gets a receipt, so a copy of it is known for a replay long after its chain is gone.
    const receipt = received.message.kind === "content" ? received.message.messageId : NO_ACK;
    next = { ...next, receipts: rememberReceipt(state.receipts, message.ciphertext, receipt) };
    const effects = applyEvents(this, next, received.events, now);
    next = effects.state;
    // Acknowledgements produced by receiving (none today: SDS acks through sync messages in the sweep).
    const replies = encryptAll(this, next, received.outgoing, now);
    return {
      ok: true,
      state: replies.state,
      opened: { kind: "private-v1", status: received.status, ...effects.effects },
    };
  }

  /** Periodic work: resends, sync messages (acknowledgements), give-up, expiry of partial frames. */
  sweep(
    state: PrivateV1State,
    now: number,
  ): { state: PrivateV1State; outgoing: OutgoingPayload[]; effects: PrivateV1Effects } {
    let sds = state.sds;
    for (const id of this.hints.takeReacks(state.localId) ?? []) sds = this.sds.reack(sds, id, state.remoteId, now);
    let current: PrivateV1State = sds === state.sds ? state : { ...state, sds };
    const reset = maybeReset(this, current, now);
    current = reset.state;
    // After a reset (ours, or the peer's once its first message arrived) everything unacknowledged is
    // sealed again under the new session: same SDS ids, so the peer delivers each once.
    const sealed = sealPending(this, current, now);
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
    const applied = applyEvents(this, next, step.events, now, expired.expired);
    next = applied.state;
    const sent = encryptAll(this, next, step.outgoing, now);
    next = sent.state;
    // Acknowledgements that came in may have opened the window.
    const more = sealPending(this, next, now);
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
}
