/**
 * Acknowledgements of our messages in what the peer sends: a direct citation acknowledges (and, with
 * transitive acks, what the cited message cited); a hit in the peer's Bloom filter counts towards
 * `possibleAcksThreshold`; a citation of a message we gave up reports it acknowledged late.
 */
import { bloomHas } from "./bloom.js";
import type { Draft } from "./draft.js";
import type { DecodedSdsMessage } from "./message.js";
import type { SdsConfig } from "./options.js";
import type { OutgoingMessage } from "./state.js";

export function reviewAcks(c: SdsConfig, d: Draft, m: DecodedSdsMessage): void {
  const queue = m.causalHistory.map((h) => h.messageId);
  while (queue.length > 0) {
    const id = queue.pop()!;
    const at = d.outgoing.findIndex((o) => o.messageId === id);
    if (at < 0) {
      // Given up earlier, yet the peer got it after all: report it acknowledged (only a direct citation).
      const gone = d.abandoned.indexOf(id);
      if (gone >= 0 && m.causalHistory.some((h) => h.messageId === id)) {
        d.abandoned.splice(gone, 1);
        d.events.push({ type: "acked", messageId: id, late: true });
      }
      continue;
    }
    const [acked] = d.outgoing.splice(at, 1);
    d.events.push({ type: "acked", messageId: id });
    if (c.transitiveAcks) queue.push(...acked!.dependencies);
  }
  const bloom = m.bloomFilter;
  if (!bloom || bloom.length !== c.geometry.byteLength) return;
  const keep: OutgoingMessage[] = [];
  for (const o of d.outgoing) {
    if (!bloomHas(c.geometry, bloom, o.messageId)) {
      keep.push(o);
      continue;
    }
    const count = o.possibleAcks + 1;
    if (count >= c.possibleAcksThreshold) d.events.push({ type: "acked", messageId: o.messageId });
    else {
      keep.push({ ...o, possibleAcks: count });
      d.events.push({ type: "possibly-acked", messageId: o.messageId, count });
    }
  }
  d.outgoing = keep;
}
