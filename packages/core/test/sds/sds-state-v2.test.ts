import { deserializeSdsState, Sds, type SdsState, serializeSdsState, utf8 } from "@parley/core";
import { describe, expect, it } from "vitest";
import { ByteWriter } from "../../src/primitives/binary.js";

const T0 = 1_700_000_000_000;

/** The version-1 layout (one length-prefixed string per id), as states persisted before version 2 hold it. */
function serializeV1(state: SdsState): Uint8Array {
  const w = new ByteWriter().u8(1);
  const strings = (list: readonly string[]) => {
    w.u32(list.length);
    for (const s of list) w.string(s);
  };
  w.string(state.channelId).string(state.senderId).u64(state.lamport);
  w.bytes(state.bloom).u32(state.bloomCount);
  w.u32(state.recent.length);
  for (const e of state.recent) w.string(e.messageId).u64(e.lamport).string(e.senderId);
  strings(state.known);
  strings(state.lost);
  w.u32(state.missing.length);
  for (const m of state.missing) w.string(m.messageId).optBytes(m.retrievalHint).uint(m.since);
  w.u32(state.incoming.length);
  for (const m of state.incoming) {
    w.string(m.messageId).string(m.senderId).u64(m.lamport);
    strings(m.dependencies);
    w.bytes(m.content).uint(m.receivedAt);
  }
  w.u32(state.outgoing.length);
  for (const m of state.outgoing) {
    w.string(m.messageId).u64(m.lamport);
    strings(m.dependencies);
    w.bytes(m.bytes).uint(m.firstSentAt).uint(m.lastSentAt).u32(m.resends).u32(m.possibleAcks);
  }
  const opt = (n: number | undefined) => (n === undefined ? w.u8(0) : w.u8(1).uint(n));
  if (state.lastOwnId === undefined) w.u8(0);
  else w.u8(1).string(state.lastOwnId);
  w.u32(state.ackOwed.length);
  for (const a of state.ackOwed) w.string(a.messageId).string(a.senderId);
  opt(state.ackOwedSince);
  opt(state.lastSentAt);
  return w.finish();
}

/** Alice sends `n` messages that Bob receives; returns Bob's state (with `n` known ids and owed acks). */
function bobAfter(n: number): { sds: Sds; bob: SdsState; next: Uint8Array } {
  const sds = new Sds({ ackDelayMs: 0 });
  let alice = sds.init("c", "alice", T0);
  let bob = sds.init("c", "bob", T0);
  for (let i = 0; i < n; i++) {
    const s = sds.send(alice, utf8(`m${i}`), `id-${i}-${"f".repeat(24)}`, T0 + i);
    alice = s.state;
    const r = sds.receive(bob, s.outgoing[0]!.bytes, T0 + i);
    if (!r.ok) throw r.error;
    bob = r.state;
  }
  const next = sds.send(alice, utf8("next"), "id-next", T0 + n).outgoing[0]!.bytes;
  return { sds, bob, next };
}

describe("SDS state version 2", () => {
  it("writes version 2 and reads it back to the same bytes", () => {
    const { bob } = bobAfter(40);
    const bytes = serializeSdsState(bob);
    expect(bytes[0]).toBe(2);
    const back = deserializeSdsState(bytes);
    if (!back.ok) throw back.error;
    expect(back.state.known).toEqual(bob.known);
    expect(serializeSdsState(back.state)).toEqual(bytes);
  });

  it("still reads version-1 states, which then behave exactly like the original", () => {
    const { sds, bob, next } = bobAfter(40);
    const v1 = serializeV1(bob);
    expect(v1[0]).toBe(1);
    const back = deserializeSdsState(v1);
    if (!back.ok) throw back.error;
    expect(back.state).toEqual(bob);
    const a = sds.receive(back.state, next, T0 + 100);
    const b = sds.receive(bob, next, T0 + 100);
    if (!a.ok || !b.ok) throw new Error("receive failed");
    expect(serializeSdsState(a.state)).toEqual(serializeSdsState(b.state));
    // Its causal dependency (a known id) is found after the round trip through version 1.
    expect(a.status).toBe("delivered");
  });

  it("refuses an unknown version and every truncation of a version-2 state", () => {
    const bytes = serializeSdsState(bobAfter(5).bob);
    expect(deserializeSdsState(Uint8Array.of(3, ...bytes.subarray(1))).ok).toBe(false);
    for (let cut = 0; cut < bytes.length; cut += 7) expect(deserializeSdsState(bytes.subarray(0, cut)).ok).toBe(false);
  });
});
