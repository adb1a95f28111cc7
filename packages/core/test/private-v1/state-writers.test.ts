/**
 * The ratchet and reassembly states are written straight into the PrivateV1 state's writer, and a reassembly
 * state's `completed` list reuses the bytes of the list it grew from. None of it may change a stored byte:
 * every state here is checked against reference encoders that write the original layouts field by field (no
 * nested writers, no caches), over random states, random histories that fork back to older states and abandon
 * transitions, and the states of a real engine conversation.
 */
import { fromHex, toHex, utf8 } from "@parley/core";
import { serializeSdsState } from "@parley/core/primitives";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteWriter } from "../../src/base/binary.js";
import { PrivateV1Engine } from "../../src/conversations/private-v1/session.js";
import {
  decodePrivateState,
  encodePrivateState,
  type PrivateV1State,
  supplyFrames,
} from "../../src/conversations/private-v1/state.js";
import { supplyHistory } from "../../src/conversations/private-v1/state-history.js";
import { splitFrames } from "../../src/conversations/private-v1/state-split.js";
import { supplyWork } from "../../src/conversations/private-v1/state-work.js";
import { seededRandom } from "../../src/crypto/index.js";
import { NodeCryptoProvider } from "../../src/crypto/node.js";
import {
  deserializeRatchetState,
  type RatchetState,
  serializeRatchetState,
  writeRatchetState,
} from "../../src/primitives/ratchet/index.js";
import {
  type CompletedMessage,
  deserializeReassemblyState,
  type PartialMessage,
  type ReassemblyState,
  serializeReassemblyState,
  writeReassemblyState,
} from "../../src/primitives/segmentation/index.js";
import { sessionPair } from "../support/private-v1-session.js";

// Reference encoders: the layouts as first written, one field after the other into a writer of their own.

function refRatchet(s: RatchetState): Uint8Array {
  const w = new ByteWriter().u8(1);
  w.u8((s.sendChainKey ? 1 : 0) | (s.recvChainKey ? 2 : 0) | (s.dhRemote ? 4 : 0)).raw(s.rootKey);
  if (s.sendChainKey) w.raw(s.sendChainKey);
  if (s.recvChainKey) w.raw(s.recvChainKey);
  w.raw(s.dhSelf.secretKey).raw(s.dhSelf.publicKey);
  if (s.dhRemote) w.raw(s.dhRemote);
  w.u32(s.sendN).u32(s.recvN).u32(s.prevN).u32(s.skipped.length);
  for (const k of s.skipped) w.raw(k.dh).u32(k.n).uint(k.createdAt).raw(k.messageKey);
  w.u32(s.pastChains.length);
  for (const c of s.pastChains) w.raw(c.dh).u32(c.end);
  return w.finish();
}

function refReassembly(s: ReassemblyState): Uint8Array {
  const w = new ByteWriter().u8(1).u32(s.partial.length);
  for (const p of s.partial) {
    w.string(p.sender).raw(p.hash).u32(p.count).uint(p.firstSeenAt);
    for (const part of p.parts) w.optBytes(part);
  }
  w.u32(s.completed.length);
  for (const c of s.completed) w.string(c.sender).raw(c.hash).uint(c.completedAt);
  return w.finish();
}

/** Reassembly version 2, as PrivateV1 state version 3 holds it: which parts arrived, not their bytes. */
function refReassemblyIndex(s: ReassemblyState): Uint8Array {
  const w = new ByteWriter().u8(2).u32(s.partial.length);
  for (const p of s.partial) {
    w.string(p.sender).raw(p.hash).u32(p.count).uint(p.firstSeenAt).u32(p.received);
    p.parts.forEach((part, i) => {
      if (part) w.u8(i);
    });
  }
  w.u32(s.completed.length);
  for (const c of s.completed) w.string(c.sender).raw(c.hash).uint(c.completedAt);
  return w.finish();
}

