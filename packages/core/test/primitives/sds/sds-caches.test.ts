/**
 * The caches behind SDS transitions and state encoding (the `known` index and packed window carried from
 * state to state, encoded buffered/outgoing messages, dense Bloom filters) never change a result: over random
 * runs that fork back to older states, abandon transitions and make some throw, every transition gives what
 * the same transition gives on a copy of its state that no cache knows about, every state encodes to the
 * bytes its copy encodes to, and `known` is exactly the last `historyWindow` ids delivered or sent.
 */
import { toHex, utf8 } from "@parley/core";
import {
  bloomHas,
  bloomInsert,
  deserializeSdsState,
  emptyBloom,
  PRIVATE_V1_BLOOM,
  Sds,
  type SdsEvent,
  type SdsState,
  type SdsStep,
  serializeSdsState,
} from "@parley/core/primitives";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
// js-waku's own hash (imported by path, as in sds.test.ts) as the reference.
import { hashN as jsHashN } from "../../../../../node_modules/@waku/sds/dist/nim_hashn/nim_hashn.mjs";
import { PrivateV1Engine } from "../../../src/conversations/private-v1/session.js";
import { decodePrivateState, encodePrivateState } from "../../../src/conversations/private-v1/state.js";
import { NobleCryptoProvider, seededRandom } from "../../../src/crypto/index.js";
import { bloomGeometry } from "../../../src/primitives/sds/bloom.js";
import { KnownIndex } from "../../../src/primitives/sds/known.js";
import { sessionPair } from "../../support/private-v1-session.js";

const T0 = 1_700_000_000_000;

type Who = 0 | 1;
type Op =
  | { op: "send"; who: Who; kind: number }
  | { op: "resendKnown"; who: Who; pick: number }
  | { op: "deliver"; pick: number; keep: boolean }
  | { op: "drop"; pick: number }
  | { op: "sweep"; who: Who }
  | { op: "sync"; who: Who }
  | { op: "tick"; ms: number }
  | { op: "fork"; who: Who; back: number }
  | { op: "abandon"; who: Who; pick: number }
  | { op: "recheck"; pick: number };

const who = fc.constantFrom<Who>(0, 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("send" as const), who, kind: fc.nat(19) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("resendKnown" as const), who, pick: fc.nat() }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("deliver" as const), pick: fc.nat(), keep: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("drop" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("sweep" as const), who }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("sync" as const), who }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 3000 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("fork" as const), who, back: fc.nat(8) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("abandon" as const), who, pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("recheck" as const), pick: fc.nat() }) },
);

/** Mostly PrivateV1-like ids (32 hex digits), a few of another hex length, a few that are not hex at all. */
function makeId(n: number, kind: number): string {
  const hex = toHex(utf8(`${n}`.padStart(16, "0")));
  if (kind === 8) return hex.slice(-8);
  if (kind === 9) return `id-${n}`;
  return hex;
}

function strip(step: SdsStep) {
  return {
    state: serializeSdsState(step.state),
    outgoing: step.outgoing,
    events: step.events,
  };
}

