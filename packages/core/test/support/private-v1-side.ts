/**
 * One side of a PrivateV1 session as a client keeps it, for tests that count what a step writes: each step's
 * state and its records in one commit to a store that counts commits and bytes (and can fail the next
 * commit), and a restart that reads everything back from that store.
 */
import { expect } from "vitest";
import { fromHex, utf8 } from "../../src/base/bytes.js";
import { FRAMES_NS } from "../../src/conversations/private-v1/frame-records.js";
import { privateV1Records } from "../../src/conversations/private-v1/records.js";
import type { OutgoingPayload, PrivateV1Engine } from "../../src/conversations/private-v1/session.js";
import {
  decodePrivateState,
  encodePrivateState,
  type PrivateV1State,
} from "../../src/conversations/private-v1/state.js";
import { CONVERSATION_STATE_NS } from "../../src/framework/conversation-store.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import { Transaction, type WriteOp } from "../../src/framework/store.js";
import { sessionPair } from "./private-v1-session.js";

/**
 * A MemoryStore that counts commits, the bytes they write (values of puts) and their operations, in all and
 * by namespace.
 */
export class CountingStore extends MemoryStore {
  written = 0;
  commits = 0;
  ops = 0;
  readonly byNs = new Map<string, { written: number; ops: number }>();
  failNext = false;
  override async commit(ops: readonly WriteOp[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error("disk full");
    }
    this.commits++;
    this.ops += ops.length;
    for (const op of ops) {
      const n = this.byNs.get(op.ns) ?? { written: 0, ops: 0 };
      this.byNs.set(op.ns, n);
      n.ops++;
      if (op.op === "put") {
        this.written += op.value.length;
        n.written += op.value.length;
      }
    }
    return super.commit(ops);
  }
}

/** One side as a client keeps it: each step's state and its records in one commit. */
export class Side {
  records = privateV1Records();
  constructor(
    readonly engine: PrivateV1Engine,
    public state: PrivateV1State,
    readonly store = new CountingStore(),
  ) {}
  get key(): string {
    return `PrivateV1:${this.state.localId}`;
  }
  get ref() {
    return { id: this.state.localId, type: "PrivateV1", contentTopic: "" };
  }
  /** As the Client's step commits: on a failure the records forget what they knew of the store. */
  async commit(): Promise<void> {
    const tx = new Transaction(this.store);
    tx.put(CONVERSATION_STATE_NS, this.key, encodePrivateState(this.state));
    await this.records.stage(tx, this.ref, this.state);
    try {
      await tx.commit();
    } catch (e) {
      this.records.abort?.();
      throw e;
    }
  }
  async send(text: string, now: number): Promise<OutgoingPayload[]> {
    const r = this.engine.send(this.state, { case: "content", value: utf8(text) }, now);
    this.state = r.state;
    await this.commit();
    return r.outgoing;
  }
  async open(p: OutgoingPayload, now: number): Promise<string[]> {
    const r = this.engine.open(this.state, p.payload, now);
    if (!r.ok) throw new Error(r.reason);
    this.state = r.state;
    await this.commit();
    return r.opened.frames.map((f) => (f.body.case === "content" ? new TextDecoder().decode(f.body.value) : ""));
  }
  async sweep(now: number): Promise<OutgoingPayload[]> {
    const r = this.engine.sweep(this.state, now);
    this.state = r.state;
    await this.commit();
    return r.outgoing;
  }
  /** A new process: nothing in memory, the state and its records read from the store. */
  async restart(): Promise<void> {
    this.records = privateV1Records();
    const bytes = Uint8Array.from((await this.store.get(CONVERSATION_STATE_NS, this.key))!);
    await this.records.load(this.store, this.ref, bytes);
    this.state = decodePrivateState(bytes)!;
    expect(this.state).toBeDefined();
  }
  async frameRecords(): Promise<number> {
    return (await this.store.scan(FRAMES_NS)).length;
  }
  async recordBytes(): Promise<number> {
    return (await this.store.get(CONVERSATION_STATE_NS, this.key))!.length;
  }
}

/** Store entries of a fixture written by an older state version's code (hex values). */
export type FixtureEntries = readonly { ns: string; key: string; value: string }[];

/**
 * Both sides of a fixture's conversation, their stores holding its entries and their states read from them
 * (sides named by the fixture's conversation ids, so the restart finds their states).
 */
export async function fixtureSides(
  engine: PrivateV1Engine,
  fixture: { aliceId: string; bobId: string; alice: FixtureEntries; bob: FixtureEntries },
): Promise<{ a: Side; b: Side }> {
  const { alice, bob } = sessionPair(engine.crypto, engine);
  const a = new Side(engine, { ...alice, localId: fixture.aliceId });
  const b = new Side(engine, { ...bob, localId: fixture.bobId });
  for (const [side, entries] of [
    [a, fixture.alice],
    [b, fixture.bob],
  ] as const) {
    for (const e of entries) await side.store.commit([{ op: "put", ns: e.ns, key: e.key, value: fromHex(e.value)! }]);
    await side.restart();
  }
  return { a, b };
}

/** Both sides of a fresh session, each with its own counting store. */
export function sides(engine: PrivateV1Engine): { a: Side; b: Side } {
  const pair = sessionPair(engine.crypto, engine);
  return { a: new Side(engine, pair.alice), b: new Side(engine, pair.bob) };
}
