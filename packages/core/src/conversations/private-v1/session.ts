/**
 * The PRIVATE1 pipeline as pure functions over `PrivateV1State`:
 *   send:    frame → segmentation → SDS → Double Ratchet → EncryptedPayload(s)
 *   receive: EncryptedPayload → Double Ratchet → SDS (causal order) → reassembly → frame
 * Nothing here writes or publishes: every function returns the next state and what to send, and the caller
 * commits the state before publishing.
 */
import { concatBytes, fromHex, toHex, utf8 } from "../../base/bytes.js";
import { ParleyError } from "../../base/errors.js";
import type { CryptoProvider } from "../../crypto/provider.js";
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
  messageIdFor,
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
} from "../../primitives/segmentation/index.js";
import { create, type EncryptedPayload, EncryptedPayloadSchema } from "../../wire/index.js";
import { decodeFrame, encodeFrame, frameId, type PrivateV1FrameBody } from "./frame.js";
import { privateV1Base, privateV1Ids, type Role } from "./ids.js";
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
   * sealed ciphertext of each message is kept for resending instead of its SDS bytes. Unless given, a missing
   * message of the peer is declared lost one day after the sender's own give-up bound.
   */
  readonly sds?: SdsOptions;
  /** Incomplete multi-segment frames are dropped after this long (ms). Default: the SDS incoming-lost bound. */
  readonly reassemblyTimeoutMs?: number;
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

  constructor(
    readonly crypto: CryptoProvider,
    readonly options: PrivateV1Options = {},
  ) {
    const giveUp = new Sds(options.sds).giveUpAfterMs;
    this.sds = new Sds({
      incomingLostAfterMs: giveUp + LOST_MARGIN_MS,
      ...options.sds,
      transitiveAcks: false,
      possibleAcksThreshold: Number.POSITIVE_INFINITY,
      retainOutgoingBytes: false,
    });
    this.maxSkip = options.maxSkip ?? DEFAULT_MAX_SKIP;
    this.skippedKeyMaxAgeMs = options.skippedKeyMaxAgeMs ?? DEFAULT_SKIPPED_KEY_MAX_AGE_MS;
    // A partial frame waits as long as the missing message it waits for may still come.
    this.reassembler = new Reassembler(crypto, {
      maxSegmentSize: MAX_SEG_SIZE,
      timeoutMs: options.reassemblyTimeoutMs ?? this.sds.incomingLostAfterMs,
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
      const id = messageIdFor(this.crypto, segment);
      const step = this.sds.send(sds, segment, id, now);
      sds = step.state;
      sdsIds.push(id);
      sent.push(...step.outgoing);
    }
    const encrypted = this.#encryptAll({ ...state, sds, lastFrameTimestamp: timestamp }, sent, now);
    // Each segment's sealed ciphertext is kept: a resend is the same ratchet message, so resending never
    // consumes the sending chain, and the receiver recognises it.
    const payloads = sdsIds.map((id) => {
      const o = encrypted.outgoing.find((x) => x.sdsId === id);
      return o ? encodeEncryptedPayload(o.payload) : new Uint8Array(0);
    });
    const outbound: OutboundFrame = {
      messageId,
      segments: sdsIds,
      payloads,
      acked: [],
      possiblyAcked: [],
      createdAt: now,
    };
    const next: PrivateV1State = { ...encrypted.state, outbound: [...state.outbound, outbound] };
    return { state: next, messageId, timestamp, outgoing: encrypted.outgoing };
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
        const resent = this.#resendPayload(state, m.messageId);
        if (resent) {
          outgoing.push({ ...resent, sdsId: m.messageId });
          continue;
        }
        // A state written before ciphertexts were kept still has the SDS bytes: seal them anew.
        if (m.bytes.length === 0) continue;
      }
      const r = dr.encrypt(ratchet, m.bytes, now);
      ratchet = r.state;
      const payload = create(EncryptedPayloadSchema, {
        encryption: { case: "doubleratchet", value: toDoubleratchetProto(r.message) },
      });
      outgoing.push({
        conversationHint: state.remoteId,
        contentTopic: state.contentTopic,
        payload,
        ...(m.kind !== "sync" && { sdsId: m.messageId }),
      });
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
  ): { ok: true; state: PrivateV1State; opened: PrivateV1Opened } | { ok: false; reason: string } {
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
    if (!decrypted.ok) return { ok: false, reason: decrypted.error.code };
    const received = this.sds.receive(state.sds, decrypted.plaintext, now, { expectedSenderId: state.remoteId });
    if (!received.ok) return { ok: false, reason: `sds-${received.error.code}` };
    let next: PrivateV1State = { ...state, ratchet: decrypted.state, sds: received.state };
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
    const step = this.sds.sweep(sds, now);
    let next: PrivateV1State = {
      ...state,
      sds: step.state,
      reassembly: this.reassembler.collect(state.reassembly, now),
    };
    const applied = this.#apply(next, step.events, now);
    next = applied.state;
    const sent = this.#encryptAll(next, step.outgoing, now);
    return { state: sent.state, outgoing: sent.outgoing, effects: applied.effects };
  }

  #apply(
    state: PrivateV1State,
    events: readonly SdsEvent[],
    now: number,
  ): { state: PrivateV1State; effects: PrivateV1Effects } {
    let reassembly = state.reassembly;
    let outbound = state.outbound;
    let lostFrames = state.lostFrames;
    let invite = state.invite;
    const frames: ReceivedFrame[] = [];
    const updates: DeliveryUpdate[] = [];
    const missing: string[] = [];
    const lost: string[] = [];
    const dropped: string[] = [];
    for (const e of events) {
      switch (e.type) {
        case "delivered": {
          const r = this.reassembler.push(reassembly, state.remoteId, e.content, now);
          reassembly = r.state;
          if (r.status === "rejected") dropped.push(`segment-${r.error?.code ?? "rejected"}`);
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
