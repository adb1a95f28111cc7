import { ByteReader, ByteWriter, TruncatedInput } from "../../base/binary.js";
import { constantTimeEqual } from "../../base/bytes.js";
import { deserializeRatchetState, type RatchetState, writeRatchetState } from "../../primitives/ratchet/index.js";
import { deserializeSdsState, type OutgoingMessage, type SdsState, writeSdsState } from "../../primitives/sds/index.js";
import {
  deserializeReassemblyState,
  type PartLookup,
  type ReassemblyState,
  writeReassemblyIndex,
} from "../../primitives/segmentation/index.js";
import type { Role } from "./ids.js";
import { historyFor, historyInline, NO_HISTORY, rememberHistory } from "./state-history.js";
import { splitFrames } from "./state-split.js";
import { NO_SDS_WORK, rememberWork, workCounts, workFor, workInline } from "./state-work.js";

/** Delivery progress of one outgoing frame, aggregated over its segments' SDS states. */
export interface OutboundFrame {
  readonly messageId: string;
  /** SDS ids of its segments. */
  readonly segments: readonly string[];
  /**
   * The encoded EncryptedPayload each segment was first sent in, resent unchanged (so resends never advance
   * the ratchet); empty while not sealed yet (beyond the send window, after a session reset, in states written
   * before version 2) and in frames given up.
   */
  readonly payloads: readonly Uint8Array[];
  readonly acked: readonly string[];
  readonly possiblyAcked: readonly string[];
  readonly createdAt: number;
}

/** The initiator keeps its invite until the peer acknowledges it: a lost invite is resent as is. */
export interface PendingInvite {
  /** Encoded EncryptedPayload (noise_inbox_handshake arm). */
  readonly payload: Uint8Array;
  readonly conversationHint: string;
  readonly contentTopic: string;
  /** SDS id of the first message, which the invite carries. */
  readonly sdsId: string;
}

export interface PrivateV1State {
  readonly role: Role;
  readonly localId: string;
  readonly remoteId: string;
  readonly contentTopic: string;
  readonly selfKey: Uint8Array;
  readonly peerKey: Uint8Array;
  readonly createdAt: number;
  /** Frame timestamps are strictly increasing so two frames never have the same bytes (hence ids). */
  readonly lastFrameTimestamp: number;
  readonly ratchet: RatchetState;
  readonly sds: SdsState;
  readonly reassembly: ReassemblyState;
  readonly outbound: readonly OutboundFrame[];
  readonly invite: PendingInvite | undefined;
  /**
   * Recent received content messages, packed (see session.ts): a resend of one of them is a replay the
   * ratchet refuses, and this names the SDS id to acknowledge again.
   */
  readonly receipts: Uint8Array;
  /** Frames given up (`lost`), bounded, without ciphertexts: a late acknowledgement still makes them acked. */
  readonly lostFrames: readonly OutboundFrame[];
  /** The session's number: 0 from the invite, +1 with each session reset (reset.ts). */
  readonly generation: number;
  /** When the current generation started (ms), on either side; undefined for generation 0. */
  readonly sessionSince: number | undefined;
  /** When we last started a reset (ms), for its rate limit. */
  readonly resetAt: number | undefined;
  /** A reset we sent that the peer has not answered yet: resent until something opens under it. */
  readonly pendingReset: PendingReset | undefined;
  /**
   * The intro bundle key (the bundle's ephemeral public key) the InboxV1 handshake that started this
   * conversation was made to: ours as responder, the peer's as initiator. Lets a Client tell a conversation
   * started to one code it showed (linking) from any other. Undefined in states written before it was kept.
   */
  readonly bundleKey?: Uint8Array;
}

export interface PendingReset {
  readonly generation: number;
  /** Encoded EncryptedPayload (private_v1_session_reset arm). */
  readonly payload: Uint8Array;
  /** The new session's first ratchet message(s), encoded: resent with the reset. */
  readonly first: readonly Uint8Array[];
  readonly sentAt: number;
}

