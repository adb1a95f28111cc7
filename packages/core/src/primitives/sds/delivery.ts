/**
 * Causal delivery: a message is delivered once everything it waits for is delivered or declared lost, and
 * buffered messages are released in (lamport, id) order as their dependencies become available. Delivering
 * puts the id in the window and in our Bloom filter (never earlier: docs/SDS.md, decision 6) and owes the
 * peer an acknowledgement.
 */
import { owe } from "./ack-debt.js";
import { bloomInsert, emptyBloom } from "./bloom.js";
import { addKnown, type Draft, isAvailable, knownIds } from "./draft.js";
import { compareLog, insertRecent } from "./log.js";
import type { SdsConfig } from "./options.js";
import type { BufferedMessage } from "./state.js";

export function deliver(c: SdsConfig, d: Draft, m: BufferedMessage, now: number): void {
  if (m.lamport > d.lamport) d.lamport = m.lamport;
  addKnown(d, m.messageId, c.historyWindow);
  insertRecent(c, d, { messageId: m.messageId, lamport: m.lamport, senderId: m.senderId });
  if (d.bloomCount >= c.geometry.params.capacity) {
    // Roll over (the spec's SHOULD): start afresh, keeping the most recent half of what we know.
    d.bloom = emptyBloom(c.geometry);
    d.bloomCount = 0;
    for (const id of knownIds(d).slice(-Math.floor(c.geometry.params.capacity / 2))) {
      d.bloom = bloomInsert(c.geometry, d.bloom, id);
      d.bloomCount++;
    }
  }
  d.bloom = bloomInsert(c.geometry, d.bloom, m.messageId);
  d.bloomCount++;
  d.missing = d.missing.filter((x) => x.messageId !== m.messageId);
  owe(c, d, { messageId: m.messageId, senderId: m.senderId }, now);
  d.events.push({
    type: "delivered",
    messageId: m.messageId,
    senderId: m.senderId,
    lamport: m.lamport,
    content: m.content,
  });
}

/** Delivers every buffered message whose dependencies are met, in (lamport, id) order, until none is. */
export function drain(c: SdsConfig, d: Draft, now: number): void {
  for (;;) {
    let best = -1;
    for (let i = 0; i < d.incoming.length; i++) {
      const b = d.incoming[i]!;
      if (!b.dependencies.every((id) => isAvailable(d, id))) continue;
      if (best < 0 || compareLog(b, d.incoming[best]!) < 0) best = i;
    }
    if (best < 0) return;
    const [m] = d.incoming.splice(best, 1);
    deliver(c, d, m!, now);
  }
}
