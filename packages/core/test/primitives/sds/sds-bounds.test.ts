/**
 * The SDS missing-dependency bomb (issue #19): an authenticated peer sends messages that each cite 1,000 ids
 * that do not exist. What the victim tracks, stores and reports is bounded; once the incoming-lost bound has
 * passed, everything buffered is released, the next sweeps do nothing, and later messages cost what they cost
 * in a conversation that was never attacked (counted in encoded state bytes, not time).
 */

import { describe, expect, it } from "vitest";
import { utf8 } from "../../../src/base/bytes.js";
import {
  deserializeSdsState,
  encodeSdsMessage,
  Sds,
  type SdsEvent,
  type SdsState,
  serializeSdsState,
} from "../../../src/primitives/sds/index.js";

const T0 = 1_700_000_000_000;
const LOST_AFTER = 10 * 60_000;
const sds = new Sds({ incomingLostAfterMs: LOST_AFTER });

const hex = (tag: string, n: number) => `${tag}${n.toString(16).padStart(31, "0")}`;
const legitId = (n: number) => hex("a", n);
const bogusId = (m: number, k: number) => hex("f", m * 10_000 + k);

/** A content message of the attacker citing `cites` ids that no one ever sent. */
function bomb(m: number, cites: number, lamport: bigint): Uint8Array {
  return encodeSdsMessage({
    senderId: "mallory",
    messageId: hex("b", m),
    channelId: "c",
    lamport,
    causalHistory: Array.from({ length: cites }, (_, k) => ({ messageId: bogusId(m, k) })),
    content: utf8(`bomb ${m}`),
  });
}

/** Bob after `n` ordinary messages from the peer (a full `known` window once n >= 1000). */
function warmed(n: number): { bob: SdsState; peer: SdsState; now: number } {
  let peer = sds.init("c", "mallory", T0);
  let bob = sds.init("c", "bob", T0);
  let now = T0;
  for (let i = 0; i < n; i++) {
    now += 10;
    const sent = sds.send(peer, utf8(`m${i}`), legitId(i), now);
    peer = sent.state;
    const got = sds.receive(bob, sent.outgoing[0]!.bytes, now);
    if (!got.ok) throw got.error;
    bob = got.state;
  }
  return { bob, peer, now };
}

interface Attack {
  bob: SdsState;
  events: SdsEvent[];
  buffered: number;
  refused: number;
}

function attack(bob: SdsState, now: number, messages: number, cites: number): Attack {
  const events: SdsEvent[] = [];
  let buffered = 0;
  let refused = 0;
  for (let m = 0; m < messages; m++) {
    const r = sds.receive(bob, bomb(m, cites, BigInt(now + m)), now);
    if (!r.ok) {
      expect(r.error.code).toBe("buffer-full");
      refused++;
      continue;
    }
    expect(r.status).toBe("buffered");
    bob = r.state;
    buffered++;
    events.push(...r.events);
  }
  return { bob, events, buffered, refused };
}

const missingIds = (events: readonly SdsEvent[]) =>
  events.reduce((n, e) => n + (e.type === "missing" ? e.messages.length : 0), 0);

