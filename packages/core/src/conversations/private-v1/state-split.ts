/**
 * A PrivateV1 state split for its records (frame-records.ts): its outgoing frames, each with the SDS outgoing
 * entries of its segments, and the SDS entries that belong to no frame (those stay inside the state). Split
 * once per state (states are immutable), and carried from a send's state to the next by its one new frame.
 */
import type { OutgoingMessage } from "../../primitives/sds/index.js";
import type { OutboundFrame, PrivateV1State, StoredFrame } from "./state.js";

const NO_OTHERS: readonly OutgoingMessage[] = [];

export interface Split {
  readonly frames: readonly StoredFrame[];
  readonly others: readonly OutgoingMessage[];
  /**
   * When a send made this split by adding one frame to another state's: that state's split (only while it
   * is the last in line: the link is dropped when a further send follows) and the frame, so that staging
   * the records writes that frame and looks at no other (frame-records.ts).
   */
  parent?: Split;
  readonly added?: StoredFrame;
}
/** By state (immutable): encoding a state and staging its records split it once. */
const splits = new WeakMap<PrivateV1State, Split>();

/**
 * Records that `after` is `before` with one more frame, `frame`, and the SDS entries of its segments appended
 * to its SDS list (what a send makes): its split is `before`'s with that frame, when `before`'s is known.
 */
export function appendedSplit(before: PrivateV1State, after: PrivateV1State, frame: OutboundFrame): void {
  const prev = splits.get(before);
  const all = after.sds.outgoing;
  const n = frame.segments.length;
  if (!prev || after.outbound[after.outbound.length - 1] !== frame) return;
  if (after.outbound.length !== before.outbound.length + 1 || all.length !== before.sds.outgoing.length + n) return;
  const entries = all.slice(all.length - n);
  if (entries.some((m, i) => m.messageId !== frame.segments[i])) return;
  const added = { frame, entries };
  prev.parent = undefined;
  splits.set(after, { frames: [...prev.frames, added], others: prev.others, parent: prev, added });
}

/** A state's outgoing frames with their SDS entries, and the SDS entries that belong to none of them. */
export function splitFrames(s: PrivateV1State): Split {
  let split = splits.get(s);
  if (!split) {
    split = alignedSplit(s) ?? lookupSplit(s);
    splits.set(s, split);
  }
  return split;
}

/**
 * The common case without a lookup table: frames and SDS entries are both in sending order, so walking them
 * together finds each frame's entries. Undefined when an entry belongs to no frame (then `lookupSplit`).
 */
function alignedSplit(s: PrivateV1State): Split | undefined {
  const all = s.sds.outgoing;
  let j = 0;
  const frames = s.outbound.map((frame) => {
    const entries: OutgoingMessage[] = [];
    for (const id of frame.segments)
      if (all[j]?.messageId === id) {
        entries.push(all[j]!);
        j++;
      }
    return { frame, entries };
  });
  return j === all.length ? { frames, others: NO_OTHERS } : undefined;
}

function lookupSplit(s: PrivateV1State): Split {
  const bySegment = new Map(s.sds.outgoing.map((m) => [m.messageId, m] as const));
  const frames = s.outbound.map((frame) => {
    const entries: OutgoingMessage[] = [];
    for (const id of frame.segments) {
      const m = bySegment.get(id);
      if (!m) continue;
      entries.push(m);
      bySegment.delete(id);
    }
    return { frame, entries };
  });
  return { frames, others: [...bySegment.values()] };
}
