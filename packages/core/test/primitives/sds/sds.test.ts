import { NobleCryptoProvider, utf8 } from "@parley/core";
import {
  bloomGeometry,
  bloomHas,
  bloomInsert,
  decodeSdsMessage,
  deserializeSdsState,
  emptyBloom,
  JS_WAKU_BLOOM,
  messageIdFor,
  nimHashN,
  PRIVATE_V1_BLOOM,
  Sds,
  type SdsEvent,
  type SdsOptions,
  type SdsState,
  serializeSdsState,
} from "@parley/core/primitives";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
// js-waku's Nim hash port (not exported by the package, so imported by path) as the reference for ours.
import { hashN as jsHashN } from "../../../../../node_modules/@waku/sds/dist/nim_hashn/nim_hashn.mjs";

const T0 = 1_700_000_000_000;
const crypto = new NobleCryptoProvider();

function delivered(events: readonly SdsEvent[]): string[] {
  return events.flatMap((e) => (e.type === "delivered" ? [new TextDecoder().decode(e.content)] : []));
}

function ofType<T extends SdsEvent["type"]>(events: readonly SdsEvent[], type: T) {
  return events.filter((e): e is Extract<SdsEvent, { type: T }> => e.type === type);
}

/** Two parties on channel "c" with deterministic ids. */
function parties(options: SdsOptions = {}) {
  const sds = new Sds({ ackDelayMs: 0, ...options });
  return { sds, a: sds.init("c", "alice", T0), b: sds.init("c", "bob", T0) };
}

function send(sds: Sds, s: SdsState, text: string, now = T0) {
  const content = utf8(text);
  return sds.send(s, content, messageIdFor(crypto, utf8(`${s.senderId}:${text}`)), now);
}

describe("SDS Bloom filter (js-waku compatible)", () => {
  it("sizes like js-waku: 10,000 / 0.001 gives 150,000 bits, k = 10, 18,752 bytes", () => {
    expect(bloomGeometry(JS_WAKU_BLOOM)).toMatchObject({ totalBits: 150_000, hashes: 10, byteLength: 18_752 });
    expect(bloomGeometry(PRIVATE_V1_BLOOM)).toMatchObject({ totalBits: 30_000, hashes: 10, byteLength: 3752 });
  });

  it("hashes exactly like js-waku's Nim port, for any string", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 1, max: 1 << 20 }),
        (s, n, max) => {
          expect(nimHashN(s, n, max)).toBe(jsHashN(s, n, max));
        },
      ),
      { numRuns: 500 },
    );
    for (const s of ["", "a", "dummy", "0123456789abcdef0123456789abcdef", "é€😀"]) {
      expect(nimHashN(s, 3, 150_000)).toBe(jsHashN(s, 3, 150_000));
    }
  });

  it("inserts without mutating and finds what it inserted", () => {
    const g = bloomGeometry({ capacity: 100, errorRate: 0.01 });
    const empty = emptyBloom(g);
    const one = bloomInsert(g, empty, "m1");
    expect(empty.every((b) => b === 0)).toBe(true);
    expect(bloomHas(g, one, "m1")).toBe(true);
    expect(bloomHas(g, one, "m2")).toBe(false);
    expect(bloomHas(g, one.subarray(1), "m1")).toBe(false); // a filter of another size is never read
  });
});

