/**
 * The parts of partly received multi-segment frames live in their own store records, one per part
 * (namespace `private-v1.segments`, key `<local id>/<message hash>/<index>`), not in the conversation's state,
 * which lists only which parts arrived (state version 3). A step then writes the part it received, and a
 * later message writes none of the parts before it: an incomplete 255-segment frame used to make every later
 * message of its conversation re-encode and write 25 MB, and a legitimate large frame cost time quadratic in
 * its size.
 *
 * PrivateV1 keeps these records itself, through its step's transaction view (`TypeLifecycle.records`): before
 * a step commits a state, `stage` writes the parts it holds that are not yet records and deletes the records
 * of parts it no longer holds (completed, expired, evicted); reading a state from the store, `load` reads its
 * parts with it, so the state decodes whole. Stored bytes are those of the former store decorator.
 */
import { toHex } from "../../base/bytes.js";
import type { ReadView, StateRecords } from "../../framework/lifecycle.js";
import type { ConversationRef } from "../../framework/runtime.js";
import type { TransactionView } from "../../framework/store.js";
import type { ReassemblyState } from "../../primitives/segmentation/index.js";
import type { PrivateV1State } from "./state.js";
import { supplyParts } from "./state.js";

export const SEGMENTS_NS = "private-v1.segments";

function partKey(localId: string, hash: Uint8Array, index: number): string {
  return `${localId}/${toHex(hash)}/${index.toString(16).padStart(2, "0")}`;
}

/** The records a reassembly state's parts are kept in, by key. */
function recordsOf(localId: string, reassembly: ReassemblyState): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const p of reassembly.partial)
    p.parts.forEach((part, i) => {
      if (part !== undefined) out.set(partKey(localId, p.hash, i), part);
    });
  return out;
}

/** A conversation's part records as stored (and staged), by key. */
async function storedKeys(view: ReadView, localId: string): Promise<Set<string>> {
  return new Set((await view.scan(SEGMENTS_NS, { prefix: `${localId}/` })).map((e) => e.key));
}

/** Records of PrivateV1 states: one instance per client (it remembers which reassembly states it wrote). */
export function segmentRecords(): StateRecords<PrivateV1State> {
  // Reassembly states whose parts this process staged as records. States are immutable and a new reassembly
  // state is a new object, so a state whose reassembly is listed needs no write; a failed commit makes the
  // client read its states again from the store (new objects), so nothing listed can be missing there.
  const staged = new WeakSet<ReassemblyState>();
  return {
    async load(view: ReadView, ref: ConversationRef, bytes: Uint8Array): Promise<void> {
      // Version 3 and later keep their parts in records (version byte first).
      if ((bytes[0] ?? 0) < 3) return;
      const entries = await view.scan(SEGMENTS_NS, { prefix: `${ref.id}/` });
      if (entries.length === 0) return;
      const parts = new Map(entries.map((e) => [e.key, e.value] as const));
      supplyParts(bytes, (_sender, hash, index) => parts.get(partKey(ref.id, hash, index)));
    },
    async stage(view: TransactionView, ref: ConversationRef, state: PrivateV1State): Promise<void> {
      if (staged.has(state.reassembly)) return;
      const had = await storedKeys(view, ref.id);
      const records = recordsOf(ref.id, state.reassembly);
      for (const [key, value] of records) if (!had.has(key)) view.put(SEGMENTS_NS, key, value);
      for (const key of had) if (!records.has(key)) view.delete(SEGMENTS_NS, key);
      staged.add(state.reassembly);
    },
    async forget(view: TransactionView, ref: ConversationRef): Promise<void> {
      for (const key of await storedKeys(view, ref.id)) view.delete(SEGMENTS_NS, key);
    },
  };
}
