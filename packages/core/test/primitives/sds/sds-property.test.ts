/**
 * Property: two parties over a network that loses, duplicates and reorders at will, as long as it eventually
 * delivers: every message is delivered exactly once, in causal order (for two parties: each sender's order),
 * and both sides see every message they sent acknowledged.
 */
import { utf8 } from "@parley/core";
import { Sds, type SdsOptions, type SdsState, type SdsStep } from "@parley/core/primitives";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const T0 = 1_700_000_000_000;
const RESEND = 1000;

type Op =
  | { op: "send"; who: 0 | 1 }
  | { op: "deliver"; pick: number; duplicate: boolean }
  | { op: "drop"; pick: number }
  | { op: "sweep"; who: 0 | 1 }
  | { op: "tick"; ms: number };

const who = fc.constantFrom<0 | 1>(0, 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("send" as const), who }) },
  {
    weight: 5,
    arbitrary: fc.record({ op: fc.constant("deliver" as const), pick: fc.nat(), duplicate: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("drop" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("sweep" as const), who }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 2500 }) }) },
);

function run(ops: Op[], options: SdsOptions) {
  const sds = new Sds({ ackDelayMs: 0, resendIntervalMs: RESEND, maxResends: 1_000_000, ...options });
  const names = ["alice", "bob"] as const;
  const states: SdsState[] = [sds.init("c", "alice", T0), sds.init("c", "bob", T0 + 7)];
  const sent: string[][] = [[], []];
  const delivered: string[][] = [[], []];
  const acked: Set<string>[] = [new Set(), new Set()];
  const lost: string[] = [];
  const inflight: { to: 0 | 1; bytes: Uint8Array }[] = [];
  let now = T0;
  let counter = 0;

  const apply = (i: 0 | 1, step: SdsStep) => {
    states[i] = step.state;
    for (const o of step.outgoing) inflight.push({ to: (1 - i) as 0 | 1, bytes: o.bytes });
    for (const e of step.events) {
      if (e.type === "delivered") delivered[i]!.push(e.messageId);
      if (e.type === "acked") acked[i]!.add(e.messageId);
      if (e.type === "outgoing-lost" || e.type === "incoming-lost") lost.push(e.type);
    }
  };
  const deliver = (k: number, keepCopy: boolean) => {
    const packet = inflight[k]!;
    if (!keepCopy) inflight.splice(k, 1);
    const r = sds.receive(states[packet.to]!, packet.bytes, now);
    if (!r.ok) throw r.error;
    apply(packet.to, r);
  };
  const send = (i: 0 | 1) => {
    const id = `${names[i]}-${++counter}`;
    sent[i]!.push(id);
    apply(i, sds.send(states[i]!, utf8(id), id, now));
  };

  for (const op of ops) {
    if (op.op === "send") send(op.who);
    else if (op.op === "sweep") apply(op.who, sds.sweep(states[op.who]!, now));
    else if (op.op === "tick") now += op.ms;
    else if (inflight.length > 0) {
      const k = op.pick % inflight.length;
      if (op.op === "drop") inflight.splice(k, 1);
      else deliver(k, op.duplicate);
    }
  }

  // The network heals: everything in flight arrives, and sweeps resend what was lost.
  for (let round = 0; round < 100; round++) {
    while (inflight.length > 0) deliver(0, false);
    const settled = states.every((s) => s.outgoing.length === 0 && s.incoming.length === 0);
    if (settled) break;
    now += RESEND;
    apply(0, sds.sweep(states[0]!, now));
    apply(1, sds.sweep(states[1]!, now));
  }
  return { states, sent, delivered, acked, lost };
}

describe("SDS under loss, duplication and reordering", () => {
  it.each<SdsOptions>([
    { causalHistorySize: 1 },
    { causalHistorySize: 3 },
    { causalHistorySize: 2, transitiveAcks: true },
  ])("delivers exactly once, in causal order, and everything gets acked (%o)", (options) => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const { states, sent, delivered, acked, lost } = run(ops, options);
        expect(lost).toEqual([]);
        for (const i of [0, 1] as const) {
          const other = 1 - i;
          // Exactly once and in the sender's order (causal order for two parties).
          expect(delivered[i]).toEqual(sent[other]);
          expect([...acked[i]!].sort()).toEqual([...sent[i]!].sort());
          expect(states[i]!.outgoing.length).toBe(0);
          expect(states[i]!.incoming.length).toBe(0);
        }
      }),
      { numRuns: 150 },
    );
  });
});