function run(ops: Op[], historyWindow: number, causalHistorySize: number) {
  const sds = new Sds({
    ackDelayMs: 0,
    resendIntervalMs: 1000,
    incomingLostAfterMs: 5000,
    historyWindow,
    causalHistorySize,
    maxTracked: 8,
    bloom: { capacity: 16, errorRate: 0.01 },
  });
  const initial = [sds.init("c", "alice", T0), sds.init("c", "bob", T0 + 7)];
  /** Each party's states so far (newest last) with the `known` window they should have. */
  const history: { state: SdsState; known: string[] }[][] = initial.map((state) => [{ state, known: [] }]);
  const inflight: { to: Who; bytes: Uint8Array }[] = [];
  /** Every state any transition returned, kept or not: encoding one later must still give its bytes. */
  const everything: SdsState[] = [];
  const recheck = (state: SdsState) =>
    expect(serializeSdsState(state)).toEqual(serializeSdsState(structuredClone(state)));
  let now = T0;
  let counter = 0;

  const current = (i: Who) => history[i]!.at(-1)!;
  /** Runs `transition` on the state and on a copy no cache knows, checks they agree, and returns the former. */
  const both = <S extends SdsStep>(i: Who, transition: (s: SdsState) => S): S => {
    const { state } = current(i);
    const copy = structuredClone(state);
    const viaCaches = transition(state);
    const fresh = transition(copy);
    expect(strip(viaCaches)).toEqual(strip(fresh));
    everything.push(viaCaches.state);
    return viaCaches;
  };
  const commit = (i: Who, step: SdsStep, sent?: string) => {
    const known = [...current(i).known];
    for (const e of step.events as SdsEvent[]) if (e.type === "delivered") known.push(e.messageId);
    if (sent !== undefined) known.push(sent);
    const window = known.slice(Math.max(0, known.length - historyWindow));
    expect(step.state.known).toEqual(window);
    // Encoding through the caches gives the bytes of encoding from scratch, and decodes back to the state.
    const bytes = serializeSdsState(step.state);
    expect(bytes).toEqual(serializeSdsState(structuredClone(step.state)));
    const back = deserializeSdsState(bytes);
    expect(back.ok && back.state).toEqual(step.state);
    history[i]!.push({ state: step.state, known: window });
    for (const o of step.outgoing) inflight.push({ to: (1 - i) as Who, bytes: o.bytes });
  };

  for (const op of ops) {
    switch (op.op) {
      case "send": {
        const id = makeId(counter++, op.kind);
        commit(
          op.who,
          both(op.who, (s) => sds.send(s, utf8(`m${id}`), id, now)),
          id,
        );
        break;
      }
      case "resendKnown": {
        // A caller bug (an id used twice) throws, after the transition began: the state stays usable.
        const { known } = current(op.who);
        if (known.length === 0) break;
        const id = known[op.pick % known.length]!;
        expect(() => sds.send(current(op.who).state, utf8("x"), id, now)).toThrow();
        break;
      }
      case "deliver": {
        if (inflight.length === 0) break;
        const at = op.pick % inflight.length;
        const packet = inflight[at]!;
        if (!op.keep) inflight.splice(at, 1);
        const before = current(packet.to).known;
        const r = both(packet.to, (s) => {
          const r = sds.receive(s, packet.bytes, now);
          if (!r.ok) throw r.error;
          return r;
        });
        // Duplicate detection is exactly the window's: a content message whose id is in it is a duplicate.
        if (r.message.kind === "content" && before.includes(r.message.messageId)) expect(r.status).toBe("duplicate");
        if (r.status === "delivered") expect(before).not.toContain(r.message.messageId);
        commit(packet.to, r);
        break;
      }
      case "drop":
        if (inflight.length > 0) inflight.splice(op.pick % inflight.length, 1);
        break;
      case "sweep":
        commit(
          op.who,
          both(op.who, (s) => sds.sweep(s, now)),
        );
        break;
      case "sync":
        commit(
          op.who,
          both(op.who, (s) => sds.sync(s, now)),
        );
        break;
      case "tick":
        now += op.ms;
        break;
      case "fork": {
        // Go on from an older state, as a caller does whose newer states were not committed.
        const h = history[op.who]!;
        h.splice(Math.max(1, h.length - op.back));
        break;
      }
      case "abandon": {
        // A transition whose result is dropped (its commit failed, or a later layer rejected the message).
        const { state } = current(op.who);
        if (inflight.length > 0 && op.pick % 2 === 0) {
          const r = sds.receive(state, inflight[op.pick % inflight.length]!.bytes, now);
          if (r.ok) everything.push(r.state);
        } else everything.push(sds.send(state, utf8("abandoned"), makeId(counter++, op.pick % 20), now).state);
        if (op.pick % 3 === 0) serializeSdsState(everything.at(-1)!);
        break;
      }
      case "recheck":
        if (everything.length > 0) recheck(everything[op.pick % everything.length]!);
        break;
    }
  }
  for (const state of everything) recheck(state);
}

