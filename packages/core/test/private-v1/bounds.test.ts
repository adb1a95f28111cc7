/**
 * PrivateV1's cost under a peer's segment bomb (issue #19): the parts of an incomplete frame are records of
 * their own (segment-records.ts), so the conversation state lists them and later messages do not write them
 * again; they survive a restart, expire, are evicted beyond the conversation's bound, and each drop is
 * reported. Costs are counted in bytes written to the store, never in time.
 */
import { describe, expect, it } from "vitest";
import { ByteWriter } from "../../src/base/binary.js";
import { ABANDONED_NS, BLOOM_NS, KNOWN_NS, LOST_NS } from "../../src/conversations/private-v1/history-records.js";
import { privateV1Records } from "../../src/conversations/private-v1/records.js";
import { SEGMENTS_NS } from "../../src/conversations/private-v1/segment-records.js";
import { MAX_SEG_SIZE, type OutgoingPayload, PrivateV1Engine } from "../../src/conversations/private-v1/session.js";
import {
  decodePrivateState,
  encodePrivateState,
  type PrivateV1State,
} from "../../src/conversations/private-v1/state.js";
import { seededRandom } from "../../src/crypto/index.js";
import { NodeCryptoProvider } from "../../src/crypto/node.js";
import { CONVERSATION_STATE_NS } from "../../src/framework/conversation-store.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import { Transaction, type WriteOp } from "../../src/framework/store.js";
import { serializeSdsState } from "../../src/primitives/sds/index.js";
import { serializeReassemblyState } from "../../src/primitives/segmentation/index.js";
import type { EncryptedPayload } from "../../src/wire/index.js";
import { dependencyBomb, partialFrame } from "../support/hostile-peer.js";
import { sessionPair } from "../support/private-v1-session.js";

const crypto = new NodeCryptoProvider({ random: seededRandom("private-v1-bounds") });
const TIMEOUT = 60 * 60_000;

/** A MemoryStore that counts the bytes every commit writes (values of puts). */
class CountingStore extends MemoryStore {
  written = 0;
  override async commit(ops: readonly WriteOp[]): Promise<void> {
    for (const op of ops) if (op.op === "put") this.written += op.value.length;
    return super.commit(ops);
  }
}

/** Bob's side as a client keeps it: every step's state committed with its records, in one commit. */
class Receiver {
  readonly records = privateV1Records();
  constructor(
    readonly engine: PrivateV1Engine,
    public state: PrivateV1State,
    readonly base: CountingStore,
  ) {}
  get key(): string {
    return `PrivateV1:${this.state.localId}`;
  }
  async commit(): Promise<void> {
    const tx = new Transaction(this.base);
    tx.put(CONVERSATION_STATE_NS, this.key, encodePrivateState(this.state));
    await this.records.stage(tx, { id: this.state.localId, type: "PrivateV1", contentTopic: "" }, this.state);
    await tx.commit();
  }
  async open(
    p: OutgoingPayload | EncryptedPayload,
    now: number,
  ): Promise<{ frames: number; dropped: readonly string[] }> {
    const r = this.engine.open(this.state, "payload" in p ? p.payload : p, now);
    if (!r.ok) throw new Error(r.reason);
    this.state = r.state;
    await this.commit();
    return { frames: r.opened.frames.length, dropped: r.opened.dropped };
  }
  async sweep(now: number): Promise<readonly string[]> {
    const r = this.engine.sweep(this.state, now);
    this.state = r.state;
    await this.commit();
    return r.effects.dropped;
  }
  async parts(): Promise<number> {
    return (await this.base.scan(SEGMENTS_NS)).length;
  }
}

/** A state read from the store as a client reads it: its bytes, then its records. */
async function readState(store: MemoryStore, key: string): Promise<Uint8Array | undefined> {
  const bytes = await store.get(CONVERSATION_STATE_NS, key);
  const id = key.slice("PrivateV1:".length);
  if (bytes) await privateV1Records().load(store, { id, type: "PrivateV1", contentTopic: "" }, bytes);
  return bytes;
}

function setup() {
  const engine = new PrivateV1Engine(crypto, { reassemblyTimeoutMs: TIMEOUT });
  const { alice, bob } = sessionPair(crypto, engine);
  return { engine, alice, bob: new Receiver(engine, bob, new CountingStore()) };
}

const big = (bytes: number) => ({ case: "content" as const, value: new Uint8Array(bytes).fill(7) });
const text = (i: number) => ({ case: "content" as const, value: new Uint8Array(200).fill(i) });

/** Bytes written per small message after `before` (a bomb or nothing), averaged over `n` messages. */
async function laterCost(
  ctx: ReturnType<typeof setup>,
  n: number,
  t0: number,
): Promise<{ perMessage: number; stateBytes: number }> {
  let { alice } = ctx;
  const start = ctx.bob.base.written;
  for (let i = 0; i < n; i++) {
    const s = ctx.engine.send(alice, text(i), t0 + i * 10);
    alice = s.state;
    expect(s.outgoing).toHaveLength(1);
    for (const p of s.outgoing) expect((await ctx.bob.open(p, t0 + i * 10)).frames).toBe(1);
  }
  ctx.alice = alice;
  return {
    perMessage: (ctx.bob.base.written - start) / n,
    stateBytes: encodePrivateState(ctx.bob.state).length,
  };
}

