/**
 * The SDS history a PrivateV1 state keeps out of its record (state version 5), written as deltas:
 *
 * - the `known` window (up to `historyWindow` ids, 1,000 by default: delivered and sent ids), one record per
 *   id (namespace `private-v1.known`, key `<local id>/<position>`, the position counted from the first id the
 *   conversation ever had, so keys sort in window order): a send appends one id and drops the oldest, so it
 *   puts one record and deletes one, where version 4 rewrote the whole window (16 KB) with every step;
 * - the Bloom filter of delivered ids (3,752 bytes), in 64-byte chunks (namespace `private-v1.bloom`, key
 *   `<local id>/<chunk>`), only the chunks that are not zero: a delivery sets at most `hashes` bits, so it
 *   rewrites at most that many chunks, and a send (which leaves the filter as it is) none;
 * - the ids declared lost (up to `maxLost`, 256: a peer decides how many) and our ids given up (up to
 *   `abandonedWindow`, 1,000: a week with the peer offline gives up every message), one record per id
 *   (namespaces `private-v1.lost` and `private-v1.abandoned`, key `<local id>/<id>`, value its number in the
 *   order the ids joined the list).
 *
 * While the window holds at most `INLINE_HISTORY` ids, both stay inside the state and there are no records.
 *
 * Like frame-records.ts, what the store holds is remembered per conversation (read once by `load` or by a
 * scan) and a failed commit forgets it all (`abort`), so the next stage reads it again.
 */
import { fromUtf8, utf8 } from "../../base/bytes.js";
import type { ReadView, StateRecords } from "../../framework/lifecycle.js";
import type { ConversationRef } from "../../framework/runtime.js";
import type { StoreEntry, TransactionView } from "../../framework/store.js";
import type { PrivateV1State } from "./state.js";
import { BLOOM_CHUNK, bloomFromChunks, historyInline, supplyHistory } from "./state-history.js";

export const KNOWN_NS = "private-v1.known";
export const BLOOM_NS = "private-v1.bloom";
export const LOST_NS = "private-v1.lost";
export const ABANDONED_NS = "private-v1.abandoned";

/** The SDS id lists kept one record per id, by their namespace. */
const ID_LISTS = { lost: LOST_NS, abandoned: ABANDONED_NS } as const;
type ListName = keyof typeof ID_LISTS;
const LIST_NAMES = Object.keys(ID_LISTS) as ListName[];

const NONE: readonly string[] = [];

const positionKey = (localId: string, at: number) => `${localId}/${at.toString(16).padStart(12, "0")}`;
const chunkKey = (localId: string, i: number) => `${localId}/${i.toString(16).padStart(3, "0")}`;

/** What the store holds for one conversation as of the last commit. */
interface Held {
  /** The window, and the position of its first id. */
  known: readonly string[];
  first: number;
  /** The filter as committed, or (read from records, before the state's length is known) its chunks. */
  bloom: Uint8Array | undefined;
  chunks: Map<number, Uint8Array>;
  lists: Record<ListName, IdList>;
}

/** An id list as stored: its ids, each with its number, and the number the next one gets. */
interface IdList {
  ids: readonly string[];
  at: Map<string, number>;
  next: number;
}

const emptyList = (): IdList => ({ ids: [], at: new Map(), next: 0 });

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

/** An id list read from its records, in the order the ids joined it. Undefined if malformed. */
function readList(entries: readonly StoreEntry[], prefix: string): IdList | undefined {
  const at = new Map<string, number>();
  for (const e of entries) {
    if (e.value.length !== 4) return undefined;
    at.set(e.key.slice(prefix.length), new DataView(e.value.buffer, e.value.byteOffset, 4).getUint32(0));
  }
  const ids = [...at.keys()].sort((a, b) => at.get(a)! - at.get(b)!);
  return { ids, at, next: ids.length > 0 ? at.get(ids[ids.length - 1]!)! + 1 : 0 };
}

