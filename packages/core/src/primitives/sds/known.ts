/**
 * Side structures for a state's `known` window (up to `historyWindow` ids, which every transition may look
 * up and every persisted state re-encodes), carried from a state to the next one so that neither costs time
 * in proportion to the window per message:
 *
 * - a membership index, handed from the state a transition starts from to the state it returns;
 * - the window packed as bytes (ids are lowercase hex in PrivateV1), extended in place by the ids a
 *   transition appends, so that encoding a state copies one block of bytes.
 *
 * Both are keyed by the `known` array itself (states are immutable: an array is never modified once it is
 * in a state) and each describes exactly its array, so whatever a caller later does with a state (commit
 * it, drop it, start another transition from an older one) cannot make them wrong: a state without them
 * gets them rebuilt.
 */
import { packHex } from "../../base/binary.js";

/** Id → the position of its last occurrence, counted from the first id the index ever held. */
export class KnownIndex {
  readonly #last = new Map<string, number>();
  /** Positions of the first id in the window and one past the last. */
  #low = 0;
  #high = 0;

  static of(ids: readonly string[]): KnownIndex {
    const index = new KnownIndex();
    for (const id of ids) index.push(id);
    return index;
  }

  get size(): number {
    return this.#high - this.#low;
  }

  has(id: string): boolean {
    return this.#last.has(id);
  }

  push(id: string): void {
    this.#last.set(id, this.#high++);
  }

  /** Drops the first id of the window, which must be `id`. */
  shift(id: string): void {
    if (this.#last.get(id) === this.#low) this.#last.delete(id);
    this.#low++;
  }
}

/**
 * The index of `known`, or how many lookups were answered by scanning it since its lineage last had one,
 * which the caller uses to decide when building an index pays. Removes it: the caller owns it now.
 */
const indexes = new WeakMap<readonly string[], KnownIndex | number>();

export function takeIndex(known: readonly string[]): KnownIndex | number {
  const found = indexes.get(known);
  if (found === undefined) return 0;
  indexes.delete(known);
  // A guard against a caller that modified a state's array in place: it would no longer match.
  return typeof found === "number" || found.size === known.length ? found : 0;
}

export function giveIndex(known: readonly string[], index: KnownIndex | number): void {
  indexes.set(known, index);
}

/** A growable buffer that packed windows are views of; bytes below `used` are never written again. */
interface PackBuffer {
  bytes: Uint8Array;
  used: number;
}

interface Packed {
  readonly buffer: PackBuffer;
  readonly start: number;
  readonly end: number;
  /** Bytes per id. */
  readonly width: number;
}

const packs = new WeakMap<readonly string[], Packed>();

/** `known` packed (`ByteWriter.hexList`): its width and bytes, when all its ids are hex of one length. */
export function packedKnown(known: readonly string[]): { width: number; bytes: Uint8Array } | undefined {
  let p = packs.get(known);
  if (p !== undefined && (p.end - p.start) / p.width !== known.length) p = undefined;
  if (p === undefined) {
    p = pack(known);
    if (p === undefined) return undefined;
    packs.set(known, p);
  }
  return { width: p.width, bytes: p.buffer.bytes.subarray(p.start, p.end) };
}

/** Records that `known` was read from `packed` (ids of `width` bytes), so that encoding it again is a copy. */
export function rememberPacked(known: readonly string[], width: number, packed: Uint8Array): void {
  const buffer = { bytes: new Uint8Array(capacityFor(packed.length)), used: packed.length };
  buffer.bytes.set(packed);
  packs.set(known, { buffer, start: 0, end: packed.length, width });
}

/**
 * Records that `next` is `previous` without its first `dropped` ids, then `added` (of which the first
 * `dropped - previous.length` are dropped too, when that is positive). When `previous` is packed, `next`
 * is packed by appending the new ids to the same buffer (or a fresh one, when another state already
 * appended there or it is full).
 */
export function derivePacked(
  previous: readonly string[],
  next: readonly string[],
  dropped: number,
  added: readonly string[],
): void {
  const p = packs.get(previous);
  if (p === undefined || (p.end - p.start) / p.width !== previous.length) return;
  const { width } = p;
  const skipAdded = Math.max(0, dropped - previous.length);
  const start = p.start + Math.min(dropped, previous.length) * width;
  const grow = (added.length - Math.min(skipAdded, added.length)) * width;
  let buffer = p.buffer;
  let from = start;
  if (buffer.used !== p.end || p.end + grow > buffer.bytes.length) {
    const kept = p.end - start;
    buffer = { bytes: new Uint8Array(capacityFor(kept + grow)), used: kept };
    buffer.bytes.set(p.buffer.bytes.subarray(start, p.end));
    from = 0;
  }
  let at = buffer.used;
  for (let i = skipAdded; i < added.length; i++) {
    const id = added[i]!;
    if (id.length !== 2 * width || !packHex(id, buffer.bytes, at)) return;
    at += width;
  }
  buffer.used = at;
  packs.set(next, { buffer, start: from, end: at, width });
}

function pack(known: readonly string[]): Packed | undefined {
  if (known.length === 0) return undefined;
  const width = known[0]!.length / 2;
  const bytes = new Uint8Array(capacityFor(known.length * width));
  let at = 0;
  for (const id of known) {
    if (id.length !== 2 * width || !packHex(id, bytes, at)) return undefined;
    at += width;
  }
  return { buffer: { bytes, used: at }, start: 0, end: at, width };
}

/** Room for the window and as many appends again before the next copy. */
function capacityFor(length: number): number {
  return Math.max(2 * length, 1024);
}