describe("PrivateV1 bounds: the segment bomb", () => {
  it("keeps an incomplete 255-segment frame out of the state; later messages cost what they cost without it", async () => {
    const control = setup();
    const hit = setup();
    // 254 of the 255 segments of a 25 MB frame; the last is never sent.
    const bomb = partialFrame(hit.engine, hit.alice, 255 * MAX_SEG_SIZE - 200, [...Array(254).keys()], 2_000);
    hit.alice = bomb.state;
    expect(bomb.segments).toBe(255);
    for (const p of bomb.payloads) await hit.bob.open(p, 2_000);
    expect(hit.bob.state.reassembly.partial[0]!.received).toBe(254);
    expect(await hit.bob.parts()).toBe(254);
    // The conversation never attacked gets as many messages (254 small ones): the same SDS bookkeeping.
    for (let i = 0; i < 254; i++) {
      const one = partialFrame(control.engine, control.alice, 200, [0], 2_000 + i);
      control.alice = one.state;
      expect((await control.bob.open(one.payloads[0]!, 2_000 + i)).frames).toBe(1);
    }
    const attacked = await laterCost(hit, 20, 3_000);
    const clean = await laterCost(control, 20, 3_000);
    // What version 2 (parts inline) wrote for each of those messages: the whole 25 MB again.
    const inline = asVersion2(encodePrivateState(hit.bob.state), hit.bob.state).length;
    expect(inline).toBeGreaterThan(254 * MAX_SEG_SIZE);
    console.log(
      `bytes written per later message: attacked ${attacked.perMessage}, never attacked ${clean.perMessage}, ` +
        `with parts inline (state version 2) ${inline}`,
    );
    // The 25 MB are in 254 records, not in the state: the state lists them in a few hundred bytes.
    expect(attacked.stateBytes).toBeLessThan(clean.stateBytes + 2_048);
    expect(attacked.perMessage).toBeLessThan(2 * clean.perMessage);
  });

  it("writes each part once: bytes written to receive a frame grow linearly with its size", async () => {
    const written: number[] = [];
    for (const segments of [60, 120]) {
      const ctx = setup();
      const s = ctx.engine.send(ctx.alice, big(segments * MAX_SEG_SIZE - 200), 2_000);
      let frames = 0;
      for (const p of s.outgoing) frames += (await ctx.bob.open(p, 2_000)).frames;
      expect(frames).toBe(1);
      expect(await ctx.bob.parts()).toBe(0);
      written.push(ctx.bob.base.written);
    }
    // Each part is written once (as its record) plus a state per step of bounded size.
    expect(written[0]!).toBeLessThan(60 * MAX_SEG_SIZE * 1.5);
    expect(written[1]!).toBeLessThan(2.2 * written[0]!);
  });

  it("reads the parts back after a restart and completes the frame; a missing record drops only that frame", async () => {
    const ctx = setup();
    const s = ctx.engine.send(ctx.alice, big(5 * MAX_SEG_SIZE - 200), 2_000);
    for (const p of s.outgoing.slice(0, 4)) await ctx.bob.open(p, 2_000);
    // A new process: nothing in memory, everything from the store.
    const bytes = await readState(ctx.bob.base, ctx.bob.key);
    const restored = decodePrivateState(bytes!)!;
    expect(restored.reassembly.partial[0]!.received).toBe(4);
    // A copy of the store without the part records (its other records kept).
    const other = new MemoryStore();
    for (const ns of [CONVERSATION_STATE_NS, KNOWN_NS, BLOOM_NS, LOST_NS, ABANDONED_NS])
      for (const e of await ctx.bob.base.scan(ns)) await other.commit([{ op: "put", ns, key: e.key, value: e.value }]);
    const again = new Receiver(ctx.engine, restored, ctx.bob.base);
    expect((await again.open(s.outgoing[4]!, 2_100)).frames).toBe(1);
    expect(await again.parts()).toBe(0);
    // Read from the copy: the incomplete frame is dropped, the rest of the state read.
    const lone = decodePrivateState((await readState(other, ctx.bob.key))!);
    expect(lone?.sds.known).toEqual(restored.sds.known);
    expect(lone?.reassembly.partial).toEqual([]);
    await other.close();
  });

  it("expires an incomplete frame (reported, records deleted) and evicts beyond the bound (reported)", async () => {
    const ctx = setup();
    const s = partialFrame(ctx.engine, ctx.alice, 3 * MAX_SEG_SIZE - 200, [0], 2_000);
    ctx.alice = s.state;
    await ctx.bob.open(s.payloads[0]!, 2_000);
    expect(await ctx.bob.parts()).toBe(1);
    expect(await ctx.bob.sweep(2_000 + TIMEOUT + 1)).toContain("segment-expired");
    expect(ctx.bob.state.reassembly.partial).toEqual([]);
    expect(await ctx.bob.parts()).toBe(0);
    // Nine incomplete frames: the ninth evicts the oldest (8 per conversation).
    const dropped: string[] = [];
    for (let i = 0; i < 9; i++) {
      const f = partialFrame(ctx.engine, ctx.alice, 2 * MAX_SEG_SIZE - 200, [0], 3_000_000 + i);
      ctx.alice = f.state;
      dropped.push(...(await ctx.bob.open(f.payloads[0]!, 3_000_000 + i)).dropped);
    }
    expect(dropped).toEqual(["segment-evicted"]);
    expect(ctx.bob.state.reassembly.partial).toHaveLength(8);
    expect(await ctx.bob.parts()).toBe(8);
  });

  it("reads a version-2 state with parts inline and moves them to records at the next commit", async () => {
    const ctx = setup();
    const s = ctx.engine.send(ctx.alice, big(4 * MAX_SEG_SIZE - 200), 2_000);
    for (const p of s.outgoing.slice(0, 3)) {
      const r = ctx.engine.open(ctx.bob.state, p.payload, 2_000);
      if (!r.ok) throw new Error(r.reason);
      ctx.bob.state = r.state;
    }
    const v2 = asVersion2(encodePrivateState(ctx.bob.state), ctx.bob.state);
    expect(v2[0]).toBe(2);
    const base = new CountingStore();
    await base.commit([{ op: "put", ns: CONVERSATION_STATE_NS, key: ctx.bob.key, value: v2 }]);
    const read = await readState(base, ctx.bob.key);
    const state = decodePrivateState(read!)!;
    expect(state.reassembly.partial[0]!.received).toBe(3);
    const bob = new Receiver(ctx.engine, state, base);
    await bob.commit();
    expect(await bob.parts()).toBe(3);
    expect((await base.get(CONVERSATION_STATE_NS, ctx.bob.key))![0]).toBe(6);
    expect((await bob.open(s.outgoing[3]!, 2_100)).frames).toBe(1);
    expect(await bob.parts()).toBe(0);
  });
});