describe("SDS channel", () => {
  it("delivers in order and acknowledges through causal history both ways", () => {
    let { sds, a, b } = parties();
    const s1 = send(sds, a, "hello");
    a = s1.state;
    expect(s1.outgoing.map((o) => o.kind)).toEqual(["content"]);
    const r1 = sds.receive(b, s1.outgoing[0]!.bytes, T0);
    if (!r1.ok) throw r1.error;
    expect(r1.status).toBe("delivered");
    expect(delivered(r1.events)).toEqual(["hello"]);
    b = r1.state;
    const s2 = send(sds, b, "hi back");
    b = s2.state;
    expect(decodeSdsMessage(s2.outgoing[0]!.bytes)!.causalHistory.map((h) => h.messageId)).toContain(
      s1.outgoing[0]!.messageId,
    );
    const r2 = sds.receive(a, s2.outgoing[0]!.bytes, T0);
    if (!r2.ok) throw r2.error;
    expect(ofType(r2.events, "acked").map((e) => e.messageId)).toEqual([s1.outgoing[0]!.messageId]);
    a = r2.state;
    expect(a.outgoing.length).toBe(0);
    expect(b.ackOwed.length).toBe(0); // b's reply cited "hello": no sync needed
    // a owes b an ack: its sweep sends a sync that clears b's buffer.
    const sw = sds.sweep(a, T0 + 1);
    expect(sw.outgoing.map((o) => o.kind)).toEqual(["sync"]);
    const r3 = sds.receive(b, sw.outgoing[0]!.bytes, T0 + 1);
    if (!r3.ok) throw r3.error;
    expect(r3.status).toBe("sync");
    expect(ofType(r3.events, "acked").length).toBe(1);
    expect(r3.state.outgoing.length).toBe(0);
  });

  it("Lamport clock: starts at now, send uses max(now, clock + 1), delivery raises it", () => {
    const { sds, a, b } = parties();
    expect(a.lamport).toBe(BigInt(T0));
    const s1 = send(sds, a, "x", T0 - 5); // clock ahead of the wall clock
    expect(s1.state.lamport).toBe(BigInt(T0) + 1n);
    const s2 = send(sds, s1.state, "y", T0 + 100);
    expect(s2.state.lamport).toBe(BigInt(T0 + 100));
    const r = sds.receive(b, s2.outgoing[0]!.bytes, T0); // delivered only after x: buffered
    if (!r.ok) throw r.error;
    expect(r.status).toBe("buffered");
    const r2 = sds.receive(r.state, s1.outgoing[0]!.bytes, T0);
    if (!r2.ok) throw r2.error;
    expect(delivered(r2.events)).toEqual(["x", "y"]);
    expect(r2.state.lamport).toBe(BigInt(T0 + 100));
  });

  it("detects missing messages, buffers, and delivers in causal order once they arrive", () => {
    let { sds, a, b } = parties();
    const sent = [];
    for (const t of ["m1", "m2", "m3", "m4"]) {
      const s = send(sds, a, t);
      a = s.state;
      sent.push(s.outgoing[0]!);
    }
    const r4 = sds.receive(b, sent[3]!.bytes, T0);
    if (!r4.ok) throw r4.error;
    expect(r4.status).toBe("buffered");
    expect(ofType(r4.events, "missing").flatMap((e) => e.messages.map((m) => m.messageId))).toEqual(
      expect.arrayContaining([sent[2]!.messageId]),
    );
    b = r4.state;
    const r2 = sds.receive(b, sent[1]!.bytes, T0);
    if (!r2.ok) throw r2.error;
    b = r2.state;
    expect(delivered(r2.events)).toEqual([]);
    const r1 = sds.receive(b, sent[0]!.bytes, T0);
    if (!r1.ok) throw r1.error;
    b = r1.state;
    expect(delivered(r1.events)).toEqual(["m1", "m2"]);
    const r3 = sds.receive(b, sent[2]!.bytes, T0);
    if (!r3.ok) throw r3.error;
    expect(delivered(r3.events)).toEqual(["m3", "m4"]);
    expect(r3.state.missing.length).toBe(0);
    // Duplicates are dropped and owe an ack again.
    const dup = sds.receive(r3.state, sent[0]!.bytes, T0 + 5);
    expect(dup.ok && dup.status).toBe("duplicate");
    expect(dup.ok && delivered(dup.events)).toEqual([]);
  });

  it("resends unacknowledged messages on sweep and gives up after the bound", () => {
    let { sds, a } = parties({ resendIntervalMs: 100, maxResends: 2 });
    const s = send(sds, a, "lonely");
    a = s.state;
    expect(sds.sweep(a, T0 + 99).outgoing.length).toBe(0);
    const w1 = sds.sweep(a, T0 + 100);
    expect(w1.outgoing).toEqual([{ messageId: s.outgoing[0]!.messageId, bytes: s.outgoing[0]!.bytes, kind: "resend" }]);
    // The peer is silent: the wait doubles after each resend.
    expect(sds.sweep(w1.state, T0 + 299).outgoing.length).toBe(0);
    const w2 = sds.sweep(w1.state, T0 + 300);
    expect(w2.outgoing.length).toBe(1);
    const w3 = sds.sweep(w2.state, T0 + 700);
    expect(w3.outgoing.length).toBe(0);
    expect(ofType(w3.events, "outgoing-lost").map((e) => e.messageId)).toEqual([s.outgoing[0]!.messageId]);
    expect(w3.state.outgoing.length).toBe(0);
    expect(w3.state.abandoned).toEqual([s.outgoing[0]!.messageId]);
  });

  it("gives up by age, backs off while the peer is silent, and resends at the base rate once it is heard", () => {
    let { sds, a, b } = parties({ resendIntervalMs: 100, maxResendIntervalMs: 400, giveUpAfterMs: 2_000 });
    const s = send(sds, a, "wait for me");
    a = s.state;
    const resentAt: number[] = [];
    let state = a;
    for (let t = T0; t <= T0 + 1_000; t += 10) {
      const w = sds.sweep(state, t);
      if (w.outgoing.length > 0) resentAt.push(t - T0);
      state = w.state;
    }
    // 100, then waits of 200, 400, 400 (the cap).
    expect(resentAt).toEqual([100, 300, 700]);
    // The peer speaks (any authenticated message): it is online, so the next resend follows the base interval.
    const hello = send(sds, b, "hello");
    const heard = sds.receive(state, hello.outgoing[0]!.bytes, T0 + 750);
    if (!heard.ok) throw heard.error;
    const resends = (t: number) => sds.sweep(heard.state, t).outgoing.filter((o) => o.kind === "resend").length;
    expect(resends(T0 + 799)).toBe(0);
    expect(resends(T0 + 800)).toBe(1);
    // Never acknowledged: lost at the age bound, not after a count of resends.
    expect(ofType(sds.sweep(heard.state, T0 + 1_999).events, "outgoing-lost")).toEqual([]);
    const gone = sds.sweep(heard.state, T0 + 2_000);
    expect(ofType(gone.events, "outgoing-lost").map((e) => e.messageId)).toEqual([s.outgoing[0]!.messageId]);
    // The peer gets it after all (from a history service) and cites it: reported acknowledged, late, once.
    const got = sds.receive(hello.state, s.outgoing[0]!.bytes, T0 + 2_500);
    if (!got.ok) throw got.error;
    const reply = send(sds, got.state, "got it").outgoing[0]!.bytes;
    const ack = sds.receive(gone.state, reply, T0 + 3_000);
    if (!ack.ok) throw ack.error;
    expect(ofType(ack.events, "acked").map((e) => [e.messageId, e.late])).toEqual([[s.outgoing[0]!.messageId, true]]);
    expect(ack.state.abandoned).toEqual([]);
    const again = sds.receive(ack.state, reply, T0 + 3_001);
    expect(again.ok && ofType(again.events, "acked")).toEqual([]);
  });

  it("declares a dependency lost after the bound and delivers what waited on it", () => {
    let { sds, a, b } = parties({ incomingLostAfterMs: 1000 });
    const s1 = send(sds, a, "gone");
    a = s1.state;
    const s2 = send(sds, a, "after");
    const r = sds.receive(b, s2.outgoing[0]!.bytes, T0);
    if (!r.ok) throw r.error;
    b = r.state;
    expect(delivered(sds.sweep(b, T0 + 999).events)).toEqual([]);
    const w = sds.sweep(b, T0 + 1000);
    expect(ofType(w.events, "incoming-lost")[0]!.messageIds).toEqual([s1.outgoing[0]!.messageId]);
    expect(delivered(w.events)).toEqual(["after"]);
    // If the lost message shows up after all, it is still delivered (late), exactly once.
    const late = sds.receive(w.state, s1.outgoing[0]!.bytes, T0 + 2000);
    expect(late.ok && delivered(late.events)).toEqual(["gone"]);
    const again = late.ok ? sds.receive(late.state, s1.outgoing[0]!.bytes, T0 + 2001) : undefined;
    expect(again?.ok && again.status).toBe("duplicate");
  });

  it("Bloom filters in sync messages give possible acks, then acks at the threshold", () => {
    let { sds, a, b } = parties({ causalHistorySize: 1 });
    const sent = [];
    for (const t of ["p", "q", "r"]) {
      const s = send(sds, a, t);
      a = s.state;
      sent.push(s.outgoing[0]!);
    }
    for (const m of sent) {
      const r = sds.receive(b, m.bytes, T0);
      if (!r.ok) throw r.error;
      b = r.state;
    }
    // Forget what b owes explicitly, so only the cited tail and the filter carry acknowledgements.
    b = { ...b, ackOwed: [], ackOwedSince: undefined };
    // Acks by causal history alone, without transitivity, would cover only "r"; the filter covers p and q.
    const noTransitive = new Sds({ causalHistorySize: 1, transitiveAcks: false, ackDelayMs: 0 });
    const sync1 = noTransitive.sync(b, T0 + 1).outgoing[0]!;
    expect(decodeSdsMessage(sync1.bytes)!.bloomFilter!.length).toBe(3752);
    const r1 = noTransitive.receive(a, sync1.bytes, T0 + 1);
    if (!r1.ok) throw r1.error;
    expect(ofType(r1.events, "acked").map((e) => e.messageId)).toEqual([sent[2]!.messageId]);
    expect(ofType(r1.events, "possibly-acked").map((e) => e.messageId)).toEqual([
      sent[0]!.messageId,
      sent[1]!.messageId,
    ]);
    const sync2 = noTransitive.sync(noTransitive.sync(b, T0 + 1).state, T0 + 2).outgoing[0]!;
    const r2 = noTransitive.receive(r1.state, sync2.bytes, T0 + 2);
    if (!r2.ok) throw r2.error;
    expect(ofType(r2.events, "acked").map((e) => e.messageId)).toEqual([sent[0]!.messageId, sent[1]!.messageId]);
    // With transitive acks (an option: off by default, see docs/SDS.md), citing "r" acknowledges everything
    // "r" cited.
    const transitive = new Sds({ causalHistorySize: 1, transitiveAcks: true });
    const sync3 = transitive.sync(b, T0 + 1).outgoing[0]!;
    const r3 = transitive.receive(a, sync3.bytes, T0 + 1);
    expect(r3.ok && r3.state.outgoing.length).toBe(0);
  });

  it("rejects bad input with typed errors and no state change", () => {
    const { sds, a, b } = parties();
    const s = send(sds, a, "x");
    const other = new Sds().init("other", "carol", T0);
    expect(sds.receive(b, Uint8Array.of(0xff, 0xff, 0xff), T0)).toMatchObject({
      ok: false,
      error: { code: "malformed" },
    });
    expect(sds.receive(other, s.outgoing[0]!.bytes, T0)).toMatchObject({ ok: false, error: { code: "wrong-channel" } });
    expect(sds.receive(s.state, s.outgoing[0]!.bytes, T0)).toMatchObject({ ok: false, error: { code: "own-message" } });
    expect(sds.receive(b, s.outgoing[0]!.bytes, T0, { expectedSenderId: "mallory" })).toMatchObject({
      ok: false,
      error: { code: "sender-mismatch" },
    });
    expect(() => sds.send(a, new Uint8Array(0), "id", T0)).toThrowError(
      expect.objectContaining({ code: "empty-content" }),
    );
    expect(() => sds.send(s.state, utf8("y"), s.outgoing[0]!.messageId, T0)).toThrowError(
      expect.objectContaining({ code: "duplicate-id" }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const before = serializeSdsState(b);
        const r = sds.receive(b, bytes, T0);
        expect(typeof r.ok).toBe("boolean");
        expect(serializeSdsState(b)).toEqual(before);
      }),
    );
  });

  it("never mutates its input and serializes its state", () => {
    let { sds, a, b } = parties();
    const first = send(sds, a, "one");
    a = first.state;
    const second = send(sds, a, "two");
    a = second.state;
    const snapshot = serializeSdsState(b);
    const r = sds.receive(b, second.outgoing[0]!.bytes, T0);
    if (!r.ok) throw r.error;
    expect(serializeSdsState(b)).toEqual(snapshot);
    const bytes = serializeSdsState(r.state);
    const back = deserializeSdsState(bytes);
    if (!back.ok) throw back.error;
    expect(serializeSdsState(back.state)).toEqual(bytes);
    const r2 = sds.receive(back.state, first.outgoing[0]!.bytes, T0);
    expect(r2.ok && delivered(r2.events)).toEqual(["one", "two"]);
    for (let cut = 0; cut < bytes.length; cut += 97) expect(deserializeSdsState(bytes.subarray(0, cut)).ok).toBe(false);
    expect(deserializeSdsState(Uint8Array.of(...bytes, 0)).ok).toBe(false);
  });
});