describe("SDS bounds: the missing-dependency bomb", () => {
  it("tracks at most maxDependencies ids per message and maxTracked in all; refuses beyond, reported", () => {
    const { bob, now } = warmed(10);
    const a = attack(bob, now, 100, 1000);
    for (const b of a.bob.incoming) expect(b.dependencies.length).toBeLessThanOrEqual(sds.config.maxDependencies);
    const awaited = a.bob.incoming.reduce((n, b) => n + b.dependencies.length, 0);
    expect(awaited).toBeLessThanOrEqual(sds.config.maxTracked);
    expect(a.bob.missing.length).toBeLessThanOrEqual(sds.config.maxTracked);
    // 100 messages citing 1,000 ids each: 100,000 ids on the wire, at most 1,000 tracked and reported.
    expect(missingIds(a.events)).toBeLessThanOrEqual(sds.config.maxTracked);
    expect(a.refused).toBeGreaterThan(0);
    expect(a.buffered + a.refused).toBe(100);
    // The state holds the tracked ids and the (small) buffered contents: far below the 3.3 MB sent.
    expect(serializeSdsState(a.bob).length).toBeLessThan(128 * 1024);
  });

  it("releases every buffered message once the bound has passed; later sweeps do nothing", () => {
    const { bob, now } = warmed(10);
    const a = attack(bob, now, 100, 1000);
    const swept = sds.sweep(a.bob, now + LOST_AFTER);
    const delivered = swept.events.filter((e) => e.type === "delivered").length;
    expect(delivered).toBe(a.buffered);
    expect(swept.state.incoming).toEqual([]);
    expect(swept.state.missing).toEqual([]);
    const lostIds = swept.events.reduce((n, e) => n + (e.type === "incoming-lost" ? e.messageIds.length : 0), 0);
    expect(lostIds).toBeLessThanOrEqual(2 * sds.config.maxTracked);
    // Nothing is left to do: the next sweeps report nothing and leave the buffer and tracked ids alone.
    for (let i = 1; i <= 3; i++) {
      const again = sds.sweep(swept.state, now + LOST_AFTER + i * 60_000);
      expect(again.events.filter((e) => e.type !== "delivered")).toEqual([]);
      expect(again.state.incoming).toEqual([]);
      expect(again.state.lost).toEqual(swept.state.lost);
    }
  });

  it("a refused message arrives on its resend once the buffer drained, and is delivered", () => {
    const { bob, now } = warmed(10);
    const a = attack(bob, now, 100, 1000);
    const refusedAt = a.buffered; // the first refused message
    const swept = sds.sweep(a.bob, now + LOST_AFTER);
    const r = sds.receive(swept.state, bomb(refusedAt, 1000, BigInt(now + refusedAt)), now + LOST_AFTER + 1);
    if (!r.ok) throw r.error;
    expect(r.status).toBe("buffered");
    expect(r.state.incoming.at(-1)!.dependencies.length).toBeLessThanOrEqual(sds.config.maxDependencies);
  });

  it("leaves later messages within 2x the cost of a conversation never attacked (state bytes per step)", () => {
    const clean = warmed(1000);
    const hit = warmed(1000);
    const a = attack(hit.bob, hit.now, 100, 1000);
    let attacked = sds.sweep(a.bob, hit.now + LOST_AFTER).state;
    let control = sds.sweep(clean.bob, clean.now + LOST_AFTER).state;
    let peerA = hit.peer;
    let peerC = clean.peer;
    let costAttacked = 0;
    let costControl = 0;
    for (let i = 0; i < 20; i++) {
      const at = hit.now + LOST_AFTER + 1000 * (i + 1);
      const sa = sds.send(peerA, utf8(`later ${i}`), legitId(5000 + i), at);
      const sc = sds.send(peerC, utf8(`later ${i}`), legitId(5000 + i), at);
      peerA = sa.state;
      peerC = sc.state;
      const ra = sds.receive(attacked, sa.outgoing[0]!.bytes, at);
      const rc = sds.receive(control, sc.outgoing[0]!.bytes, at);
      if (!ra.ok || !rc.ok) throw new Error("receive failed");
      expect(ra.status).toBe("delivered");
      attacked = sds.sweep(ra.state, at + 500).state;
      control = sds.sweep(rc.state, at + 500).state;
      // What a client writes per step: the encoded state.
      costAttacked += serializeSdsState(attacked).length;
      costControl += serializeSdsState(control).length;
    }
    expect(costAttacked).toBeLessThan(2 * costControl);
    console.log(`state bytes per later step: attacked ${costAttacked / 20}, never attacked ${costControl / 20}`);
  });

  it("reads a version-4 state holding a bomb and keeps only what each buffered message still waits for", () => {
    const { bob, now } = warmed(10);
    const full = bob.known.slice(0, 3);
    const pinned: SdsState = {
      ...bob,
      incoming: Array.from({ length: 99 }, (_, m) => ({
        messageId: hex("b", m),
        senderId: "mallory",
        lamport: BigInt(now + m),
        dependencies: [...full, ...Array.from({ length: 1000 }, (_, k) => bogusId(m, k))],
        content: utf8(`bomb ${m}`),
        receivedAt: now,
      })),
    };
    const v5 = serializeSdsState(pinned);
    const v4 = v5.slice();
    v4[0] = 4;
    const back = deserializeSdsState(v4);
    if (!back.ok) throw back.error;
    for (const [m, b] of back.state.incoming.entries()) {
      expect(b.dependencies).toEqual(Array.from({ length: 16 }, (_, k) => bogusId(m, 984 + k)));
    }
    // Version 5 is read as written.
    const same = deserializeSdsState(v5);
    expect(same.ok && same.state.incoming[0]!.dependencies.length).toBe(1003);
    // And the migrated state drains in one sweep.
    const swept = sds.sweep(back.state, now + LOST_AFTER);
    expect(swept.state.incoming).toEqual([]);
  });
});
