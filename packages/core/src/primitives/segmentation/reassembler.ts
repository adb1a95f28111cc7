/**
 * Receiver-side reassembly. The state is immutable data: `push` returns a new state, so a caller that does
 * not commit keeps the old one. Memory is bounded per sender (sets and bytes) and incomplete sets are
 * garbage-collected after a timeout.
 */

import { ByteReader, ByteWriter, TruncatedInput } from "../../base/binary.js";
import { concatBytes, constantTimeEqual } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { SegmentationError } from "./errors.js";
import {
  DEFAULT_MAX_SEGMENT_SIZE,
  type DecodeSegmentOptions,
  decodeSegment,
  MAX_SEGMENTS,
  type Segment,
} from "./segment.js";

/** An incomplete message from one sender. */
export interface PartialMessage {
  readonly sender: string;
  readonly hash: Uint8Array;
  readonly count: number;
  /** Payload per index; undefined until received. */
  readonly parts: readonly (Uint8Array | undefined)[];
  readonly received: number;
  readonly bytes: number;
  readonly firstSeenAt: number;
}

/** A message recently delivered, remembered until the timeout so late duplicate segments are recognised. */
export interface CompletedMessage {
  readonly sender: string;
  readonly hash: Uint8Array;
  readonly completedAt: number;
}

export interface ReassemblyState {
  /** Oldest first. */
  readonly partial: readonly PartialMessage[];
  /** Oldest first. */
  readonly completed: readonly CompletedMessage[];
}

export interface ReassemblerOptions extends DecodeSegmentOptions {
  /** Incomplete messages older than this (ms) are dropped; default 1 hour. */
  readonly timeoutMs?: number;
  /** Most incomplete messages per sender (the oldest is dropped beyond it); default 8. */
  readonly maxPartialPerSender?: number;
  /** Most buffered payload bytes per sender; default 255 × maxSegmentSize (one largest message). */
  readonly maxBytesPerSender?: number;
  /** Most completed messages remembered per sender for duplicate detection; default 64. */
  readonly maxCompletedPerSender?: number;
}

export type ReassemblyStatus = "complete" | "pending" | "duplicate" | "rejected";

export interface ReassemblyResult {
  readonly state: ReassemblyState;
  readonly status: ReassemblyStatus;
  /** The whole payload, when status is "complete". */
  readonly payload?: Uint8Array;
  /** Why, when status is "rejected". */
  readonly error?: SegmentationError;
  /**
   * Incomplete messages this step dropped: past the timeout (`expired`), or the oldest of this sender's,
   * to make room within its quota (`evicted`). Counts, for the caller to report.
   */
  readonly expired?: number;
  readonly evicted?: number;
}

export const EMPTY_REASSEMBLY: ReassemblyState = { partial: [], completed: [] };

/**
 * Version 1 holds every received part of each incomplete message inline; version 2 (`writeReassemblyIndex`)
 * only which parts were received, their bytes kept elsewhere by the caller (PrivateV1 keeps one store record
 * per part, see conversations/private-v1/segment-records.ts) and handed back to `deserializeReassemblyState`.
 */
const STATE_VERSION = 1;
const INDEX_VERSION = 2;

/** The bytes of one received part of an incomplete message, kept outside the state (see INDEX_VERSION). */
export type PartLookup = (sender: string, hash: Uint8Array, index: number) => Uint8Array | undefined;

export class Reassembler {
  readonly timeoutMs: number;
  readonly maxPartialPerSender: number;
  readonly maxBytesPerSender: number;
  readonly maxCompletedPerSender: number;
  readonly decodeOptions: DecodeSegmentOptions;

  constructor(
    readonly crypto: CryptoProvider,
    options: ReassemblerOptions = {},
  ) {
    const maxSegmentSize = options.maxSegmentSize ?? DEFAULT_MAX_SEGMENT_SIZE;
    this.decodeOptions = { minCount: options.minCount ?? 1, maxSegmentSize };
    this.timeoutMs = options.timeoutMs ?? 3_600_000;
    this.maxPartialPerSender = options.maxPartialPerSender ?? 8;
    this.maxBytesPerSender = options.maxBytesPerSender ?? MAX_SEGMENTS * maxSegmentSize;
    this.maxCompletedPerSender = options.maxCompletedPerSender ?? 64;
  }

  /** Adds one encoded SegmentMessage from `sender` (any stable key, e.g. a conversation id) received at `now`. */
  push(state: ReassemblyState, sender: string, segmentBytes: Uint8Array, now: number): ReassemblyResult {
    const decoded = decodeSegment(segmentBytes, this.decodeOptions);
    if (!decoded.ok) return { state, status: "rejected", error: decoded.error };
    return this.pushSegment(state, sender, decoded.segment, now);
  }

  /** As `push`, for a segment already decoded and validated. */
  pushSegment(state: ReassemblyState, sender: string, segment: Segment, now: number): ReassemblyResult {
    const { state: collected, expired } = this.expire(state, now);
    const r = this.#push(state, collected, sender, segment, now);
    return expired > 0 && r.state !== state ? { ...r, expired } : r;
  }