function refPrivate(s: PrivateV1State): Uint8Array {
  const w = new ByteWriter().u8(6).u8(s.role === "initiator" ? 0 : 1);
  w.string(s.localId).string(s.remoteId).string(s.contentTopic);
  w.raw(s.selfKey).raw(s.peerKey).uint(s.createdAt).uint(s.lastFrameTimestamp);
  // Version 4: the SDS entries of outgoing frames are in the frames' records, and so are the frames.
  const inFrames = new Set(s.outbound.flatMap((o) => o.segments));
  // Version 5: the window and the Bloom filter are records too (the state holds their sizes), unless the
  // window, the lost and the given-up ids are at most 8 ids (then they are inline, as before).
  const outgoing = s.sds.outgoing.filter((m) => !inFrames.has(m.messageId));
  const { known, lost, abandoned, bloom } = s.sds;
  const inline = known.length + lost.length + abandoned.length <= 8;
  const history = { known: [], bloom: new Uint8Array(0), lost: [], abandoned: [] };
  // Version 6: the receipts, frames given up, owed acks, missing ids, buffered messages and the reassembly's
  // completed frames and the ratchet's skipped keys are records too
  // (the state holds how many), unless there are at most 8 of them together.
  const receipts = Math.ceil(s.receipts.length / 24);
  const { ackOwed, missing, incoming } = s.sds;
  const completed = s.reassembly.completed.length;
  const counts = [
    receipts,
    s.lostFrames.length,
    ackOwed.length,
    missing.length,
    incoming.length,
    completed,
    s.ratchet.skipped.length,
  ];
  const work = counts.reduce((a, b) => a + b) <= 8;
  const workless = work ? s.sds : { ...s.sds, ackOwed: [], missing: [], incoming: [] };
  const sds = inline ? { ...workless, outgoing } : { ...workless, outgoing, ...history };
  const reassembly = work ? s.reassembly : { ...s.reassembly, completed: [] };
  w.bytes(refRatchet(work ? s.ratchet : { ...s.ratchet, skipped: [] }))
    .bytes(serializeSdsState(sds))
    .bytes(refReassemblyIndex(reassembly));
  w.u32(s.outbound.length);
  if (inline) w.u8(1);
  else w.u8(0).u32(bloom.length).u32(known.length).u32(lost.length).u32(abandoned.length);
  if (work) w.u8(1);
  else {
    w.u8(0);
    for (const n of counts) w.u32(n);
  }
  const list = (l: readonly string[]) => {
    w.u32(l.length);
    for (const x of l) w.string(x);
  };
  const frame = (o: PrivateV1State["outbound"][number]) => {
    w.string(o.messageId).uint(o.createdAt);
    list(o.segments);
    list(o.acked);
    list(o.possiblyAcked);
    w.u32(o.payloads.length);
    for (const p of o.payloads) w.bytes(p);
  };
  if (s.invite) {
    const i = s.invite;
    w.u8(1).bytes(i.payload).string(i.conversationHint).string(i.contentTopic).string(i.sdsId);
  } else w.u8(0);
  w.bytes(work ? s.receipts : new Uint8Array(0)).u32(work ? s.lostFrames.length : 0);
  for (const o of work ? s.lostFrames : []) frame(o);
  w.u32(s.generation);
  for (const t of [s.sessionSince, s.resetAt]) {
    if (t === undefined) w.u8(0);
    else w.u8(1).uint(t);
  }
  const p = s.pendingReset;
  if (p === undefined) w.u8(0);
  else {
    w.u8(1).u32(p.generation).bytes(p.payload).u32(p.first.length);
    for (const f of p.first) w.bytes(f);
    w.uint(p.sentAt);
  }
  // A trailing addition: the bundle key the conversation's handshake was made to, when known.
  if (s.bundleKey) w.u8(1).raw(s.bundleKey);
  return w.finish();
}

/** A Bloom filter as history-records.ts keeps it: its non-zero 64-byte chunks. */
function bloomChunks(bloom: Uint8Array): Map<number, Uint8Array> {
  const chunks = new Map<number, Uint8Array>();
  for (let i = 0; i * 64 < bloom.length; i++) {
    const chunk = bloom.slice(i * 64, (i + 1) * 64);
    if (chunk.some((b) => b !== 0)) chunks.set(i, chunk);
  }
  return chunks;
}

