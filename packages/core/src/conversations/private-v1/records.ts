/**
 * Everything a PrivateV1 state keeps in records of its own: the parts of partly received frames
 * (segment-records.ts), the unacknowledged outgoing frames (frame-records.ts), and the SDS `known` window,
 * Bloom filter, lost ids and given-up ids (history-records.ts), and the receipts, frames given up, owed
 * acknowledgements, missing ids and buffered messages (work-records.ts).
 */
import type { StateRecords } from "../../framework/lifecycle.js";
import { FRAMES_NS, frameRecords } from "./frame-records.js";
import { ABANDONED_NS, BLOOM_NS, historyRecords, KNOWN_NS, LOST_NS } from "./history-records.js";
import { SEGMENTS_NS, segmentRecords } from "./segment-records.js";
import type { PrivateV1State } from "./state.js";
import { WORK_NAMESPACES, workRecords } from "./work-records.js";

export const PRIVATE_V1_NAMESPACES = [
  SEGMENTS_NS,
  FRAMES_NS,
  KNOWN_NS,
  BLOOM_NS,
  LOST_NS,
  ABANDONED_NS,
  ...WORK_NAMESPACES,
] as const;

/** The records of PrivateV1 states: one instance per client. */
export function privateV1Records(): StateRecords<PrivateV1State> {
  const all = [segmentRecords(), frameRecords(), historyRecords(), workRecords()];
  return {
    async load(view, ref, bytes) {
      for (const r of all) await r.load(view, ref, bytes);
    },
    async stage(view, ref, state) {
      for (const r of all) await r.stage(view, ref, state);
    },
    async forget(view, ref) {
      for (const r of all) await r.forget(view, ref);
    },
    abort() {
      for (const r of all) r.abort?.();
    },
  };
}
