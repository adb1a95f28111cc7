/**
 * Unacknowledged outgoing frames live in their own store records, one per frame (namespace
 * `private-v1.frames`, key `<local id>/<message id>`): the frame (segment ids, sealed payloads, acks) and the
 * SDS outgoing entries of its segments, not in the conversation's state (state version 4), which counts them.
 * A send writes its frame's record; an acknowledgement or a give-up deletes it; a resend rewrites the frames
 * it touched. With the peer offline, message N no longer rewrites the N-1 unacknowledged before it.
 *
 * Like segment-records.ts, PrivateV1 keeps these records through its step's transaction view: `stage` writes
 * the frames that changed since what the store holds and deletes the ones the state dropped; `load` reads a
 * conversation's frames with its state bytes. What the store holds is remembered per conversation (read once
 * by `load` or by a scan); a failed commit forgets it all (`abort`), so the next stage reads it again.
 */
import { ByteReader, ByteWriter, TruncatedInput } from "../../base/binary.js";
import type { ReadView, StateRecords } from "../../framework/lifecycle.js";
import type { ConversationRef } from "../../framework/runtime.js";
import type { TransactionView } from "../../framework/store.js";
import { type OutgoingMessage, readOutgoingMessage, writeOutgoingMessage } from "../../primitives/sds/index.js";
import { type PrivateV1State, readFrame, type StoredFrame, supplyFrames, writeFrame } from "./state.js";
import { type Split, splitFrames } from "./state-split.js";

export const FRAMES_NS = "private-v1.frames";

/** Record layout version; the frame inside is written as state version 2+ writes frames. */
const RECORD_VERSION = 1;

const keyOf = (localId: string, messageId: string) => `${localId}/${messageId}`;

export function encodeStoredFrame(f: StoredFrame): Uint8Array {
  // Room for the sealed segments and the SDS messages at once (with ids and counters beside them).
  let large = 0;
  for (const p of f.frame.payloads) large += p.length;
  for (const m of f.entries) large += m.bytes.length;
  const w = new ByteWriter().reserve(large + 128 * (f.frame.payloads.length + f.entries.length) + 256);
  w.u8(RECORD_VERSION);
  writeFrame(w, f.frame);
  w.u32(f.entries.length);
  for (const m of f.entries) writeOutgoingMessage(w, m);
  return w.finish();
}

/** Total: undefined for anything that is not a frame record. */
export function decodeStoredFrame(bytes: Uint8Array): StoredFrame | undefined {
  try {
    const r = new ByteReader(bytes);
    if (r.u8() !== RECORD_VERSION) return undefined;
    const frame = readFrame(r, 2);
    const entries: OutgoingMessage[] = [];
    for (let n = r.count(44); n > 0; n--) entries.push(readOutgoingMessage(r));
    return r.done ? { frame, entries } : undefined;
  } catch (e) {
    if (e instanceof TruncatedInput) return undefined;
    throw e;
  }
}

/** Sending order: the Lamport time of a frame's first unacknowledged segment, then its creation time. */
function sendingOrder(a: StoredFrame, b: StoredFrame): number {
  const la = a.entries[0]?.lamport;
  const lb = b.entries[0]?.lamport;
  if (la !== undefined && lb !== undefined && la !== lb) return la < lb ? -1 : 1;
  return a.frame.createdAt - b.frame.createdAt;
}

function sameEntries(a: readonly OutgoingMessage[], b: readonly OutgoingMessage[]): boolean {
  return a.length === b.length && a.every((m, i) => m === b[i]);
}

/** Frame records of PrivateV1 states: one instance per client. */
export function frameRecords(): StateRecords<PrivateV1State> & { abort(): void } {
  /** By local conversation id, then message id: the frames its records hold as of the last commit (null: not known as objects). */
  let stored = new Map<string, Map<string, StoredFrame | null>>();
  /** By local conversation id: the split of the state last staged (what `stored` matches once committed). */
  let staged = new Map<string, Split>();

  async function storedOf(view: ReadView, localId: string): Promise<Map<string, StoredFrame | null>> {
    let held = stored.get(localId);
    if (!held) {
      const prefix = `${localId}/`;
      held = new Map((await view.scan(FRAMES_NS, { prefix })).map((e) => [e.key.slice(prefix.length), null] as const));
      stored.set(localId, held);
    }
    return held;
  }

  return {
    async load(view: ReadView, ref: ConversationRef, bytes: Uint8Array): Promise<void> {
      // Version 4 and later keep their frames in records (version byte first).
      if ((bytes[0] ?? 0) < 4) return;
      const held = new Map<string, StoredFrame | null>();
      const frames: StoredFrame[] = [];
      for (const e of await view.scan(FRAMES_NS, { prefix: `${ref.id}/` })) {
        const f = decodeStoredFrame(e.value);
        held.set(e.key.slice(ref.id.length + 1), f ?? null);
        if (f) frames.push(f);
      }
      stored.set(ref.id, held);
      staged.delete(ref.id);
      supplyFrames(bytes, frames.sort(sendingOrder));
    },
    async stage(view: TransactionView, ref: ConversationRef, state: PrivateV1State): Promise<void> {
      const held = await storedOf(view, ref.id);
      const split = splitFrames(state);
      const last = staged.get(ref.id);
      staged.set(ref.id, split);
      if (last !== undefined && split.parent === last && split.added) {
        // A send after the state staged last: its one frame is all that changed.
        const f = split.added;
        view.put(FRAMES_NS, keyOf(ref.id, f.frame.messageId), encodeStoredFrame(f));
        held.set(f.frame.messageId, f);
        return;
      }
      const frames = split.frames;
      for (const f of frames) {
        const id = f.frame.messageId;
        const before = held.get(id);
        if (before && before.frame === f.frame && sameEntries(before.entries, f.entries)) continue;
        view.put(FRAMES_NS, keyOf(ref.id, id), encodeStoredFrame(f));
        held.set(id, f);
      }
      // Every frame is held now; as many held as frames means nothing else is (the common case: a send).
      if (held.size === frames.length) return;
      const live = new Set(frames.map((f) => f.frame.messageId));
      for (const id of held.keys())
        if (!live.has(id)) {
          view.delete(FRAMES_NS, keyOf(ref.id, id));
          held.delete(id);
        }
    },
    async forget(view: TransactionView, ref: ConversationRef): Promise<void> {
      for (const id of (await storedOf(view, ref.id)).keys()) view.delete(FRAMES_NS, keyOf(ref.id, id));
      stored.delete(ref.id);
      staged.delete(ref.id);
    },
    abort(): void {
      stored = new Map();
      staged = new Map();
    },
  };
}