/** The window read from its records: ids in key order, and the position of the first. Undefined if malformed. */
function readKnown(entries: readonly StoreEntry[], prefix: string): { ids: string[]; first: number } | undefined {
  const ids: string[] = [];
  let first = 0;
  for (const [i, e] of entries.entries()) {
    const at = Number.parseInt(e.key.slice(prefix.length), 16);
    const id = fromUtf8(e.value);
    if (!Number.isSafeInteger(at) || id === undefined) return undefined;
    if (i === 0) first = at;
    else if (at !== first + i) return undefined; // a gap: not a window this code wrote
    ids.push(id);
  }
  return { ids, first };
}

function readChunks(entries: readonly StoreEntry[], prefix: string): Map<number, Uint8Array> {
  return new Map(entries.map((e) => [Number.parseInt(e.key.slice(prefix.length), 16), e.value] as const));
}

/**
 * How many ids were dropped from the front of `before` to make `after` (which then appends the rest): all of
 * them when `after` is not such a continuation. Costs a pass over the window (usually one `indexOf`).
 */
function slide(before: readonly string[], after: readonly string[]): number {
  if (after.length === 0) return before.length;
  for (let dropped = before.indexOf(after[0]!); dropped >= 0; dropped = before.indexOf(after[0]!, dropped + 1)) {
    const kept = before.length - dropped;
    if (kept > after.length) continue;
    let same = true;
    for (let i = 0; i < kept && same; i++) same = before[dropped + i] === after[i];
    if (same) return dropped;
  }
  return before.length;
}