describe("PrivateV1 bounds: the missing-dependency bomb", () => {
  it("refuses what the buffer cannot hold without changing the state; the sweep after the bound releases the rest", async () => {
    const engine = new PrivateV1Engine(crypto, { sds: { incomingLostAfterMs: 10 * 60_000 } });
    const pair = sessionPair(crypto, engine);
    let state = pair.bob;
    const bomb = dependencyBomb(engine, pair.alice, 100, 1000, 2_000);
    const reasons: string[] = [];
    for (const payload of bomb.payloads) {
      const r = engine.open(state, payload, 2_000);
      if (r.ok) state = r.state;
      else reasons.push(r.reason);
    }
    expect(reasons.length).toBeGreaterThan(0);
    expect(new Set(reasons)).toEqual(new Set(["sds-buffer-full"]));
    const held = state.sds.incoming.length;
    expect(held + reasons.length).toBe(100);
    expect(encodePrivateState(state).length).toBeLessThan(160 * 1024);
    const swept = engine.sweep(state, 2_000 + 10 * 60_000);
    expect(swept.state.sds.incoming).toEqual([]);
    expect(swept.effects.lost.length).toBeLessThanOrEqual(2_000);
    // Their content is not a segment: each released message is a reported drop, not a frame.
    expect(swept.effects.dropped).toHaveLength(held);
  });
});

/** The version-2 bytes of a state: its current encoding with the SDS window and reassembly parts inline again. */
function asVersion2(current: Uint8Array, state: PrivateV1State): Uint8Array {
  const view = new DataView(current.buffer, current.byteOffset, current.byteLength);
  let at = 2;
  const skipSized = () => {
    const n = view.getUint32(at);
    at += 4 + n;
  };
  for (let i = 0; i < 3; i++) skipSized(); // localId, remoteId, contentTopic
  at += 32 + 32 + 8 + 8; // keys, createdAt, lastFrameTimestamp
  skipSized(); // ratchet
  const sdsStart = at;
  skipSized(); // sds (without its window and filter since version 5)
  skipSized(); // reassembly (index form)
  // No outgoing frames here: version 2 lists them inline (none), and has no window or filter sizes.
  expect(state.outbound).toEqual([]);
  at += 4;
  at += view.getUint8(at) === 0 ? 1 + 4 * 4 : 1;
  at += view.getUint8(at) === 0 ? 1 + 5 * 4 : 1; // the work's form (version 6)
  const w = new ByteWriter().raw(current.subarray(0, sdsStart));
  w.bytes(serializeSdsState(state.sds)).bytes(serializeReassemblyState(state.reassembly)).u32(0);
  w.raw(current.subarray(at));
  const out = w.finish();
  out[0] = 2;
  return out;
}
