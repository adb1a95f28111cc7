/**
 * The SDS history as records of its own (state version 5, history-records.ts): a step writes what changed in
 * the `known` window (one id in, one out) and in the Bloom filter (the chunks a delivery touched; a window of
 * at most `INLINE_HISTORY` ids stays inside the state with its filter), so what a
 * send writes is the same at message 100 and at message 3,000; a commit that fails leaves the next step
 * working from what was committed; a version-4 store (fixture written by the version-4 code) opens, moves its
 * window and filter to records on its first commit and keeps working. Costs are counted in bytes and store
 * operations, never in time.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/base/bytes.js";
import { ABANDONED_NS, BLOOM_NS, KNOWN_NS } from "../../src/conversations/private-v1/history-records.js";
import { PrivateV1Engine } from "../../src/conversations/private-v1/session.js";
import { encodePrivateState } from "../../src/conversations/private-v1/state.js";
import { INLINE_HISTORY } from "../../src/conversations/private-v1/state-history.js";
import { seededRandom } from "../../src/crypto/index.js";
import { NodeCryptoProvider } from "../../src/crypto/node.js";
import { CONVERSATION_STATE_NS } from "../../src/framework/conversation-store.js";
import { sessionPair } from "../support/private-v1-session.js";
import { fixtureSides, Side } from "../support/private-v1-side.js";

const crypto = new NodeCryptoProvider({ random: seededRandom("private-v1-history-records") });

async function count(side: Side, ns: string): Promise<number> {
  return (await side.store.scan(ns)).length;
}

/** After a restart, the window and filter read from the records are the ones the side had in memory. */
async function restartsTheSame(side: Side): Promise<void> {
  const { known, bloom, lost, abandoned } = side.state.sds;
  await side.restart();
  expect(side.state.sds.known).toEqual(known);
  expect(toHex(side.state.sds.bloom)).toBe(toHex(bloom));
  expect(side.state.sds.lost).toEqual(lost);
  expect(side.state.sds.abandoned).toEqual(abandoned);
}

