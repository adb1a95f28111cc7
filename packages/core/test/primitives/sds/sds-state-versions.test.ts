import { toHex, utf8 } from "@parley/core";
import { deserializeSdsState, Sds, type SdsState, serializeSdsState } from "@parley/core/primitives";
import { describe, expect, it } from "vitest";
import { ByteWriter } from "../../../src/base/binary.js";

const T0 = 1_700_000_000_000;

/**
 * The layouts of versions 1 (one length-prefixed string per id, plain filter), 2 (`stringList` id lists,
 * sparse filter) and 3 (version 2 with hex ids packed), as states persisted by earlier code hold them.
 */
function serializeOld(version: 1 | 2 | 3, state: SdsState): Uint8Array {
  if (version === 3) {
    // Version 4 appends two fields to version 3: when the peer was last heard from, and given-up ids.
    const bare = { ...state, peerHeardAt: undefined, abandoned: [] };
    const v4 = serializeSdsState(bare);
    const tail = serializeTail(bare);
    const out = v4.slice(0, v4.length - tail);
    out[0] = 3;
    return out;
  }
  const w = new ByteWriter().u8(version);
  const strings = (list: readonly string[]) => {
    w.u32(list.length);
    for (const s of list) w.string(s);
  };
  const idList = (list: readonly string[]) => (version === 1 ? strings(list) : w.stringList(list));
  w.string(state.channelId).string(state.senderId).u64(state.lamport);
  if (version === 1) w.bytes(state.bloom);
  else w.sparseBytes(state.bloom);
  w.u32(state.bloomCount);
  w.u32(state.recent.length);
  for (const e of state.recent) w.string(e.messageId).u64(e.lamport).string(e.senderId);
  idList(state.known);
  idList(state.lost);
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

/** Bytes version 4 appends for a state with no peer heard and no given-up ids: u8 0, then an empty list. */
function serializeTail(_state: SdsState): number {
  return new ByteWriter().u8(0).stringList([]).finish().length;
}

/** What a state read from an older version holds: the version-4 fields at their defaults. */
function asOld(state: SdsState): SdsState {
  return { ...state, peerHeardAt: undefined, abandoned: [] };
}

/** A PrivateV1-like id (lowercase hex of 16 bytes), or a free-form one. */
const hexId = (i: number) => toHex(utf8(`id-${i}`.padEnd(16, ".")));
const textId = (i: number) => `id-${i}-${"f".repeat(24)}`;

/** Alice sends `n` messages that Bob receives; returns Bob's state (with `n` known ids and owed acks). */
function bobAfter(n: number, id = textId): { sds: Sds; bob: SdsState; next: Uint8Array } {
  const sds = new Sds({ ackDelayMs: 0 });
  let alice = sds.init("c", "alice", T0);
  let bob = sds.init("c", "bob", T0);
  for (let i = 0; i < n; i++) {
    const s = sds.send(alice, utf8(`m${i}`), id(i), T0 + i);
    alice = s.state;
    const r = sds.receive(bob, s.outgoing[0]!.bytes, T0 + i);
    if (!r.ok) throw r.error;
    bob = r.state;
  }
  const next = sds.send(alice, utf8("next"), id(n), T0 + n).outgoing[0]!.bytes;
  return { sds, bob, next };
}

describe("SDS state versions", () => {
  for (const [name, id] of [
    ["hex ids (packed)", hexId],
    ["other ids", textId],
  ] as const) {
    it(`writes version 5 and reads it back to the same state and bytes: ${name}`, () => {
      const { bob } = bobAfter(40, id);
      const bytes = serializeSdsState(bob);
      expect(bytes[0]).toBe(5);
      const back = deserializeSdsState(bytes);
      if (!back.ok) throw back.error;
      expect(back.state).toEqual(bob);
      expect(serializeSdsState(back.state)).toEqual(bytes);
      // And so does a copy that no cache knows about.
      expect(serializeSdsState(structuredClone(bob))).toEqual(bytes);
    });
  }

  it("packs hex ids: each takes half its length", () => {
    const { bob } = bobAfter(100, hexId);
    const v2 = serializeOld(2, bob);
    const v3 = serializeOld(3, bob);
    // 100 ids of 32 characters: 16 bytes saved for each, and the joined text's length (a width replaces the
    // common length).
    expect(v2.length - v3.length).toBe(100 * 16 + 4);
  });

  for (const version of [1, 2, 3] as const) {
    for (const [name, id] of [
      ["hex ids", hexId],
      ["other ids", textId],
    ] as const) {
      it(`still reads version-${version} states (${name}), which then behave exactly like the original`, () => {
        const { sds, bob, next } = bobAfter(40, id);
        const old = serializeOld(version, bob);
        expect(old[0]).toBe(version);
        const back = deserializeSdsState(old);
        if (!back.ok) throw back.error;
        expect(back.state).toEqual(asOld(bob));
        expect(serializeSdsState(back.state)).toEqual(serializeSdsState(asOld(bob)));
        const a = sds.receive(back.state, next, T0 + 100);
        const b = sds.receive(bob, next, T0 + 100);
        if (!a.ok || !b.ok) throw new Error("receive failed");
        expect(serializeSdsState(a.state)).toEqual(serializeSdsState(b.state));
        // Its causal dependency (a known id) is found after the round trip through the old version.
        expect(a.status).toBe("delivered");
        // And a resend of an old message is still a duplicate.
        const again = sds.send(sds.init("c", "alice", T0), utf8("m0"), id(0), T0).outgoing[0]!.bytes;
        const dup = sds.receive(back.state, again, T0 + 100);
        expect(dup.ok && dup.status).toBe("duplicate");
      });
    }
  }

  it("refuses an unknown version, every truncation of a version-5 state, and a packed list in version 2", () => {
    const bytes = serializeSdsState(bobAfter(5, hexId).bob);
    expect(deserializeSdsState(Uint8Array.of(6, ...bytes.subarray(1))).ok).toBe(false);
    expect(deserializeSdsState(Uint8Array.of(0, ...bytes.subarray(1))).ok).toBe(false);
    expect(deserializeSdsState(Uint8Array.of(2, ...bytes.subarray(1))).ok).toBe(false);
    for (let cut = 0; cut < bytes.length; cut += 3) expect(deserializeSdsState(bytes.subarray(0, cut)).ok).toBe(false);
    expect(deserializeSdsState(Uint8Array.of(...bytes, 0)).ok).toBe(false);
  });
});