/** The bytes `write` puts between a leading and a trailing byte of a parent writer, as `sized` nests them. */
function nested(write: (w: ByteWriter) => void): Uint8Array {
  const bytes = new ByteWriter()
    .u8(0xa5)
    .sized((w) => write(w))
    .u8(0x5a)
    .finish();
  expect(bytes[0]).toBe(0xa5);
  expect(bytes[bytes.length - 1]).toBe(0x5a);
  const inner = bytes.subarray(5, bytes.length - 1);
  expect(new DataView(bytes.buffer, bytes.byteOffset + 1, 4).getUint32(0)).toBe(inner.length);
  return inner;
}

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const time = fc.oneof(fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
const u32 = fc.nat({ max: 0xffffffff });

const ratchetArb: fc.Arbitrary<RatchetState> = fc.record({
  rootKey: key,
  sendChainKey: fc.option(key, { nil: undefined }),
  recvChainKey: fc.option(key, { nil: undefined }),
  dhSelf: fc.record({ secretKey: key, publicKey: key }),
  dhRemote: fc.option(key, { nil: undefined }),
  sendN: u32,
  recvN: u32,
  prevN: u32,
  skipped: fc.array(fc.record({ dh: key, n: u32, messageKey: key, createdAt: time }), { maxLength: 6 }),
  pastChains: fc.array(fc.record({ dh: key, end: u32 }), { maxLength: 4 }),
});

describe("ratchet state written into a parent writer", () => {
  it("gives the reference bytes, alone and nested, again and for states sharing lists, and reads back", () => {
    fc.assert(
      fc.property(ratchetArb, ratchetArb, (s, t) => {
        // Later states keep the lists of earlier ones (`{ ...state, ... }`), with or without other changes.
        const states = [s, s, { ...s, sendN: t.sendN }, { ...t, pastChains: s.pastChains }, s, t, t];
        for (const x of states) {
          const ref = toHex(refRatchet(x));
          expect(toHex(serializeRatchetState(x))).toBe(ref);
          expect(toHex(nested((w) => writeRatchetState(w, x)))).toBe(ref);
        }
        const ref = refRatchet(s);
        const back = deserializeRatchetState(ref);
        expect(back.ok && serializeRatchetState(back.state)).toEqual(ref);
      }),
      { numRuns: 200 },
    );
  });
});

const sender = fc.oneof(
  { weight: 4, arbitrary: fc.constant("ab".repeat(32)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom("pé€r", "😀", "x".repeat(300)) },
);
const completedArb: fc.Arbitrary<CompletedMessage> = fc.record({ sender, hash: key, completedAt: time });
const partialArb: fc.Arbitrary<PartialMessage> = fc
  .array(fc.option(fc.uint8Array({ maxLength: 6 }), { nil: undefined }), { minLength: 1, maxLength: 4 })
  .chain((parts) =>
    fc.record({
      sender,
      hash: key,
      count: fc.constant(parts.length),
      parts: fc.constant(parts),
      received: fc.constant(parts.filter((p) => p !== undefined).length),
      bytes: fc.constant(parts.reduce((n, p) => n + (p?.length ?? 0), 0)),
      firstSeenAt: time,
    }),
  );

/** How a state's `completed` list is made from an earlier state's (the reassembler appends and drops). */
type ListOp =
  | { op: "append"; n: number; drop: number }
  | { op: "filter"; mask: number }
  | { op: "fork"; back: number }
  | { op: "fresh"; n: number }
  | { op: "repeat"; pick: number }
  | { op: "partial"; add: boolean };

const listOpArb: fc.Arbitrary<ListOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("append" as const), n: fc.nat(3), drop: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("filter" as const), mask: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("fork" as const), back: fc.nat(6) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("fresh" as const), n: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("repeat" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("partial" as const), add: fc.boolean() }) },
);