describe("PrivateV1 history records", () => {
  it("with the peer offline, a send writes as much at message 3,000 as at message 100", async () => {
    // Every message sealed and on the wire (a send window beyond the run), so each frame record holds its
    // ciphertext at both points.
    const engine = new PrivateV1Engine(crypto, { sendWindow: 4_000 });
    const a = new Side(engine, sessionPair(crypto, engine).alice);
    const at = new Map<number, { bytes: number; ops: number; record: number }>();
    for (let i = 1; i <= 3_000; i++) {
      const before = { bytes: a.store.written, ops: a.store.ops };
      await a.send(`message ${i} ${"x".repeat(200)}`, 1_000 + i);
      if (i === 100 || i === 3_000)
        at.set(i, {
          bytes: a.store.written - before.bytes,
          ops: a.store.ops - before.ops,
          record: await a.recordBytes(),
        });
    }
    const early = at.get(100)!;
    const late = at.get(3_000)!;
    console.log(`per send at 100: ${JSON.stringify(early)}; at 3,000: ${JSON.stringify(late)}`);
    // The state, one frame record and one id record; at 3,000 the window is full, so the oldest id goes too.
    expect(early.ops).toBe(3);
    expect(late.ops).toBe(4);
    expect(Math.abs(late.bytes - early.bytes)).toBeLessThanOrEqual(16);
    expect(Math.abs(late.record - early.record)).toBeLessThanOrEqual(16);
    // Version 4 wrote the 1,000-id window (16 KB) with every step. Now: the state (under 1 KB), the frame
    // record (its ~210 B of content twice: sealed, and as the SDS message kept to seal again after a reset).
    expect(late.record).toBeLessThan(1_024);
    expect(late.bytes).toBeLessThan(2_560);
    expect(await count(a, KNOWN_NS)).toBe(1_000);
    await restartsTheSame(a);
  });

  it("a delivery rewrites only the Bloom chunks it touched; the filter survives a restart", async () => {
    const engine = new PrivateV1Engine(crypto);
    const pair = sessionPair(crypto, engine);
    const a = new Side(engine, pair.alice);
    const b = new Side(engine, pair.bob);
    const k = engine.sds.config.geometry.hashes;
    for (let i = 0; i < 50; i++) {
      const before = b.store.byNs.get(BLOOM_NS)?.written ?? 0;
      const inline = b.state.sds.known.length <= INLINE_HISTORY;
      for (const p of await a.send(`message ${i}`, 2_000 + i)) await b.open(p, 2_000 + i);
      // A small window and its filter are inside the state; the step that outgrows it writes them all once.
      if (inline) continue;
      const chunks = (b.store.byNs.get(BLOOM_NS)!.written - before) / 64;
      // Each id sets `hashes` bits: at most that many 64-byte chunks.
      expect(chunks).toBeLessThanOrEqual(k);
    }
    expect(await count(b, BLOOM_NS)).toBeGreaterThan(0);
    await restartsTheSame(b);
    for (const p of await a.send("after the restart", 3_000))
      expect(await b.open(p, 3_000)).toEqual(["after the restart"]);
  });

  it("our ids given up (a week with the peer offline) are records: the state stays small, and survive a restart", async () => {
    const engine = new PrivateV1Engine(crypto, { sds: { giveUpAfterMs: 60_000 } });
    const pair = sessionPair(crypto, engine);
    const a = new Side(engine, pair.alice);
    for (let i = 0; i < 300; i++) await a.send(`message ${i}`, 2_000 + i);
    const before = await a.recordBytes();
    // Past the give-up bound every message is given up; the ids are remembered for a late acknowledgement.
    await a.sweep(2_000 + 120_000);
    expect(a.state.outbound).toEqual([]);
    expect(a.state.sds.abandoned).toHaveLength(300);
    expect(await count(a, ABANDONED_NS)).toBe(300);
    // Inline, 300 ids would have added about 10 KB to every later state. (The frames given up, at most 256
    // without their ciphertexts, are still inside the state: PrivateV1's `lostFrames`, not the SDS history.)
    expect(encodePrivateState({ ...a.state, lostFrames: [] }).length).toBeLessThan(before + 64);
    await a.send("later", 200_000);
    await restartsTheSame(a);
    expect(a.state.sds.abandoned).toHaveLength(300);
  });

  it("a step whose commit fails leaves the next step working from the committed state", async () => {
    const engine = new PrivateV1Engine(crypto);
    const pair = sessionPair(crypto, engine);
    const a = new Side(engine, pair.alice);
    const b = new Side(engine, pair.bob);
    // More messages than a window kept inline: the window and filter are records on both sides.
    for (let i = 0; i < 12; i++) for (const p of await a.send(`one ${i}`, 2_000 + i)) await b.open(p, 2_000 + i);
    expect(await count(b, BLOOM_NS)).toBeGreaterThan(0);
    // Bob's step that receives fails to commit (the filter and window changed in it): nothing of it stays.
    const committed = b.state;
    const [lost] = await a.send("lost commit", 2_100).catch(() => []);
    b.store.failNext = true;
    await expect(b.open(lost!, 2_100)).rejects.toThrow("disk full");
    b.state = committed;
    await restartsTheSame(b);
    // Alice's send fails to commit too: its message is never published, and she goes on from before it.
    const before = a.state;
    a.store.failNext = true;
    await expect(a.send("never sent", 2_200)).rejects.toThrow("disk full");
    a.state = before;
    // The next steps on both sides commit, and every record matches the state in memory.
    // "next" cites "lost commit", which Bob has not committed: it waits for it, then both are delivered.
    for (const p of await a.send("next", 2_300)) expect(await b.open(p, 2_300)).toEqual([]);
    expect(await b.open(lost!, 2_400)).toEqual(["lost commit", "next"]);
    await restartsTheSame(a);
    await restartsTheSame(b);
    expect(await count(a, KNOWN_NS)).toBe(a.state.sds.known.length);
    expect(await count(b, KNOWN_NS)).toBe(b.state.sds.known.length);
    expect(a.state.sds.known.length).toBeGreaterThan(INLINE_HISTORY);
  });

  it("a version-4 store opens, moves its window and filter to records on its first commit, and keeps working", async () => {
    const fixture = JSON.parse(readFileSync(new URL("./fixtures/state-v4.json", import.meta.url), "utf8")) as {
      now: number;
      alice: { ns: string; key: string; value: string }[];
      bob: { ns: string; key: string; value: string }[];
      unacknowledged: string[];
      aliceKnown: string[];
      aliceBloom: string;
      bobKnown: string[];
    };
    const { a, b } = await fixtureSides(new PrivateV1Engine(crypto), fixture);
    const v4 = (await a.store.get(CONVERSATION_STATE_NS, a.key))!;
    expect(v4[0]).toBe(4);
    expect(a.state.sds.known).toEqual(fixture.aliceKnown);
    expect(toHex(a.state.sds.bloom)).toBe(fixture.aliceBloom);
    expect(b.state.sds.known).toEqual(fixture.bobKnown);
    expect(a.state.outbound.map((o) => o.messageId)).toEqual(fixture.unacknowledged);
    // First commit: version 5, the window and filter as records, a smaller conversation record.
    await a.commit();
    await b.commit();
    expect((await a.store.get(CONVERSATION_STATE_NS, a.key))![0]).toBe(6);
    expect(await count(a, KNOWN_NS)).toBe(fixture.aliceKnown.length);
    expect(await count(a, BLOOM_NS)).toBeGreaterThan(0);
    expect(await a.recordBytes()).toBeLessThan(v4.length);
    await restartsTheSame(a);
    await restartsTheSame(b);
    // The unacknowledged frames are resent; Bob reads them in order; then both send.
    let now = fixture.now + 60_000;
    const got: string[] = [];
    for (const p of await a.sweep(now)) got.push(...(await b.open(p, now)));
    expect(got).toEqual(["message 11", "message 12"]);
    now += 100;
    for (const p of await a.send("six", now)) expect(await b.open(p, now)).toEqual(["six"]);
    for (const p of await b.send("seven", now + 10)) expect(await a.open(p, now + 10)).toEqual(["seven"]);
    for (const p of await b.sweep(now + 5_000)) await a.open(p, now + 5_000);
    expect(a.state.outbound).toEqual([]);
    await restartsTheSame(a);
    await restartsTheSame(b);
  });
});