/**
 * Version 6 keeps the rest of what grows with traffic out of the state: the receipts (up to 24 KB, one more
 * with every received message), the frames given up (up to 256), and the SDS owed acknowledgements, missing
 * ids and buffered out-of-order messages (with their content), and the reassembly's memory of frames
 * completed (up to 64, rewritten by every receive), and the ratchet's skipped message keys (up to 2 × max_skip,
 * one per message not received in order) are records, one per item, written as deltas
 * (work-records.ts); the state holds how many of each there are. While there are at most `INLINE_WORK` of them
 * together they stay inline (a flag says which). Version 5 is still read; the first commit after writes them
 * as records.
 * Version 5 keeps the SDS history out of the state: the `known` window (1,000 ids, 16 KB, rewritten with every
 * step in version 4) is one record per id and the Bloom filter (3,752 bytes) a record per non-zero 64-byte
 * chunk, and so are the ids declared lost (up to 256, as many as a peer makes us declare) and our ids given up
 * (up to 1,000, after a week offline) (history-records.ts), written as deltas; the state holds how many of
 * each there are. A send now
 * writes one frame record, one id record, and a state whose size does not depend on the history. While the
 * window holds at most `INLINE_HISTORY` ids, both stay inline (a flag says which). Version 4 is still read;
 * the first commit after writes its window and filter as records.
 * Version 4 keeps unacknowledged messages out of the state: each outgoing frame, with its sealed payloads and
 * the SDS outgoing entries of its segments, is a store record of its own (frame-records.ts), written when
 * sent and deleted when acknowledged or given up; the state holds only how many there are. So a send writes
 * one frame record and a state whose size does not grow with the number of unacknowledged messages (in
 * version 3, with the peer offline, message N rewrote all N-1 before it). SDS entries that belong to no
 * outgoing frame (segments of a frame given up) stay inside the SDS state. Version 3 is still read; the first
 * commit after moves its frames to their records.
 * Version 3 keeps the bytes of partly received multi-segment frames out of the state: it lists the parts
 * received, and each part is its own store record (segment-records.ts), so that a step writes the part it
 * received and not every part received before (one incomplete 255-segment frame made every later message
 * write 25 MB). Versions 1 and 2 hold the parts inline and are still read; the first commit after moves them
 * to their records.
 * Version 2 adds each outgoing segment's sealed payload, the receipts, the given-up frames and the session
 * reset fields; version 1 is still read (frames without payloads: their SDS state holds the plaintext, which
 * is sealed anew on resend; generation 0, no reset).
 */
const VERSION = 6;

/**
 * Encoded parts that often stay the same from one state to the next (the reassembly state of a conversation
 * whose messages fit one segment, frames waiting for acknowledgement), by object: they are immutable.
 */
const reassemblyBytes = new WeakMap<ReassemblyState, Uint8Array | null>();
const frameBytes = new WeakMap<OutboundFrame, Uint8Array | null>();
const NO_BYTES = new Uint8Array(0);

function writeReassembly(w: ByteWriter, r: ReassemblyState): void {
  w.sized((w) => writeReassemblyIndex(w, r));
}

/**
 * The reassembly state each encoded state (by its bytes) holds, parts included, with the conversation's local
 * id: what segment-records.ts writes as records when those bytes are committed, and what decoding the same
 * bytes again in this process gets its parts from. Bytes are never modified once encoded.
 */
const encodedParts = new WeakMap<Uint8Array, { readonly localId: string; readonly reassembly: ReassemblyState }>();
/** Parts read from a store's records for state bytes read from it (segment-records.ts), by those bytes. */
const loadedParts = new WeakMap<Uint8Array, PartLookup>();

/** Where decoding `bytes` finds the parts of incomplete frames: records read with them, or its own encoding. */
function lookupFor(bytes: Uint8Array): PartLookup | undefined {
  const loaded = loadedParts.get(bytes);
  if (loaded) return loaded;
  const own = encodedParts.get(bytes);
  if (!own) return undefined;
  return (sender, hash, index) =>
    own.reassembly.partial.find((p) => p.sender === sender && constantTimeEqual(p.hash, hash))?.parts[index];
}

/** An outgoing frame as its record holds it: the frame and the SDS entries of its unacknowledged segments. */
export interface StoredFrame {
  readonly frame: OutboundFrame;
  readonly entries: readonly OutgoingMessage[];
}

/**
 * The frames each encoded state (by its bytes) holds, and the frames read from a store's records for state
 * bytes read from it (frame-records.ts): what decoding those bytes takes its outgoing frames from.
 */
const encodedFrames = new WeakMap<Uint8Array, readonly StoredFrame[]>();
const loadedFrames = new WeakMap<Uint8Array, readonly StoredFrame[]>();

/** Makes `decodePrivateState(bytes)` take its outgoing frames from `frames` (read from their records). */
export function supplyFrames(bytes: Uint8Array, frames: readonly StoredFrame[]): void {
  loadedFrames.set(bytes, frames);
}

/** Makes `decodePrivateState(bytes)` take the parts of incomplete frames from `parts`. */
export function supplyParts(bytes: Uint8Array, parts: PartLookup): void {
  loadedParts.set(bytes, parts);
}

export function writeFrame(w: ByteWriter, o: OutboundFrame): void {
  w.string(o.messageId).uint(o.createdAt);
  strings(w, o.segments);
  strings(w, o.acked);
  strings(w, o.possiblyAcked);
  w.u32(o.payloads.length);
  for (const p of o.payloads) w.bytes(p);
}