function zero(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Known-window, Bloom-filter, lost-id and given-up-id records of PrivateV1 states: one instance per client. */
export function historyRecords(): StateRecords<PrivateV1State> & { abort(): void } {
  let held = new Map<string, Held>();

  async function read(view: ReadView, localId: string): Promise<Held | undefined> {
    const prefix = `${localId}/`;
    const known = readKnown(await view.scan(KNOWN_NS, { prefix }), prefix);
    const chunks = readChunks(await view.scan(BLOOM_NS, { prefix }), prefix);
    const lists = {} as Record<ListName, IdList>;
    for (const name of LIST_NAMES) {
      const list = readList(await view.scan(ID_LISTS[name], { prefix }), prefix);
      if (!list) return undefined;
      lists[name] = list;
    }
    return known && { known: known.ids, first: known.first, bloom: undefined, chunks, lists };
  }

  async function heldOf(view: TransactionView, localId: string): Promise<Held> {
    let h = held.get(localId);
    if (!h) {
      // Records this code cannot read as a window are replaced whole.
      h = (await read(view, localId)) ?? (await clear(view, localId));
      held.set(localId, h);
    }
    return h;
  }

  async function clear(view: TransactionView, localId: string): Promise<Held> {
    for (const ns of [KNOWN_NS, BLOOM_NS, ...Object.values(ID_LISTS)])
      for (const e of await view.scan(ns, { prefix: `${localId}/` })) view.delete(ns, e.key);
    const lists = { lost: emptyList(), abandoned: emptyList() };
    return { known: [], first: 0, bloom: undefined, chunks: new Map(), lists };
  }

  function stageKnown(view: TransactionView, localId: string, h: Held, known: readonly string[]): void {
    if (known === h.known) return;
    const dropped = slide(h.known, known);
    for (let i = 0; i < dropped; i++) view.delete(KNOWN_NS, positionKey(localId, h.first + i));
    const first = h.first + dropped;
    for (let i = h.known.length - dropped; i < known.length; i++)
      view.put(KNOWN_NS, positionKey(localId, first + i), utf8(known[i]!));
    h.known = known;
    h.first = first;
  }

  function stageBloom(view: TransactionView, localId: string, h: Held, bloom: Uint8Array): void {
    if (bloom === h.bloom) return;
    const before = h.bloom ?? bloomFromChunks(h.chunks, bloom.length);
    const count = Math.ceil(bloom.length / BLOOM_CHUNK);
    for (let i = 0; i < count; i++) {
      const chunk = bloom.subarray(i * BLOOM_CHUNK, (i + 1) * BLOOM_CHUNK);
      const was = before?.subarray(i * BLOOM_CHUNK, (i + 1) * BLOOM_CHUNK);
      if (before !== undefined && sameBytes(was, chunk)) continue;
      if (zero(chunk)) view.delete(BLOOM_NS, chunkKey(localId, i));
      else view.put(BLOOM_NS, chunkKey(localId, i), chunk.slice());
    }
    // Chunks beyond the filter (a filter of another size read from records): gone.
    if (before === undefined)
      for (const i of h.chunks.keys()) if (i >= count) view.delete(BLOOM_NS, chunkKey(localId, i));
    h.bloom = bloom;
    h.chunks = new Map();
  }

  /**
   * Ids leave a list anywhere (a lost one that arrives after all, a given-up one acknowledged late) and join
   * it at its end: the ids kept keep their numbers, new ones are numbered after them. A list in another
   * order is renumbered.
   */
  function stageList(view: TransactionView, localId: string, ns: string, l: IdList, ids: readonly string[]): void {
    if (ids === l.ids) return;
    const want = new Set(ids);
    for (const id of l.at.keys())
      if (!want.has(id)) {
        view.delete(ns, `${localId}/${id}`);
        l.at.delete(id);
      }
    let last = -1;
    let fresh = false;
    let ordered = true;
    for (const id of ids) {
      const n = l.at.get(id);
      if (n === undefined) fresh = true;
      else if (fresh || n < last) ordered = false;
      else last = n;
    }
    if (!ordered) l.at.clear();
    for (const id of ids)
      if (!l.at.has(id)) {
        const n = l.next++;
        view.put(ns, `${localId}/${id}`, u32(n));
        l.at.set(id, n);
      }
    l.ids = ids;
  }

  function clearBloom(view: TransactionView, localId: string, h: Held): void {
    if (h.bloom === undefined && h.chunks.size === 0) return;
    const count = h.bloom === undefined ? 0 : Math.ceil(h.bloom.length / BLOOM_CHUNK);
    for (let i = 0; i < count; i++)
      if (!zero(h.bloom!.subarray(i * BLOOM_CHUNK, (i + 1) * BLOOM_CHUNK))) view.delete(BLOOM_NS, chunkKey(localId, i));
    for (const i of h.chunks.keys()) view.delete(BLOOM_NS, chunkKey(localId, i));
    h.bloom = undefined;
    h.chunks = new Map();
  }

  return {
    async load(view: ReadView, ref: ConversationRef, bytes: Uint8Array): Promise<void> {
      // Version 5 and later keep their window and filter in records (version byte first).
      if ((bytes[0] ?? 0) < 5) return;
      const h = await read(view, ref.id);
      if (!h) return; // the state then does not decode: its records are not a window
      held.set(ref.id, h);
      supplyHistory(bytes, {
        known: h.known,
        chunks: h.chunks,
        lost: h.lists.lost.ids,
        abandoned: h.lists.abandoned.ids,
      });
    },
    async stage(view: TransactionView, ref: ConversationRef, state: PrivateV1State): Promise<void> {
      const h = await heldOf(view, ref.id);
      // A small window and its filter travel inside the state (state.ts `historyInline`): no records then.
      const inline = historyInline(state);
      stageKnown(view, ref.id, h, inline ? NONE : state.sds.known);
      for (const name of LIST_NAMES)
        stageList(view, ref.id, ID_LISTS[name], h.lists[name], inline ? NONE : state.sds[name]);
      if (inline) clearBloom(view, ref.id, h);
      else stageBloom(view, ref.id, h, state.sds.bloom);
    },
    async forget(view: TransactionView, ref: ConversationRef): Promise<void> {
      await clear(view, ref.id);
      held.delete(ref.id);
    },
    abort(): void {
      held = new Map();
    },
  };
}
