/**
 * The state of one SDS channel as immutable plain data, and its versioned binary form. Transitions live in
 * channel.ts; every one returns a new state, so the caller commits it (or not) together with other layers.
 */
import { ByteReader, ByteWriter, TruncatedInput } from "../../base/binary.js";
import { SdsError } from "./errors.js";
import { packedKnown, rememberPacked } from "./known.js";

/** A delivered (or own) message in the Lamport-ordered tail of the local log. */
export interface LogEntry {
  readonly messageId: string;
  readonly lamport: bigint;
  readonly senderId: string;
}

/** A received content message waiting for its causal dependencies. */
export interface BufferedMessage {
  readonly messageId: string;
  readonly senderId: string;
  readonly lamport: bigint;
  readonly dependencies: readonly string[];
  readonly content: Uint8Array;
  readonly receivedAt: number;
}

/** One of our content messages that is not acknowledged yet. */
export interface OutgoingMessage {
  readonly messageId: string;
  readonly lamport: bigint;
  /** Ids in its causal history: acknowledging this message acknowledges them (see docs/SDS.md). */
  readonly dependencies: readonly string[];
  /** The exact encoded SDS message, resent unchanged. */
  readonly bytes: Uint8Array;
  readonly firstSentAt: number;
  readonly lastSentAt: number;
  readonly resends: number;
  /** Times the id was seen in a peer's Bloom filter. */
  readonly possibleAcks: number;
}

/** A peer message we should acknowledge. */
export interface OwedAck {
  readonly messageId: string;
  readonly senderId: string;
}

/** A dependency we have not received. */
export interface MissingMessage {
  readonly messageId: string;
  readonly retrievalHint?: Uint8Array;
  readonly since: number;
}

export interface SdsState {
  readonly channelId: string;
  readonly senderId: string;
  readonly lamport: bigint;
  /** Our Bloom filter of delivered message ids, and how many ids went in since it was last reset. */
  readonly bloom: Uint8Array;
  readonly bloomCount: number;
  /** Tail of the local log ordered by (lamport, messageId): the source of causal history. */
  readonly recent: readonly LogEntry[];
  /** Ids delivered or sent, in that order, bounded: availability of dependencies and duplicate detection. */
  readonly known: readonly string[];
  /** Ids declared irretrievably lost (dependencies that no longer block delivery). */
  readonly lost: readonly string[];
  readonly missing: readonly MissingMessage[];
  readonly incoming: readonly BufferedMessage[];
  readonly outgoing: readonly OutgoingMessage[];
  /** Our last content message: always cited, so our messages are delivered in the order we sent them. */
  readonly lastOwnId: string | undefined;
  /** Peer messages delivered (or re-received) that none of our messages has cited yet: what a sync must ack. */
  readonly ackOwed: readonly OwedAck[];
  /** Since when we owe an acknowledgement (ms), if we do. */
  readonly ackOwedSince: number | undefined;
  readonly lastSentAt: number | undefined;
  /** When the peer was last heard from (any authenticated message), if ever (ms). */
  readonly peerHeardAt: number | undefined;
  /** Our message ids given up (`outgoing-lost`), oldest first, bounded: a late acknowledgement still counts. */
  readonly abandoned: readonly string[];
}

/**
 * Version 5 keeps the layout of version 4; what changes is what a buffered message's `dependencies` hold:
 * only the ids it still waits for, at most `maxDependencies` (16 by default) of them, where earlier versions
 * kept its whole causal history (a peer could make one message wait for thousands of ids). An older state is
 * brought to that form as it is read: each buffered message keeps the last 16 of its dependencies that are
 * neither delivered nor declared lost.
 * Version 4 adds when the peer was last heard from and the given-up ids (resends back off and give up by
 * time; a late acknowledgement of a given-up message still counts). Older versions read with none of either.
 * Version 3 stores the `known` window (up to `historyWindow` ids, re-encoded with every message) packed as
 * bytes when its ids are lowercase hex of one length, as PrivateV1's are (`ByteWriter.hexList`; packed once
 * and then extended from state to state, see known.ts), and otherwise as version 2 does.
 * Version 2 packs the `known` and `lost` id lists with `ByteWriter.stringList` and the Bloom filter (3.6 KB,
 * mostly zeros in a young conversation) with `ByteWriter.sparseBytes`; version 1 (one length-prefixed
 * string per id, plain filter) and version 2 are still read.
 */
