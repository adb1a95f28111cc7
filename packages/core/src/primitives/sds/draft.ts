/**
 * A transition's working copy of a state (`Draft`), opened from a state and finished into the next one, and
 * the speed-ups that keep a transition from costing time in proportion to the state:
 *
 * - the `known` window (up to `historyWindow` ids) is never copied while a transition appends to it and trims
 *   it: the draft keeps the state's array, how many of its ids were dropped and the ids added, and builds the
 *   new array once, at the end, only if it changed (and extends its packed form, known.ts);
 * - membership of `known` is answered by scanning the most recent ids for the first few lookups, then by an
 *   index carried from state to state (known.ts); membership of `lost` by a set built after a few lookups.
 *
 * The protocol steps (send.ts, receive.ts, delivery.ts, acks.ts, ack-debt.ts, resend.ts, incoming-lost.ts,
 * sweep.ts) read and change `known` and `lost` only through the functions here.
 */
import type { SdsEvent, SdsOutgoing, SdsStep } from "./events.js";
import { derivePacked, giveIndex, KnownIndex, takeIndex } from "./known.js";
import type { SdsState } from "./state.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

export interface Draft extends Omit<Mutable<SdsState>, "known"> {
  events: SdsEvent[];
  out: SdsOutgoing[];
  /**
   * `known` is the state's array (never modified) without its first `knownDropped` ids, then `knownAdded`
   * (of which the first `knownDropped - knownBase.length` are dropped too, when that is positive): the new
   * array is built once, when the transition finishes, and only if it changed.
   */
  knownBase: readonly string[];
  knownDropped: number;
  knownAdded: string[];
  /**
   * The membership index of `known` carried from state to state (see known.ts), or, while its lineage has
   * none, how many lookups scanned the array: building one costs about as much as a few scans of a full
   * window, so it is built once scans have paid for it.
   */
  knownIndex: KnownIndex | number;
  /** Membership index of `lost` (usually empty), built only once a transition makes more than a few lookups. */
  lostSet: Set<string> | undefined;
  lookups: number;
}

/** Lookups answered by scanning before an index is built. */
const SCANNED_LOOKUPS = 8;

/** A working copy of `s`; `s` itself is never modified. */
export function openDraft(s: SdsState): Draft {
  return {
    channelId: s.channelId,
    senderId: s.senderId,
    lamport: s.lamport,
    bloom: s.bloom,
    bloomCount: s.bloomCount,
    recent: [...s.recent],
    knownBase: s.known,
    knownDropped: 0,
    knownAdded: [],
    knownIndex: takeIndex(s.known),
    lost: [...s.lost],
    missing: [...s.missing],
    incoming: [...s.incoming],
    outgoing: [...s.outgoing],
    lastOwnId: s.lastOwnId,
    ackOwed: [...s.ackOwed],
    ackOwedSince: s.ackOwedSince,
    lastSentAt: s.lastSentAt,
    peerHeardAt: s.peerHeardAt,
    abandoned: [...s.abandoned],
    events: [],
    out: [],
    lostSet: undefined,
    lookups: 0,
  };
}

/** The next state, with the index and packed window handed on to it, and what the transition produced. */
export function finishDraft(d: Draft): SdsStep {
  const known = knownIds(d);
  if (known !== d.knownBase) derivePacked(d.knownBase, known, d.knownDropped, d.knownAdded);
  giveIndex(known, d.knownIndex);
  const state: SdsState = {
    channelId: d.channelId,
    senderId: d.senderId,
    lamport: d.lamport,
    bloom: d.bloom,
    bloomCount: d.bloomCount,
    recent: d.recent,
    known,
    lost: d.lost,
    missing: d.missing,
    incoming: d.incoming,
    outgoing: d.outgoing,
    lastOwnId: d.lastOwnId,
    ackOwed: d.ackOwed,
    ackOwedSince: d.ackOwedSince,
    lastSentAt: d.lastSentAt,
    peerHeardAt: d.peerHeardAt,
    abandoned: d.abandoned,
  };
  return { state, outgoing: d.out, events: d.events };
}

/** The draft's `known` window as an array (the state's own while unchanged). */
export function knownIds(d: Draft): readonly string[] {
  const base = d.knownBase;
  if (d.knownAdded.length === 0 && d.knownDropped === 0) return base;
  if (d.knownDropped >= base.length) return d.knownAdded.slice(d.knownDropped - base.length);
  const out = base.slice(d.knownDropped);
  for (const id of d.knownAdded) out.push(id);
  return out;
}

/** Delivered (or ours) and still in the window. */
export function isKnown(d: Draft, id: string): boolean {
  if (typeof d.knownIndex === "number") {
    if (++d.knownIndex <= SCANNED_LOOKUPS) {
      // Scanning from the end: dependencies are usually among the most recent ids.
      const base = d.knownBase;
      const added = d.knownAdded;
      const dropped = d.knownDropped;
      const at = added.lastIndexOf(id);
      if (at !== -1) return at >= dropped - base.length;
      return dropped < base.length && base.lastIndexOf(id) >= dropped;
    }
    d.knownIndex = KnownIndex.of(knownIds(d));
  }
  return d.knownIndex.has(id);
}

/** Declared lost and still remembered. */
export function isLost(d: Draft, id: string): boolean {
  if (d.lostSet === undefined && d.lost.length > 0 && ++d.lookups > SCANNED_LOOKUPS) d.lostSet = new Set(d.lost);
  return d.lostSet === undefined ? d.lost.includes(id) : d.lostSet.has(id);
}

/** A dependency that no longer blocks delivery: delivered, or declared lost. */
export function isAvailable(d: Draft, id: string): boolean {
  return isKnown(d, id) || isLost(d, id);
}

/** Appends `id` to the window, dropping the oldest beyond `window` ids; it is no longer lost. */
export function addKnown(d: Draft, id: string, window: number): void {
  const base = d.knownBase;
  const added = d.knownAdded;
  const index = typeof d.knownIndex === "number" ? undefined : d.knownIndex;
  added.push(id);
  index?.push(id);
  for (let n = base.length + added.length - d.knownDropped; n > window; n--) {
    const i = d.knownDropped++;
    index?.shift(i < base.length ? base[i]! : added[i - base.length]!);
  }
  if (isLost(d, id)) {
    d.lost = d.lost.filter((x) => x !== id);
    d.lostSet?.delete(id);
  }
}

/** Remembers `ids` as lost (each once), keeping the newest `max`. */
export function addLost(d: Draft, ids: readonly string[], max: number): void {
  for (const id of ids) {
    if (isLost(d, id)) continue;
    d.lost.push(id);
    d.lostSet?.add(id);
  }
  if (d.lost.length > max) {
    // One splice, not a shift per id (that was quadratic in what a peer made us declare lost).
    for (const dropped of d.lost.splice(0, d.lost.length - max)) d.lostSet?.delete(dropped);
  }
}
