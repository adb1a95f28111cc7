/**
 * The work of a PrivateV1 state that grows with traffic (state version 6, state-work.ts), one record per item,
 * written as deltas, so that a step writes what it changed and not everything before it:
 *
 * - receipts (up to 1,000 of 24 bytes, one per received message: 24 KB that version 5 rewrote with every
 *   step), namespace `private-v1.receipts`: a receive puts one and deletes the oldest;
 * - frames given up (up to 256), `private-v1.lost-frames`;
 * - SDS owed acknowledgements (up to `maxAckOwed`), missing ids (up to `maxTracked`) and buffered out-of-order
 *   messages with their content (up to `maxIncoming` and 32 MiB), `private-v1.owed`, `private-v1.missing`,
 *   `private-v1.incoming`;
 * - the frames the reassembly completed recently (up to 64, remembered to drop a late duplicate segment; one
 *   more with every received message, ~5 KB rewritten by every receive in version 5), `private-v1.completed`;
 * - the ratchet's skipped message keys (up to 2 × max_skip, 76 bytes each, one per message not received in
 *   order, kept until used or expired), `private-v1.skipped`.
 *
 * Keys are `<local id>/<number>`, the number (12 hex digits) increasing in list order, so a scan reads a list
 * in order. An item kept from one state to the next (the same object: states are immutable) keeps its record;
 * a new or changed one is written under a fresh number after the others; a dropped one is deleted. What the
 * store holds is remembered per conversation (read once by `load` or by a scan); a failed commit forgets it
 * all (`abort`), so the next stage reads it again.
 */
import { ByteReader, ByteWriter, TruncatedInput } from "../../base/binary.js";
import { concatBytes } from "../../base/bytes.js";
import type { ReadView, StateRecords } from "../../framework/lifecycle.js";
import type { ConversationRef } from "../../framework/runtime.js";
import type { StoreEntry, TransactionView } from "../../framework/store.js";
import type { SkippedKey } from "../../primitives/ratchet/index.js";
import { readBufferedMessage, writeBufferedMessage } from "../../primitives/sds/index.js";
import type { CompletedMessage } from "../../primitives/segmentation/index.js";
import { RECEIPT, receiptLinks } from "./receipts.js";
import { type PrivateV1State, readFrame, writeFrame } from "./state.js";
import { supplyWork, type Work, workInline } from "./state-work.js";

export const RECEIPTS_NS = "private-v1.receipts";
export const LOST_FRAMES_NS = "private-v1.lost-frames";
export const OWED_NS = "private-v1.owed";
export const MISSING_NS = "private-v1.missing";
export const INCOMING_NS = "private-v1.incoming";
export const COMPLETED_NS = "private-v1.completed";
export const SKIPPED_NS = "private-v1.skipped";

const RECORD_VERSION = 1;

/** How each list's items are written and read (throws TruncatedInput on short input). */
const LISTS = {
  lostFrames: { ns: LOST_FRAMES_NS, write: writeFrame, read: (r: ByteReader) => readFrame(r, 2) },
  ackOwed: {
    ns: OWED_NS,
    write: (w: ByteWriter, a: Work["ackOwed"][number]) => void w.string(a.messageId).string(a.senderId),
    read: (r: ByteReader) => ({ messageId: r.string(), senderId: r.string() }),
  },
  missing: {
    ns: MISSING_NS,
    write: (w: ByteWriter, m: Work["missing"][number]) =>
      void w.string(m.messageId).optBytes(m.retrievalHint).uint(m.since),
    read: (r: ByteReader) => {
      const messageId = r.string();
      const retrievalHint = r.optBytes();
      const since = r.uint();
      return retrievalHint ? { messageId, retrievalHint, since } : { messageId, since };
    },
  },
  incoming: { ns: INCOMING_NS, write: writeBufferedMessage, read: readBufferedMessage },
  completed: {
    ns: COMPLETED_NS,
    write: (w: ByteWriter, c: CompletedMessage) => void w.string(c.sender).bytes(c.hash).uint(c.completedAt),
    read: (r: ByteReader): CompletedMessage => ({ sender: r.string(), hash: r.bytes(), completedAt: r.uint() }),
  },
  // As the ratchet state writes them.
  skipped: {
    ns: SKIPPED_NS,
    write: (w: ByteWriter, k: SkippedKey) => void w.raw(k.dh).u32(k.n).uint(k.createdAt).raw(k.messageKey),
    read: (r: ByteReader): SkippedKey => ({ dh: r.raw(32), n: r.u32(), createdAt: r.uint(), messageKey: r.raw(32) }),
  },
} as const;
type ListName = keyof typeof LISTS;
const LIST_NAMES = Object.keys(LISTS) as ListName[];

