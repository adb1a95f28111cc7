/**
 * The work in progress of a version-6 PrivateV1 state that grows with traffic: the receipts, the frames given
 * up, the SDS owed acknowledgements, missing ids and buffered (out-of-order) messages, and the frames recently
 * reassembled (remembered to drop a late duplicate segment: up to 64, one more with every received message),
 * and the ratchet's skipped message keys (one per message that has not arrived in order: up to 2 × max_skip). Inside the state
 * while small (`workInline`), otherwise in records of their own (work-records.ts), which `decodePrivateState`
 * takes from what was read with the state's bytes (`supplyWork`) or, for bytes encoded in this process, from
 * the state they were encoded from (`rememberWork`). Like state-history.ts for the SDS history.
 */

import type { SkippedKey } from "../../primitives/ratchet/index.js";
import type { BufferedMessage, MissingMessage, OwedAck, SdsState } from "../../primitives/sds/index.js";
import type { CompletedMessage } from "../../primitives/segmentation/index.js";
import { RECEIPT } from "./receipts.js";
import type { OutboundFrame, PrivateV1State } from "./state.js";

export interface Work {
  readonly receipts: Uint8Array;
  readonly lostFrames: readonly OutboundFrame[];
  readonly ackOwed: readonly OwedAck[];
  readonly missing: readonly MissingMessage[];
  readonly incoming: readonly BufferedMessage[];
  readonly completed: readonly CompletedMessage[];
  readonly skipped: readonly SkippedKey[];
}

/** How many of each a state counts when its work is in records: written in the state, checked on read. */
export interface WorkCounts {
  readonly receipts: number;
  readonly lostFrames: number;
  readonly ackOwed: number;
  readonly missing: number;
  readonly incoming: number;
  readonly completed: number;
  readonly skipped: number;
}

/** Written in place of the SDS lists in a version-6 state's SDS section when they are records. */
export const NO_SDS_WORK: Pick<SdsState, "ackOwed" | "missing" | "incoming"> = {
  ackOwed: [],
  missing: [],
  incoming: [],
};

/** Up to this many items (receipts, frames, acks, ids and messages together) stay inside the state. */
export const INLINE_WORK = 8;

export function workCounts(s: PrivateV1State): WorkCounts {
  return {
    receipts: Math.ceil(s.receipts.length / RECEIPT),
    lostFrames: s.lostFrames.length,
    ackOwed: s.sds.ackOwed.length,
    missing: s.sds.missing.length,
    incoming: s.sds.incoming.length,
    completed: s.reassembly.completed.length,
    skipped: s.ratchet.skipped.length,
  };
}

/**
 * Whether a state keeps its work inside itself rather than in records: while there is little of it (a
 * conversation's first messages), which keeps a state read from elsewhere than the store whole (a message
 * request keeps the first state of its conversation as bytes, and no records go with them).
 */
export function workInline(s: PrivateV1State): boolean {
  const c = workCounts(s);
  return Object.values(c).reduce((a, b) => a + b) <= INLINE_WORK;
}

const encodedWork = new WeakMap<Uint8Array, Work>();
const loadedWork = new WeakMap<Uint8Array, Work>();

/** Makes `decodePrivateState(bytes)` take its work from `work` (read from its records). */
export function supplyWork(bytes: Uint8Array, work: Work): void {
  loadedWork.set(bytes, work);
}

/** Makes decoding `bytes` (just encoded from `s`) take the work from `s`. */
export function rememberWork(bytes: Uint8Array, s: PrivateV1State): void {
  const { ackOwed, missing, incoming } = s.sds;
  const { receipts, lostFrames } = s;
  const { completed } = s.reassembly;
  encodedWork.set(bytes, { receipts, lostFrames, ackOwed, missing, incoming, completed, skipped: s.ratchet.skipped });
}

/**
 * The work of a version-6 state whose work is in records: what was encoded, or read from records. Undefined
 * when neither is known and the state counts some (its records were not read with it). Records that hold
 * other counts than the state (a state record restored from an older copy) are taken as they are, as
 * state-history.ts does: the records are what the last commit wrote.
 */
export function workFor(bytes: Uint8Array, counts: WorkCounts): Work | undefined {
  const known = encodedWork.get(bytes) ?? loadedWork.get(bytes);
  if (known) return known;
  const none = Object.values(counts).every((n) => n === 0);
  return none ? { receipts: new Uint8Array(0), lostFrames: [], ...NO_SDS_WORK, completed: [], skipped: [] } : undefined;
}