describe("SDS caches", () => {
  it("KnownIndex answers as the window it follows, ids repeated or not", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.nat(6), fc.constant(-1)), { maxLength: 80 }), (steps) => {
        const window: string[] = [];
        const index = KnownIndex.of([]);
        for (const step of steps) {
          if (step < 0) {
            const first = window.shift();
            if (first !== undefined) index.shift(first);
          } else {
            window.push(`id${step}`);
            index.push(`id${step}`);
          }
          expect(index.size).toBe(window.length);
          for (let i = 0; i < 7; i++) expect(index.has(`id${i}`)).toBe(window.includes(`id${i}`));
        }
      }),
    );
  });

  it("never change a transition, an encoding, or the known window (forks, abandoned and throwing transitions)", () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 3 }),
        (ops, historyWindow, causalHistorySize) => run(ops, historyWindow, causalHistorySize),
      ),
      {
        numRuns: 150,
        examples: [
          [
            [
              { op: "send", who: 0, kind: 0 },
              { op: "abandon", who: 0, pick: 1 },
              { op: "send", who: 0, kind: 0 },
            ],
            5,
            3,
          ],
        ],
      },
    );
  });

  it("carry the index over a full default window: resends of the last 1000 ids are duplicates, older ones not", () => {
    const sds = new Sds({ ackDelayMs: 0 });
    let alice = sds.init("c", "alice", T0);
    let bob = sds.init("c", "bob", T0);
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 1300; i++) {
      const s = sds.send(alice, utf8(`m${i}`), makeId(i, 0), T0 + i);
      alice = s.state;
      sent.push(s.outgoing[0]!.bytes);
      const r = sds.receive(bob, s.outgoing[0]!.bytes, T0 + i);
      if (!r.ok || r.status !== "delivered") throw new Error(`message ${i} not delivered`);
      bob = r.state;
      // Encode as the client does after every message: later states then extend the packed window.
      if (i % 3 === 0) serializeSdsState(bob);
    }
    expect(bob.known.length).toBe(1000);
    // Older messages are taken as new ones (delivered or waiting for their dependencies): they left the window.
    for (const [i, duplicate] of [
      [1299, true],
      [300, true],
      [299, false],
      [0, false],
    ] as const) {
      for (const state of [bob, structuredClone(bob)]) {
        // The second time on a copy without the carried index.
        const r = sds.receive(state, sent[i]!, T0 + 2000);
        // A rejected message must fail here whatever `duplicate` is, not pass as "not a duplicate".
        expect(r.ok ? r.status === "duplicate" : "rejected").toBe(duplicate);
      }
    }
    expect(serializeSdsState(bob)).toEqual(serializeSdsState(structuredClone(bob)));
  });

  it("the Bloom filter sets exactly js-waku's bits (any string, surrogates too)", () => {
    const geometry = bloomGeometry(PRIVATE_V1_BLOOM);
    const reference = referenceBloom(geometry.totalBits, geometry.hashes);
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.string({ unit: "binary" }),
            // Any UTF-16 units, lone surrogates included.
            fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((u) => String.fromCharCode(...u)),
          ),
          { maxLength: 20 },
        ),
        (items) => {
          let bits = emptyBloom(geometry);
          const expected = new Uint8Array(geometry.byteLength);
          for (const item of items) {
            bits = bloomInsert(geometry, bits, item);
            reference(expected, item);
            expect(bloomHas(geometry, bits, item)).toBe(true);
          }
          expect(bits).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** js-waku's filter: its own hash (`hashN`), bit n of word n / 64, words big-endian. */
function referenceBloom(m: number, k: number): (bits: Uint8Array, item: string) => void {
  return (bits, item) => {
    for (let n = 0; n < k; n++) {
      const h = jsHashN(item, n, m);
      bits[Math.floor(h / 64) * 8 + 7 - ((h % 64) >> 3)]! |= 1 << (h % 8);
    }
  };
}

describe("PrivateV1 state encoding with caches", () => {
  it("encodes every state of a conversation to the bytes of a fresh copy, and decodes them back", () => {
    const crypto = new NobleCryptoProvider({ random: seededRandom("sds-caches") });
    const engine = new PrivateV1Engine(crypto, { sds: { historyWindow: 20 } });
    let { alice, bob } = sessionPair(crypto, engine);
    const check = (state: typeof alice) => {
      const bytes = encodePrivateState(state);
      expect(bytes).toEqual(encodePrivateState(structuredClone(state)));
      const back = decodePrivateState(bytes);
      expect(back).toEqual(state);
      expect(encodePrivateState(back!)).toEqual(bytes);
    };
    let now = 2_000;
    for (let i = 0; i < 60; i++) {
      now += 10;
      const body = { case: "content" as const, value: utf8(`message ${i}`) };
      const s = engine.send(alice, body, now);
      alice = s.state;
      check(alice);
      check(alice); // again: now from the caches
      for (const out of s.outgoing) {
        const r = engine.open(bob, out.payload, now);
        if (!r.ok) throw new Error(r.reason);
        bob = r.state;
        check(bob);
      }
      if (i % 16 === 15) {
        now += 2_000;
        const w = engine.sweep(bob, now);
        bob = w.state;
        check(bob);
        for (const out of w.outgoing) {
          const r = engine.open(alice, out.payload, now);
          if (!r.ok) throw new Error(r.reason);
          alice = r.state;
          check(alice);
        }
      }
    }
    expect(bob.sds.known.length).toBe(20);
  });
});