  /** `state` as the caller passed it (what a refused or duplicate segment leaves), `collected` after expiry. */
  #push(
    state: ReassemblyState,
    collected: ReassemblyState,
    sender: string,
    segment: Segment,
    now: number,
  ): ReassemblyResult {
    let partial = collected.partial;
    const same = (p: { sender: string; hash: Uint8Array }) =>
      p.sender === sender && constantTimeEqual(p.hash, segment.hash);
    if (collected.completed.some(same)) return { state, status: "duplicate" };
    const at = partial.findIndex(same);
    let current: PartialMessage;
    if (at >= 0) {
      current = partial[at]!;
      if (current.count !== segment.count) {
        return reject(state, "inconsistent-count", "segments of one message disagree on segment_count");
      }
      if (current.parts[segment.index] !== undefined) return { state, status: "duplicate" };
      partial = partial.filter((_, i) => i !== at);
    } else {
      current = {
        sender,
        hash: segment.hash.slice(),
        count: segment.count,
        parts: new Array(segment.count).fill(undefined),
        received: 0,
        bytes: 0,
        firstSeenAt: now,
      };
    }
    const parts = current.parts.slice();
    parts[segment.index] = segment.payload.slice();
    current = { ...current, parts, received: current.received + 1, bytes: current.bytes + segment.payload.length };

    if (current.received === current.count) {
      const payload = concatBytes(...(parts as Uint8Array[]));
      if (!constantTimeEqual(this.crypto.keccak256(payload), current.hash)) {
        return reject({ ...collected, partial }, "hash-mismatch", "reassembled payload does not match its hash");
      }
      let completed = [...collected.completed, { sender, hash: current.hash, completedAt: now }];
      const mineDone = completed.filter((c) => c.sender === sender);
      if (mineDone.length > this.maxCompletedPerSender) {
        const drop = new Set(mineDone.slice(0, mineDone.length - this.maxCompletedPerSender));
        completed = completed.filter((c) => !drop.has(c));
      }
      return { state: { partial, completed }, status: "complete", payload };
    }

    // Quotas: make room by dropping this sender's oldest other messages (reported as evicted).
    if (current.bytes > this.maxBytesPerSender) {
      return reject(state, "quota-exceeded", "message larger than the per-sender reassembly quota");
    }
    const mine = partial.filter((p) => p.sender === sender);
    let count = mine.length;
    let bytes = mine.reduce((n, p) => n + p.bytes, 0) + current.bytes;
    const dropped = new Set<PartialMessage>();
    for (const oldest of mine) {
      if (count < this.maxPartialPerSender && bytes <= this.maxBytesPerSender) break;
      dropped.add(oldest);
      count--;
      bytes -= oldest.bytes;
    }
    if (dropped.size > 0) partial = partial.filter((p) => !dropped.has(p));
    const next: ReassemblyState = { partial: [...partial, current], completed: collected.completed };
    return dropped.size > 0
      ? { state: next, status: "pending", evicted: dropped.size }
      : { state: next, status: "pending" };
  }

  /** Drops incomplete messages, and memories of completed ones, older than the timeout. */
  collect(state: ReassemblyState, now: number): ReassemblyState {
    return this.expire(state, now).state;
  }

  /** As `collect`, also counting the incomplete messages it dropped (for the caller to report). */
  expire(state: ReassemblyState, now: number): { state: ReassemblyState; expired: number } {
    const partial = state.partial.filter((p) => now - p.firstSeenAt <= this.timeoutMs);
    const completed = state.completed.filter((c) => now - c.completedAt <= this.timeoutMs);
    if (partial.length === state.partial.length && completed.length === state.completed.length)
      return { state, expired: 0 };
    return { state: { partial, completed }, expired: state.partial.length - partial.length };
  }
}

export function serializeReassemblyState(state: ReassemblyState): Uint8Array {
  return writeReassemblyState(new ByteWriter(), state).finish();
}

/** Writes what `serializeReassemblyState` returns into `w` (a parent state's writer: no buffer of its own). */
export function writeReassemblyState<W extends ByteWriter>(w: W, state: ReassemblyState): W {
  w.u8(STATE_VERSION).u32(state.partial.length);
  for (const p of state.partial) {
    w.string(p.sender).raw(p.hash).u32(p.count).uint(p.firstSeenAt);
    for (const part of p.parts) w.optBytes(part);
  }
  writeCompleted(w, state.completed);
  return w;
}

/**
 * Writes the state without the parts' bytes (version 2): for each incomplete message, the indexes received.
 * Its size depends on how many parts arrived, not on their bytes.
 */
export function writeReassemblyIndex<W extends ByteWriter>(w: W, state: ReassemblyState): W {
  w.u8(INDEX_VERSION).u32(state.partial.length);
  for (const p of state.partial) {
    w.string(p.sender).raw(p.hash).u32(p.count).uint(p.firstSeenAt).u32(p.received);
    p.parts.forEach((part, i) => {
      if (part !== undefined) w.u8(i);
    });
  }
  writeCompleted(w, state.completed);
  return w;
}

