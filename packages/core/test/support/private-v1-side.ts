/**
 * One side of a PrivateV1 session as a client keeps it, for tests that count what a step writes: each step's
 * state and its records in one commit to a store that counts commits and bytes (and can fail the next
 * commit), and a restart that reads everything back from that store.
 */
import { expect } from "vitest";
import { utf8 } from "../../src/base/bytes.js";
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

/** A MemoryStore that counts commits, the bytes they write (values of puts) and their operations. */
export class CountingStore extends MemoryStore {
  written = 0;
  commits = 0;
  ops = 0;
  failNext = false;
  override async commit(ops: readonly WriteOp[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error("disk full");
    }
    this.commits++;
    this.ops += ops.length;
    for (const op of ops) if (op.op === "put") this.written += op.value.length;
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