export function readFrame(r: ByteReader, version: number): OutboundFrame {
  const messageId = r.string();
  const createdAt = r.uint();
  const segments = readStrings(r);
  const acked = readStrings(r);
  const possiblyAcked = readStrings(r);
  const payloads: Uint8Array[] = [];
  if (version >= 2) for (let n = r.count(4); n > 0; n--) payloads.push(r.bytes());
  return { messageId, createdAt, segments, payloads, acked, possiblyAcked };
}

function strings(w: ByteWriter, list: readonly string[]): void {
  w.u32(list.length);
  for (const s of list) w.string(s);
}

function readStrings(r: ByteReader): string[] {
  const out: string[] = [];
  for (let n = r.count(4); n > 0; n--) out.push(r.string());
  return out;
}

export function encodePrivateState(s: PrivateV1State): Uint8Array {
  const split = splitFrames(s);
  const inline = historyInline(s);
  const work = workInline(s);
  const sds = work ? s.sds : { ...s.sds, ...NO_SDS_WORK };
  const w = new ByteWriter().u8(VERSION);
  w.u8(s.role === "initiator" ? 0 : 1)
    .string(s.localId)
    .string(s.remoteId)
    .string(s.contentTopic);
  w.raw(s.selfKey).raw(s.peerKey).uint(s.createdAt).uint(s.lastFrameTimestamp);
  w.sized((w) => writeRatchetState(w, work ? s.ratchet : { ...s.ratchet, skipped: [] }))
    .sized((w) =>
      writeSdsState(w, inline ? { ...sds, outgoing: split.others } : { ...sds, ...NO_HISTORY, outgoing: split.others }),
    )
    .cached(reassemblyBytes, work ? s.reassembly : { partial: s.reassembly.partial, completed: [] }, writeReassembly);
  // The frames themselves are records (frame-records.ts): only how many, to tell a state read without them.
  w.u32(s.outbound.length);
  // The window and filter are records (history-records.ts): their sizes, to tell a state read without them.
  if (inline) w.u8(1);
  else w.u8(0).u32(s.sds.bloom.length).u32(s.sds.known.length).u32(s.sds.lost.length).u32(s.sds.abandoned.length);
  // So are the receipts, frames given up, owed acks, missing ids and buffered messages (work-records.ts).
  if (work) w.u8(1);
  else {
    const c = workCounts(s);
    w.u8(0).u32(c.receipts).u32(c.lostFrames).u32(c.ackOwed).u32(c.missing).u32(c.incoming).u32(c.completed);
    w.u32(c.skipped);
  }
  if (s.invite)
    w.u8(1)
      .bytes(s.invite.payload)
      .string(s.invite.conversationHint)
      .string(s.invite.contentTopic)
      .string(s.invite.sdsId);
  else w.u8(0);
  w.bytes(work ? s.receipts : NO_BYTES);
  const lostFrames = work ? s.lostFrames : [];
  w.u32(lostFrames.length);
  for (const o of lostFrames) w.cached(frameBytes, o, writeFrame);
  w.u32(s.generation);
  for (const t of [s.sessionSince, s.resetAt]) {
    if (t === undefined) w.u8(0);
    else w.u8(1).uint(t);
  }
  if (s.pendingReset === undefined) w.u8(0);
  else {
    const p = s.pendingReset;
    w.u8(1).u32(p.generation).bytes(p.payload).u32(p.first.length);
    for (const f of p.first) w.bytes(f);
    w.uint(p.sentAt);
  }
  // A trailing addition (a state without it keeps its version's layout): flag 1, then the 32-byte key.
  if (s.bundleKey) w.u8(1).raw(s.bundleKey);
  const bytes = w.finish();
  encodedParts.set(bytes, { localId: s.localId, reassembly: s.reassembly });
  encodedFrames.set(bytes, split.frames);
  rememberHistory(bytes, s);
  rememberWork(bytes, s);
  return bytes;
}