export const SDS_STATE_VERSION = 5;

/** Dependencies an older state's buffered message keeps (channel.ts's DEFAULT_MAX_DEPENDENCIES). */
const MIGRATED_DEPENDENCIES = 16;

export function serializeSdsState(state: SdsState): Uint8Array {
  return writeSdsState(new ByteWriter(), state).finish();
}

/** Writes the bytes of `serializeSdsState(state)` to `w` (for a caller that embeds them). */
export function writeSdsState(w: ByteWriter, state: SdsState): ByteWriter {
  w.u8(SDS_STATE_VERSION);
  w.string(state.channelId).string(state.senderId).u64(state.lamport);
  w.cached(bloomBytes, state.bloom, writeBloom).u32(state.bloomCount);
  w.u32(state.recent.length);
  for (const e of state.recent) w.string(e.messageId).u64(e.lamport).string(e.senderId);
  const packed = packedKnown(state.known);
  if (packed) w.hexList(state.known.length, packed.width, packed.bytes);
  else w.stringList(state.known);
  w.stringList(state.lost);
  w.u32(state.missing.length);
  for (const m of state.missing) w.string(m.messageId).optBytes(m.retrievalHint).uint(m.since);
  w.u32(state.incoming.length);
  for (const m of state.incoming) w.cached(incomingBytes, m, writeIncoming);
  w.u32(state.outgoing.length);
  for (const m of state.outgoing) w.cached(outgoingBytes, m, writeOutgoing);
  optString(w, state.lastOwnId);
  w.u32(state.ackOwed.length);
  for (const a of state.ackOwed) w.string(a.messageId).string(a.senderId);
  optUint(w, state.ackOwedSince);
  optUint(w, state.lastSentAt);
  optUint(w, state.peerHeardAt);
  w.stringList(state.abandoned);
  return w;
}

/**
 * Encoded buffered and outgoing messages (they carry content, and are re-encoded with every state until
 * delivered or acknowledged), by message, and Bloom filters (the same one is re-encoded with every message
 * we send): like everything in a state, these are never modified, a change makes a new one.
 */
const bloomBytes = new WeakMap<Uint8Array, Uint8Array | null>();
const incomingBytes = new WeakMap<BufferedMessage, Uint8Array | null>();
const outgoingBytes = new WeakMap<OutgoingMessage, Uint8Array | null>();

function writeBloom(w: ByteWriter, bloom: Uint8Array): void {
  w.sparseBytes(bloom);
}

function writeIncoming(w: ByteWriter, m: BufferedMessage): void {
  w.string(m.messageId).string(m.senderId).u64(m.lamport);
  strings(w, m.dependencies);
  w.bytes(m.content).uint(m.receivedAt);
}

/** One buffered message as `writeSdsState` writes it (PrivateV1 also keeps them in records of their own). */
export function writeBufferedMessage(w: ByteWriter, m: BufferedMessage): void {
  w.cached(incomingBytes, m, writeIncoming);
}

/** Reads what `writeBufferedMessage` wrote; throws TruncatedInput on short input. */
export function readBufferedMessage(r: ByteReader): BufferedMessage {
  return {
    messageId: r.string(),
    senderId: r.string(),
    lamport: r.u64(),
    dependencies: readStrings(r),
    content: r.bytes(),
    receivedAt: r.uint(),
  };
}

/** One outgoing message as `writeSdsState` writes it (PrivateV1 also keeps them in records of their own). */
export function writeOutgoingMessage(w: ByteWriter, m: OutgoingMessage): void {
  w.cached(outgoingBytes, m, writeOutgoing);
}

/** Reads what `writeOutgoingMessage` wrote; throws TruncatedInput on short input. */
export function readOutgoingMessage(r: ByteReader): OutgoingMessage {
  return {
    messageId: r.string(),
    lamport: r.u64(),
    dependencies: readStrings(r),
    bytes: r.bytes(),
    firstSentAt: r.uint(),
    lastSentAt: r.uint(),
    resends: r.u32(),
    possibleAcks: r.u32(),
  };
}

function writeOutgoing(w: ByteWriter, m: OutgoingMessage): void {
  w.string(m.messageId).u64(m.lamport);
  strings(w, m.dependencies);
  w.bytes(m.bytes).uint(m.firstSentAt).uint(m.lastSentAt).u32(m.resends).u32(m.possibleAcks);
}

