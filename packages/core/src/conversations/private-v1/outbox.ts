/**
 * Counts kept with a state's outgoing frames (`outbound`: every unacknowledged frame, 10,000 of them after
 * 10,000 sends to a peer that is offline): how many of their segments are sealed and on the wire, and how
 * many wait to be sealed. The send window (seal.ts) and the wake time (due.ts) read them on every step; a
 * send carries them from the list it starts from to the list it makes by adding its one frame, so neither
 * walks the frames. Keyed by the list (states are immutable: a list is never modified once in a state); a
 * list without them (made by a step other than a send) gets them counted again, in one pass.
 */
import type { OutboundFrame } from "./state.js";

export interface OutboxCounts {
  /** Sealed segments not acknowledged. */
  readonly inFlight: number;
  /** Segments neither sealed nor acknowledged. */
  readonly unsealed: number;
}

type List = readonly OutboundFrame[];

const counted = new WeakMap<List, OutboxCounts>();

function add(c: OutboxCounts, o: OutboundFrame): OutboxCounts {
  let inFlight = c.inFlight;
  let unsealed = c.unsealed;
  o.segments.forEach((id, i) => {
    if (o.acked.includes(id)) return;
    if ((o.payloads[i]?.length ?? 0) > 0) inFlight++;
    else unsealed++;
  });
  return { inFlight, unsealed };
}

export function outboxCounts(list: List): OutboxCounts {
  let c = counted.get(list);
  if (!c) {
    c = { inFlight: 0, unsealed: 0 };
    for (const o of list) c = add(c, o);
    counted.set(list, c);
  }
  return c;
}

/** Records that `after` is `before` and then `frame`: its counts are `before`'s with it, if those are known. */
export function appendedFrame(before: List, after: List, frame: OutboundFrame): void {
  const c = counted.get(before);
  if (c) counted.set(after, add(c, frame));
}