/** Total: undefined for anything that is not a state written by `encodePrivateState`. */
export function decodePrivateState(bytes: Uint8Array): PrivateV1State | undefined {
  try {
    const r = new ByteReader(bytes);
    const version = r.u8();
    if (version < 1 || version > VERSION) return undefined;
    const roleByte = r.u8();
    if (roleByte > 1) return undefined;
    const role: Role = roleByte === 0 ? "initiator" : "responder";
    const localId = r.string();
    const remoteId = r.string();
    const contentTopic = r.string();
    const selfKey = r.raw(32);
    const peerKey = r.raw(32);
    const createdAt = r.uint();
    const lastFrameTimestamp = r.uint();
    const ratchet = deserializeRatchetState(r.bytes());
    const sds = deserializeSdsState(r.bytes());
    const section = r.bytes();
    // Versions 1 and 2 hold parts inline (reassembly version 1), version 3 only their indexes (version 2).
    if (section[0] !== (version >= 3 ? 2 : 1)) return undefined;
    const reassembly = deserializeReassemblyState(section, version >= 3 ? lookupFor(bytes) : undefined);
    if (!ratchet.ok || !sds.ok || !reassembly.ok) return undefined;
    let reassemblyState = reassembly.state;
    let ratchetState = ratchet.state;
    let outbound: OutboundFrame[] = [];
    let sdsState = sds.state;
    if (version >= 4) {
      // A state read without its frame records (or with other records than it counts) is not this state.
      const frames = loadedFrames.get(bytes) ?? encodedFrames.get(bytes) ?? [];
      if (r.u32() !== frames.length) return undefined;
      outbound = frames.map((f) => f.frame);
      sdsState = { ...sdsState, outgoing: mergeOutgoing(sdsState.outgoing, frames) };
    } else for (let n = r.count(8); n > 0; n--) outbound.push(readFrame(r, version));
    const form = version >= 5 ? r.u8() : 1;
    if (form > 1) return undefined;
    if (form === 0) {
      const history = historyFor(bytes, r.u32(), r.u32() + r.u32() + r.u32());
      if (!history) return undefined;
      sdsState = { ...sdsState, ...history };
    }
    const workForm = version >= 6 ? r.u8() : 1;
    if (workForm > 1) return undefined;
    const work =
      workForm === 0
        ? workFor(bytes, {
            receipts: r.u32(),
            lostFrames: r.u32(),
            ackOwed: r.u32(),
            missing: r.u32(),
            incoming: r.u32(),
            completed: r.u32(),
            skipped: r.u32(),
          })
        : undefined;
    if (workForm === 0 && !work) return undefined;
    const hasInvite = r.u8();
    let invite: PendingInvite | undefined;
    if (hasInvite === 1) {
      invite = { payload: r.bytes(), conversationHint: r.string(), contentTopic: r.string(), sdsId: r.string() };
    } else if (hasInvite !== 0) return undefined;
    let receipts: Uint8Array = new Uint8Array(0);
    let lostFrames: OutboundFrame[] = [];
    let generation = 0;
    let sessionSince: number | undefined;
    let resetAt: number | undefined;
    let pendingReset: PendingReset | undefined;
    if (version >= 2) {
      receipts = r.bytes();
      for (let n = r.count(8); n > 0; n--) lostFrames.push(readFrame(r, version));
      generation = r.u32();
      const times: (number | undefined)[] = [];
      for (let i = 0; i < 2; i++) {
        const has = r.u8();
        if (has > 1) return undefined;
        times.push(has ? r.uint() : undefined);
      }
      [sessionSince, resetAt] = times;
      const hasPending = r.u8();
      if (hasPending > 1) return undefined;
      if (hasPending) {
        const generation = r.u32();
        const payload = r.bytes();
        const first: Uint8Array[] = [];
        for (let n = r.count(4); n > 0; n--) first.push(r.bytes());
        pendingReset = { generation, payload, first, sentAt: r.uint() };
      }
    }
    let bundleKey: Uint8Array | undefined;
    if (!r.done) {
      if (r.u8() !== 1) return undefined;
      bundleKey = r.raw(32);
    }
    if (!r.done) return undefined;
    if (work) {
      const { ackOwed, missing, incoming } = work;
      sdsState = { ...sdsState, ackOwed, missing, incoming };
      receipts = work.receipts;
      lostFrames = [...work.lostFrames];
      reassemblyState = { partial: reassemblyState.partial, completed: work.completed };
      ratchetState = { ...ratchetState, skipped: work.skipped };
    }
    return {
      role,
      localId,
      remoteId,
      contentTopic,
      selfKey,
      peerKey,
      createdAt,
      lastFrameTimestamp,
      ratchet: ratchetState,
      sds: sdsState,
      reassembly: reassemblyState,
      outbound,
      invite,
      receipts,
      lostFrames,
      generation,
      sessionSince,
      resetAt,
      pendingReset,
      ...(bundleKey && { bundleKey }),
    };
  } catch (e) {
    if (e instanceof TruncatedInput) return undefined;
    throw e;
  }
}

/** SDS outgoing entries in sending order (Lamport order: each send ticks the clock) from the state and records. */
function mergeOutgoing(others: readonly OutgoingMessage[], frames: readonly StoredFrame[]): OutgoingMessage[] {
  const all = [...others];
  for (const f of frames) all.push(...f.entries);
  return all.sort((a, b) => (a.lamport < b.lamport ? -1 : a.lamport > b.lamport ? 1 : 0));
}
