/**
 * The SDS history of a version-5 PrivateV1 state (the `known` window, the Bloom filter, the lost and given-up
 * ids): inside the state while small (`historyInline`), otherwise in records of its own (history-records.ts),
 * which `decodePrivateState` takes from what was read with the state's bytes (`supplyHistory`) or, for bytes
 * encoded in this process, from the state they were encoded from (`rememberHistory`).
 */
import type { SdsState } from "../../primitives/sds/index.js";
import type { PrivateV1State } from "./state.js";

/** The SDS history read from a store's records (history-records.ts): the window, and the filter's chunks. */
export interface StoredHistory {
  readonly known: readonly string[];
  readonly chunks: ReadonlyMap<number, Uint8Array>;
  readonly lost: readonly string[];
  readonly abandoned: readonly string[];
}

export type History = Pick<SdsState, "known" | "bloom" | "lost" | "abandoned">;

/** The history each encoded state (by its bytes) holds, and what was read from records for bytes read. */
const encodedHistory = new WeakMap<Uint8Array, History>();
const loadedHistory = new WeakMap<Uint8Array, StoredHistory>();

/** Makes `decodePrivateState(bytes)` take its `known` window and Bloom filter from `history`. */
export function supplyHistory(bytes: Uint8Array, history: StoredHistory): void {
  loadedHistory.set(bytes, history);
}

/** The window and filter of a version-5 state: what was encoded, or read from records (undefined: neither). */
export function historyFor(bytes: Uint8Array, bloomLength: number, ids: number): History | undefined {
  const own = encodedHistory.get(bytes);
  if (own) return own;
  const loaded = loadedHistory.get(bytes);
  if (!loaded) return ids === 0 ? { ...NO_HISTORY, bloom: new Uint8Array(bloomLength) } : undefined;
  // Records that hold another window than the state counts (a state record restored from an older copy):
  // what the store holds is taken. Ids delivered since are then known, so they are not delivered twice.
  const bloom = bloomFromChunks(loaded.chunks, bloomLength);
  return bloom && { known: loaded.known, bloom, lost: loaded.lost, abandoned: loaded.abandoned };
}

/** Written in place of the window and filter in a version-5 state's SDS section when they are records. */
export const NO_HISTORY: History = { known: [], bloom: new Uint8Array(0), lost: [], abandoned: [] };

/** Windows (with the lost and given-up ids) of up to this many ids stay inside the state (`historyInline`). */
export const INLINE_HISTORY = 8;

/**
 * Whether a state keeps its window and filter inside itself rather than in records: while the window is
 * small (a conversation's first few messages), which keeps a state read from elsewhere than the store whole
 * (a message request keeps the first state of its conversation as bytes, and no records go with them).
 */
export function historyInline(s: PrivateV1State): boolean {
  return s.sds.known.length + s.sds.lost.length + s.sds.abandoned.length <= INLINE_HISTORY;
}

/** Bytes of the Bloom filter per record (history-records.ts). */
export const BLOOM_CHUNK = 64;

/** The filter of `length` bytes its chunks make (history-records.ts); undefined when one does not fit in it. */
export function bloomFromChunks(chunks: ReadonlyMap<number, Uint8Array>, length: number): Uint8Array | undefined {
  const bloom = new Uint8Array(length);
  for (const [i, chunk] of chunks) {
    if (!Number.isSafeInteger(i) || i < 0 || chunk.length > BLOOM_CHUNK) return undefined;
    if (i * BLOOM_CHUNK + chunk.length > length) return undefined;
    bloom.set(chunk, i * BLOOM_CHUNK);
  }
  return bloom;
}

/** Makes decoding `bytes` (just encoded from `s`) take the history from `s`. */
export function rememberHistory(bytes: Uint8Array, s: PrivateV1State): void {
  const { known, bloom, lost, abandoned } = s.sds;
  encodedHistory.set(bytes, { known, bloom, lost, abandoned });
}