describe("reassembly state written into a parent writer", () => {
  it("gives the reference bytes over histories that append, drop, fork back and reuse entries", () => {
    fc.assert(
      fc.property(
        fc.array(listOpArb, { minLength: 1, maxLength: 60 }),
        fc.infiniteStream(completedArb),
        fc.infiniteStream(partialArb),
        (ops, entries, partials) => {
          const history: ReassemblyState[] = [{ partial: [], completed: [] }];
          const check = (s: ReassemblyState) => {
            const ref = toHex(refReassembly(s));
            expect(toHex(serializeReassemblyState(s))).toBe(ref);
            expect(toHex(nested((w) => writeReassemblyState(w, s)))).toBe(ref);
          };
          let state = history[0]!;
          for (const o of ops) {
            let completed = state.completed;
            let partial = state.partial;
            switch (o.op) {
              case "append":
                completed = [...completed.slice(o.drop), ...entries.take(o.n)];
                break;
              case "filter":
                completed = completed.filter((_, i) => (o.mask >> (i % 30)) & 1);
                break;
              case "fork":
                // An older state again (a transition abandoned, or not committed): its runs may be gone.
                state = history[Math.max(0, history.length - 1 - o.back)]!;
                check(state);
                continue;
              case "fresh":
                completed = [...entries.take(o.n)];
                break;
              case "repeat":
                // The same entry object twice, and a list that differs only by it.
                if (completed.length > 0) completed = [...completed, completed[o.pick % completed.length]!];
                break;
              case "partial":
                partial = o.add ? [...partial, ...partials.take(1)] : partial.slice(1);
                break;
            }
            state = { partial, completed };
            history.push(state);
            check(state);
            check(state); // again, from what the first time remembered
          }
          for (const s of history) check(s);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("round-trips the states it writes", () => {
    fc.assert(
      fc.property(
        fc.array(partialArb, { maxLength: 3 }),
        fc.array(completedArb, { maxLength: 8 }),
        (partial, completed) => {
          const s = { partial, completed };
          const bytes = serializeReassemblyState(s);
          const back = deserializeReassemblyState(bytes);
          expect(back.ok && serializeReassemblyState(back.state)).toEqual(bytes);
          expect(back.ok && back.state).toEqual(s);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("PrivateV1 state of a real conversation", () => {
  it("encodes every state, kept or abandoned, to the reference bytes", () => {
    const crypto = new NodeCryptoProvider({ random: seededRandom("state-writers") });
    const engine = new PrivateV1Engine(crypto, { sds: { historyWindow: 20 }, reassemblyTimeoutMs: 5_000 });
    let { alice, bob } = sessionPair(crypto, engine);
    let checked = 0;
    const check = (state: PrivateV1State) => {
      // As hex: deep equality of long byte arrays is slow.
      const bytes = toHex(encodePrivateState(state));
      expect(bytes).toBe(toHex(refPrivate(state)));
      expect(toHex(encodePrivateState(state))).toBe(bytes);
      // Bytes read back without this process's memory: the frames come from their records.
      const read = fromHex(bytes)!;
      supplyFrames(read, splitFrames(state).frames);
      supplyHistory(read, {
        known: [...state.sds.known],
        chunks: bloomChunks(state.sds.bloom),
        lost: [...state.sds.lost],
        abandoned: [...state.sds.abandoned],
      });
      const { ackOwed, missing, incoming } = state.sds;
      supplyWork(read, {
        receipts: state.receipts.slice(),
        lostFrames: [...state.lostFrames],
        ackOwed,
        missing,
        incoming,
        completed: [...state.reassembly.completed],
        skipped: [...state.ratchet.skipped],
      });
      expect(toHex(encodePrivateState(decodePrivateState(read)!))).toBe(bytes);
      checked++;
    };
    const open = (to: PrivateV1State, payload: Parameters<PrivateV1Engine["open"]>[1], now: number) => {
      const r = engine.open(to, payload, now);
      if (!r.ok) throw new Error(r.reason);
      return r.state;
    };
    let now = 2_000;
    let held: Parameters<PrivateV1Engine["open"]>[1][] = [];
    let maxCompleted = 0;
    let skipped = 0;
    for (let i = 0; i < 110; i++) {
      now += i % 80 === 79 ? 6_000 : 10;
      const s = engine.send(alice, { case: "content", value: utf8(`message ${i}`) }, now);
      alice = s.state;
      check(alice);
      for (const out of s.outgoing) {
        // Some messages arrive late (skipped ratchet keys); some transitions are computed and abandoned.
        if (i % 7 === 3) {
          held.push(out.payload);
          continue;
        }
        if (i % 5 === 1) check(open(bob, out.payload, now));
        bob = open(bob, out.payload, now);
        check(bob);
        if (i % 11 === 10) {
          for (const p of held) {
            bob = open(bob, p, now);
            check(bob);
          }
          held = [];
        }
      }
      skipped = Math.max(skipped, bob.ratchet.skipped.length);
      maxCompleted = Math.max(maxCompleted, bob.reassembly.completed.length);
      if (i % 16 === 15) {
        now += 1_000;
        const w = engine.sweep(bob, now);
        bob = w.state;
        check(bob);
        for (const out of w.outgoing) {
          alice = open(alice, out.payload, now);
          check(alice);
        }
      }
    }
    // The runs covered what they are for: keys kept for late messages, and full completed lists.
    expect(skipped).toBeGreaterThan(0);
    expect(maxCompleted).toBe(64);
    expect(checked).toBeGreaterThan(200);
  });
});