export type DeserializeSdsResult =
  | { readonly ok: true; readonly state: SdsState }
  | { readonly ok: false; readonly error: SdsError };

/** Total: never throws. */
export function deserializeSdsState(bytes: Uint8Array): DeserializeSdsResult {
  try {
    const r = new ByteReader(bytes);
    const version = r.u8();
    if (version < 1 || version > SDS_STATE_VERSION) return bad("unknown SDS state version");
    const channelId = r.string();
    const senderId = r.string();
    const lamport = r.u64();
    const bloom = version === 1 ? r.bytes() : r.sparseBytes();
    const bloomCount = r.u32();
    const recent: LogEntry[] = [];
    for (let i = r.count(16); i > 0; i--)
      recent.push({ messageId: r.string(), lamport: r.u64(), senderId: r.string() });
    let packed: { width: number; bytes: Uint8Array } | undefined;
    const known =
      version === 1
        ? readStrings(r)
        : r.stringList(version >= 3 ? (width, bytes) => (packed = { width, bytes }) : undefined);
    const lost = version === 1 ? readStrings(r) : r.stringList();
    const missing: MissingMessage[] = [];
    for (let i = r.count(13); i > 0; i--) {
      const messageId = r.string();
      const retrievalHint = r.optBytes();
      const since = r.uint();
      missing.push(retrievalHint ? { messageId, retrievalHint, since } : { messageId, since });
    }
    const incoming: BufferedMessage[] = [];
    for (let i = r.count(32); i > 0; i--) incoming.push(readBufferedMessage(r));
    const outgoing: OutgoingMessage[] = [];
    for (let i = r.count(44); i > 0; i--) outgoing.push(readOutgoingMessage(r));
    const lastOwnId = readOptString(r);
    const ackOwed: OwedAck[] = [];
    for (let i = r.count(8); i > 0; i--) ackOwed.push({ messageId: r.string(), senderId: r.string() });
    const ackOwedSince = readOptUint(r);
    const lastSentAt = readOptUint(r);
    const peerHeardAt = version >= 4 ? readOptUint(r) : undefined;
    const abandoned = version >= 4 ? r.stringList() : [];
    if (!r.done) return bad("trailing bytes in SDS state");
    if (packed) rememberPacked(known, packed.width, packed.bytes);
    if (version < 5 && incoming.length > 0) awaitedOnly(incoming, known, lost);
    return {
      ok: true,
      state: {
        channelId,
        senderId,
        lamport,
        bloom,
        bloomCount,
        recent,
        known,
        lost,
        missing,
        incoming,
        outgoing,
        lastOwnId,
        ackOwed,
        ackOwedSince,
        lastSentAt,
        peerHeardAt,
        abandoned,
      },
    };
  } catch (e) {
    if (e instanceof TruncatedInput) return bad("truncated SDS state");
    throw e;
  }
}

/** Version 5's form of buffered messages: each keeps only the last dependencies it still waits for. */
function awaitedOnly(incoming: BufferedMessage[], known: readonly string[], lost: readonly string[]): void {
  const available = new Set([...known, ...lost]);
  for (let i = 0; i < incoming.length; i++) {
    const b = incoming[i]!;
    const waits = b.dependencies.filter((id) => !available.has(id)).slice(-MIGRATED_DEPENDENCIES);
    incoming[i] = { ...b, dependencies: waits };
  }
}

function strings(w: ByteWriter, list: readonly string[]): void {
  w.u32(list.length);
  for (const s of list) w.string(s);
}

function readStrings(r: ByteReader): string[] {
  const out: string[] = [];
  for (let i = r.count(4); i > 0; i--) out.push(r.string());
  return out;
}

function optString(w: ByteWriter, s: string | undefined): void {
  if (s === undefined) w.u8(0);
  else w.u8(1).string(s);
}

function readOptString(r: ByteReader): string | undefined {
  const flag = r.u8();
  if (flag > 1) throw new TruncatedInput("bad option flag");
  return flag ? r.string() : undefined;
}

function optUint(w: ByteWriter, n: number | undefined): void {
  if (n === undefined) w.u8(0);
  else w.u8(1).uint(n);
}

function readOptUint(r: ByteReader): number | undefined {
  const flag = r.u8();
  if (flag > 1) throw new TruncatedInput("bad option flag");
  return flag ? r.uint() : undefined;
}

function bad(message: string): DeserializeSdsResult {
  return { ok: false, error: new SdsError("bad-state", message) };
}