/**
 * The encoded entries of a `completed` list, remembered by its last entry. The next state's list is mostly
 * this one (new entries are appended, the oldest dropped), so those bytes are copied instead of encoded again
 * (one message's state is re-encoded per message, and the list holds up to 64 entries per sender).
 * An entry is immutable and its bytes depend on nothing else, and every entry taken from a run is checked to
 * be the same object: a run made for a state that was never committed gives the bytes any state would.
 */
interface CompletedRun {
  readonly entries: readonly CompletedMessage[];
  /** Their encodings, joined. */
  readonly bytes: Uint8Array;
  /** Where each entry's encoding ends in `bytes`. */
  readonly ends: Uint32Array;
}

const completedRuns = new WeakMap<CompletedMessage, CompletedRun>();

/** How many entries from the end of a list the last entry of a remembered run is looked for. */
const RUN_LOOKBACK = 4;

function writeCompleted(w: ByteWriter, list: readonly CompletedMessage[]): void {
  const n = list.length;
  w.u32(n);
  if (n === 0) return;
  const start = w.position;
  const ends = new Uint32Array(n);
  let done = 0;
  for (let i = n - 1; i >= 0 && i >= n - RUN_LOOKBACK; i--) {
    const run = completedRuns.get(list[i]!);
    if (run === undefined) continue;
    // list[0..i] must be a stretch of the run's entries.
    const from = run.entries.indexOf(list[0]!);
    if (from < 0 || from + i >= run.entries.length) break;
    let same = true;
    for (let j = 1; j <= i && same; j++) same = run.entries[from + j] === list[j];
    if (!same) break;
    if (from === 0 && i === n - 1 && run.entries.length === n) {
      // The same entries again (an unchanged list in a new state): the run stays as it is.
      w.raw(run.bytes);
      return;
    }
    // Superseded by the run made below: only the newest run of a conversation is kept.
    completedRuns.delete(list[i]!);
    const base = from === 0 ? 0 : run.ends[from - 1]!;
    w.raw(run.bytes.subarray(base, run.ends[from + i]!));
    for (let j = 0; j <= i; j++) ends[j] = run.ends[from + j]! - base;
    done = i + 1;
    break;
  }
  for (let j = done; j < n; j++) {
    const c = list[j]!;
    w.string(c.sender).raw(c.hash).uint(c.completedAt);
    ends[j] = w.position - start;
  }
  completedRuns.set(list[n - 1]!, { entries: list, bytes: w.copy(start), ends });
}

export type DeserializeReassemblyResult =
  | { readonly ok: true; readonly state: ReassemblyState; readonly lostPartials: number }
  | { readonly ok: false; readonly error: SegmentationError };

/**
 * Total: never throws. A version-2 state gets each part's bytes from `parts`; an incomplete message with a
 * part that `parts` does not have is dropped (it could never complete), and counted in `lostPartials`.
 */
export function deserializeReassemblyState(bytes: Uint8Array, parts?: PartLookup): DeserializeReassemblyResult {
  try {
    const r = new ByteReader(bytes);
    const version = r.u8();
    if (version !== STATE_VERSION && version !== INDEX_VERSION) return badState("unknown reassembly state version");
    const partial: PartialMessage[] = [];
    let lostPartials = 0;
    for (let i = r.count(48); i > 0; i--) {
      const sender = r.string();
      const hash = r.raw(32);
      const count = r.u32();
      if (count < 1 || count > MAX_SEGMENTS) return badState("bad segment count in state");
      const firstSeenAt = r.uint();
      const list: (Uint8Array | undefined)[] = new Array(count).fill(undefined);
      let received = 0;
      let size = 0;
      let whole = true;
      const take = (j: number, part: Uint8Array | undefined) => {
        if (!part) return;
        list[j] = part;
        received++;
        size += part.length;
      };
      if (version === STATE_VERSION) for (let j = 0; j < count; j++) take(j, r.optBytes());
      else {
        const n = r.u32();
        if (n > count) return badState("more parts than segments in state");
        for (let k = 0; k < n; k++) {
          const j = r.u8();
          if (j >= count || list[j] !== undefined) return badState("bad part index in state");
          const part = parts?.(sender, hash, j);
          if (part === undefined) whole = false;
          take(j, part ?? EMPTY_PART);
        }
      }
      if (whole) partial.push({ sender, hash, count, parts: list, received, bytes: size, firstSeenAt });
      else lostPartials++;
    }
    const completed: CompletedMessage[] = [];
    for (let i = r.count(44); i > 0; i--)
      completed.push({ sender: r.string(), hash: r.raw(32), completedAt: r.uint() });
    if (!r.done) return badState("trailing bytes in reassembly state");
    return { ok: true, state: { partial, completed }, lostPartials };
  } catch (e) {
    if (e instanceof TruncatedInput) return badState("truncated reassembly state");
    throw e;
  }
}

const EMPTY_PART = new Uint8Array(0);

function reject(state: ReassemblyState, code: SegmentationError["code"], message: string): ReassemblyResult {
  return { state, status: "rejected", error: new SegmentationError(code, message) };
}

function badState(message: string): DeserializeReassemblyResult {
  return { ok: false, error: new SegmentationError("bad-state", message) };
}
