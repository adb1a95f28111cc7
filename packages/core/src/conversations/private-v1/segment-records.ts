/**
 * The parts of partly received multi-segment frames live in their own store records, one per part
 * (namespace `private-v1.segments`, key `<local id>/<message hash>/<index>`), not in the conversation's state,
 * which lists only which parts arrived (state version 3). A step then writes the part it received, and a
 * later message writes none of the parts before it: an incomplete 255-segment frame used to make every later
 * message of its conversation re-encode and write 25 MB, and a legitimate large frame cost time quadratic in
 * its size.
 *
 * `withSegmentRecords(store)` is the store a client works on: committing a PrivateV1 state adds the puts of
 * its new parts and the deletes of the parts it no longer holds (completed, expired, evicted) to the same
 * atomic commit; reading a PrivateV1 state reads its parts with it, so the state decodes whole. Everything
 * else passes through unchanged.
 */
import { toHex } from "../../base/bytes.js";
import { CONVERSATION_STATE_NS } from "../../framework/conversation-store.js";
import type { Store, WriteOp } from "../../framework/store.js";
import type { ReassemblyState } from "../../primitives/segmentation/index.js";
import { PRIVATE_V1 } from "./session.js";
import { partsOf, supplyParts } from "./state.js";

export const SEGMENTS_NS = "private-v1.segments";

const STATE_PREFIX = `${PRIVATE_V1}:`;

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

/** What was last committed for a state key: its part keys, and the reassembly state they are the parts of. */
interface Committed {
  readonly keys: ReadonlySet<string>;
  readonly reassembly: WeakRef<ReassemblyState>;
}

export function withSegmentRecords(store: Store): Store {
  const committed = new Map<string, Committed>();
  const stored = async (localId: string) =>
    new Set((await store.scan(SEGMENTS_NS, { prefix: `${localId}/` })).map((e) => e.key));

  return {
    async get(ns, key) {
      const bytes = await store.get(ns, key);
      // Version 3 and later keep their parts in records (version byte first).
      if (bytes && ns === CONVERSATION_STATE_NS && key.startsWith(STATE_PREFIX) && (bytes[0] ?? 0) >= 3) {
        const localId = key.slice(STATE_PREFIX.length);
        const entries = await store.scan(SEGMENTS_NS, { prefix: `${localId}/` });
        if (entries.length > 0) {
          const parts = new Map(entries.map((e) => [e.key, e.value] as const));
          supplyParts(bytes, (_sender, hash, index) => parts.get(partKey(localId, hash, index)));
        }
      }
      return bytes;
    },
    scan: (ns, options) => store.scan(ns, options),
    close: () => store.close(),
    async commit(ops) {
      const extra: WriteOp[] = [];
      const next = new Map<string, Committed | undefined>();
      for (const op of ops) {
        if (op.ns !== CONVERSATION_STATE_NS || !op.key.startsWith(STATE_PREFIX)) continue;
        const localId = op.key.slice(STATE_PREFIX.length);
        const before = committed.get(op.key);
        const parts = op.op === "put" ? partsOf(op.value) : undefined;
        if (op.op === "put" && !parts) {
          // Bytes not encoded in this process: what their records are is unknown until read again.
          next.set(op.key, undefined);
          continue;
        }
        if (parts && before?.reassembly.deref() === parts.reassembly) continue;
        const had = before?.keys ?? (await stored(localId));
        const records = parts ? recordsOf(localId, parts.reassembly) : new Map<string, Uint8Array>();
        for (const [key, value] of records) if (!had.has(key)) extra.push({ op: "put", ns: SEGMENTS_NS, key, value });
        for (const key of had) if (!records.has(key)) extra.push({ op: "delete", ns: SEGMENTS_NS, key });
        next.set(
          op.key,
          parts ? { keys: new Set(records.keys()), reassembly: new WeakRef(parts.reassembly) } : undefined,
        );
      }
      try {
        await store.commit(extra.length > 0 ? [...ops, ...extra] : ops);
      } catch (e) {
        for (const key of next.keys()) committed.delete(key);
        throw e;
      }
      for (const [key, c] of next) {
        if (c) committed.set(key, c);
        else committed.delete(key);
      }
    },
  };
}