export const WORK_NAMESPACES = [RECEIPTS_NS, ...LIST_NAMES.map((n) => LISTS[n].ns)] as const;

const numberKey = (localId: string, n: number) => `${localId}/${n.toString(16).padStart(12, "0")}`;

/** A list as stored: its items and their numbers (same order), and the number the next one gets. */
interface Seq {
  items: readonly object[];
  nums: number[];
  next: number;
}

/** The receipts as stored: their bytes, the number of the first, and how many records there are. */
interface Receipts {
  bytes: Uint8Array;
  first: number;
  count: number;
}

interface Held {
  receipts: Receipts;
  lists: Record<ListName, Seq>;
}

const NO_BYTES = new Uint8Array(0);
const NONE: readonly object[] = [];

function numberOf(e: StoreEntry, prefix: string): number | undefined {
  const n = Number.parseInt(e.key.slice(prefix.length), 16);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function encodeItem<T>(write: (w: ByteWriter, item: T) => void, item: T): Uint8Array {
  const w = new ByteWriter().u8(RECORD_VERSION);
  write(w, item);
  return w.finish();
}

/** A list read from its records; undefined if one is malformed. */
function readSeq(entries: readonly StoreEntry[], prefix: string, read: (r: ByteReader) => object): Seq | undefined {
  const items: object[] = [];
  const nums: number[] = [];
  try {
    for (const e of entries) {
      const n = numberOf(e, prefix);
      const r = new ByteReader(e.value);
      if (n === undefined || r.u8() !== RECORD_VERSION) return undefined;
      items.push(read(r));
      if (!r.done) return undefined;
      nums.push(n);
    }
  } catch (e) {
    if (e instanceof TruncatedInput) return undefined;
    throw e;
  }
  return { items, nums, next: nums.length > 0 ? nums[nums.length - 1]! + 1 : 0 };
}

function readReceipts(entries: readonly StoreEntry[], prefix: string): Receipts | undefined {
  const first = entries.length > 0 ? numberOf(entries[0]!, prefix) : 0;
  if (first === undefined) return undefined;
  for (const [i, e] of entries.entries()) {
    // A gap, or a short receipt other than the last: not receipts this code wrote.
    if (numberOf(e, prefix) !== first + i) return undefined;
    if (e.value.length !== RECEIPT && i !== entries.length - 1) return undefined;
  }
  return { bytes: concatBytes(...entries.map((e) => e.value)), first, count: entries.length };
}

/** Receipt, lost-frame, owed-ack, missing-id and buffered-message records of PrivateV1 states: one per client. */
export function workRecords(): StateRecords<PrivateV1State> & { abort(): void } {
  let held = new Map<string, Held>();

  async function read(view: ReadView, localId: string): Promise<Held | undefined> {
    const prefix = `${localId}/`;
    const receipts = readReceipts(await view.scan(RECEIPTS_NS, { prefix }), prefix);
    if (!receipts) return undefined;
    const lists = {} as Record<ListName, Seq>;
    for (const name of LIST_NAMES) {
      const seq = readSeq(await view.scan(LISTS[name].ns, { prefix }), prefix, LISTS[name].read);
      if (!seq) return undefined;
      lists[name] = seq;
    }
    return { receipts, lists };
  }

  async function clear(view: TransactionView, localId: string): Promise<Held> {
    for (const ns of WORK_NAMESPACES)
      for (const e of await view.scan(ns, { prefix: `${localId}/` })) view.delete(ns, e.key);
    const lists = {} as Record<ListName, Seq>;
    for (const name of LIST_NAMES) lists[name] = { items: [], nums: [], next: 0 };
    return { receipts: { bytes: NO_BYTES, first: 0, count: 0 }, lists };
  }

  async function heldOf(view: TransactionView, localId: string): Promise<Held> {
    let h = held.get(localId);
    if (!h) {
      // Records this code cannot read are replaced whole.
      h = (await read(view, localId)) ?? (await clear(view, localId));
      held.set(localId, h);
    }
    return h;
  }

  function stageSeq(view: TransactionView, localId: string, name: ListName, s: Seq, items: readonly object[]): void {
    if (items === s.items) return;
    const { ns, write } = LISTS[name];
    // The usual step keeps a run of the old items (some dropped from the front, some added at the end):
    // those are matched by walking both lists, the rest through a map of the old items left.
    const off = items.length > 0 ? s.items.indexOf(items[0]!) : -1;
    let run = 0;
    if (off >= 0) while (run < items.length && off + run < s.items.length && items[run] === s.items[off + run]) run++;
    const at = new Map<object, number>();
    for (let i = 0; i < s.items.length; i++) if (i < off || i >= off + run) at.set(s.items[i]!, s.nums[i]!);
    const nums: number[] = [];
    const used = new Set<number>();
    let last = -1;
    for (const [i, it] of items.entries()) {
      let n = i < run ? s.nums[off + i] : at.get(it);
      if (n === undefined || n <= last || used.has(n)) {
        n = s.next++;
        view.put(ns, numberKey(localId, n), encodeItem(write as (w: ByteWriter, item: object) => void, it));
      }
      nums.push(n);
      used.add(n);
      last = n;
    }
    for (const n of s.nums) if (!used.has(n)) view.delete(ns, numberKey(localId, n));
    s.items = items;
    s.nums = nums;
  }

  function stageReceipts(view: TransactionView, localId: string, h: Receipts, bytes: Uint8Array): void {
    if (bytes === h.bytes) return;
    const link = receiptLinks.get(bytes);
    // A receive appends one receipt and may drop the oldest: that record, not all of them.
    const dropped = link && link.from === h.bytes && h.bytes.length % RECEIPT === 0 ? link.dropped : h.count;
    for (let i = 0; i < dropped; i++) view.delete(RECEIPTS_NS, numberKey(localId, h.first + i));
    const first = h.first + dropped;
    const kept = h.count - dropped;
    const count = Math.ceil(bytes.length / RECEIPT);
    for (let i = kept; i < count; i++)
      view.put(RECEIPTS_NS, numberKey(localId, first + i), bytes.slice(i * RECEIPT, (i + 1) * RECEIPT));
    h.bytes = bytes;
    h.first = first;
    h.count = count;
  }

  return {
    async load(view: ReadView, ref: ConversationRef, bytes: Uint8Array): Promise<void> {
      // Version 6 and later keep their work in records (version byte first).
      if ((bytes[0] ?? 0) < 6) return;
      const h = await read(view, ref.id);
      if (!h) return; // the state then does not decode: its records are not its work
      held.set(ref.id, h);
      // Each list's items were read by its own reader (LISTS): they have its type.
      const items = <K extends ListName>(name: K) => h.lists[name].items as Work[K];
      supplyWork(bytes, {
        receipts: h.receipts.bytes,
        lostFrames: items("lostFrames"),
        ackOwed: items("ackOwed"),
        missing: items("missing"),
        incoming: items("incoming"),
        completed: items("completed"),
        skipped: items("skipped"),
      });
    },
    async stage(view: TransactionView, ref: ConversationRef, state: PrivateV1State): Promise<void> {
      const h = await heldOf(view, ref.id);
      const inline = workInline(state);
      stageReceipts(view, ref.id, h.receipts, inline ? NO_BYTES : state.receipts);
      const { ackOwed, missing, incoming } = state.sds;
      const { lostFrames, reassembly } = state;
      const want: Record<ListName, readonly object[]> = {
        lostFrames,
        ackOwed,
        missing,
        incoming,
        completed: reassembly.completed,
        skipped: state.ratchet.skipped,
      };
      for (const name of LIST_NAMES) stageSeq(view, ref.id, name, h.lists[name], inline ? NONE : want[name]);
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
