/**
 * A hostile PrivateV1 peer through the public Client API (issue #19): Mallory, an authenticated peer of
 * Alice, sends 254 of the 255 segments of a 25 MB frame, then 100 messages each citing 1,000 ids that never
 * existed. Alice's costs are counted (bytes her store is asked to write), never timed, against Carol, who has
 * the same exchange with an honest Dave: later messages cost within 2x, her state and store stay bounded,
 * refusals and drops are reported, and after the bounds pass and a restart nothing of the attack is left.
 */
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/base/virtual-clock.js";
import { Client, type ClientEvent } from "../../src/client/index.js";
import { privateV1Records } from "../../src/conversations/private-v1/records.js";
import { SEGMENTS_NS } from "../../src/conversations/private-v1/segment-records.js";
import { MAX_SEG_SIZE, PrivateV1Engine } from "../../src/conversations/private-v1/session.js";
import {
  decodePrivateState,
  encodePrivateState,
  type PrivateV1State,
} from "../../src/conversations/private-v1/state.js";
import { seededRandom } from "../../src/crypto/index.js";
import { NodeCryptoProvider } from "../../src/crypto/node.js";
import { CONVERSATION_STATE_NS } from "../../src/framework/conversation-store.js";
import { sealEnvelope } from "../../src/framework/envelope.js";
import { MemoryDelivery } from "../../src/framework/memory-delivery.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import { Transaction, type WriteOp } from "../../src/framework/store.js";
import type { EncryptedPayload } from "../../src/wire/index.js";
import { dependencyBomb, partialFrame, type Sealed } from "../support/hostile-peer.js";

const HOUR = 3_600_000;
/** Resends give up after a minute, so a missing message is declared lost a day and a minute later. */
const CONFIG = { giveUpAfterMs: 60_000 };
const LOST_AFTER = 24 * HOUR + 60_000;

class CountingStore extends MemoryStore {
  written = 0;
  override async commit(ops: readonly WriteOp[]): Promise<void> {
    for (const op of ops) if (op.op === "put") this.written += op.value.length;
    return super.commit(ops);
  }
  /** Bytes held, over every namespace. */
  size(): number {
    let n = 0;
    for (const space of this.snapshot().values()) for (const [k, v] of space) n += k.length + v.length;
    return n;
  }
}

interface Peer {
  readonly name: string;
  readonly store: CountingStore;
  readonly crypto: NodeCryptoProvider;
  client: Client;
  readonly events: ClientEvent[];
}

function setup() {
  const clock = new VirtualClock({ yieldToEventLoop: () => new Promise((r) => setImmediate(r)) });
  const bus = new MemoryDelivery({
    clock,
    crypto: new NodeCryptoProvider({ random: seededRandom("bus") }),
    seed: "hostile",
  });
  const options = (p: Pick<Peer, "name" | "store" | "crypto">) => ({
    store: p.store,
    delivery: bus.endpoint(p.name),
    crypto: p.crypto,
    clock,
    random: seededRandom(`${p.name}/salt`),
    config: CONFIG,
    // Sweeps run when the test says: a day of virtual time passes in one step.
    autoSweep: false,
  });
  const attach = (p: Peer) => p.client.onEvent((e) => p.events.push(e));
  const settle = async () => {
    for (let i = 0; i < 4; i++) await clock.advanceAsync(250);
  };
  return {
    clock,
    settle,
    async peer(name: string): Promise<Peer> {
      const base = { name, store: new CountingStore(), crypto: new NodeCryptoProvider({ random: seededRandom(name) }) };
      const p: Peer = { ...base, client: await Client.create(options(base)), events: [] };
      attach(p);
      return p;
    },
    async restart(p: Peer): Promise<void> {
      await p.client.close();
      p.client = await Client.open(options(p));
      attach(p);
    },
  };
}

type World = ReturnType<typeof setup>;

/** `a` starts a conversation with `b`; both sides' ids. */
async function converse(w: World, a: Peer, b: Peer): Promise<{ aConv: string; bConv: string }> {
  const { conversationId: aConv } = await a.client.startConversation(await b.client.introBundle(), "hello");
  await w.settle();
  const bConv = b.events.find((e) => e.type === "conversation-started")!.conversationId;
  await b.client.send(bConv, "hi");
  await w.settle();
  return { aConv, bConv };
}

/** `rounds` messages each way, with the sweeps that acknowledge them; bytes `b`'s store wrote. */
async function exchange(w: World, a: Peer, aConv: string, b: Peer, bConv: string, rounds: number, tag: string) {
  const before = b.store.written;
  const got = b.events.length;
  for (let i = 0; i < rounds; i++) {
    await a.client.send(aConv, `${tag} from ${a.name} ${i}`);
    await w.settle();
    await b.client.send(bConv, `${tag} from ${b.name} ${i}`);
    await w.settle();
    await w.clock.advanceAsync(2_000);
    await a.client.sweep();
    await b.client.sweep();
    await w.settle();
  }
  const texts = b.events
    .slice(got)
    .flatMap((e) => (e.type === "message" && e.content.kind === "text" ? [(e.content as { text: string }).text] : []));
  return { written: b.store.written - before, texts };
}

const stateKey = (conv: string) => `PrivateV1:${conv}`;

const refOf = (id: string) => ({ id, type: "PrivateV1", contentTopic: "" });

/** The state as the client reads it: its record, then what it keeps in records of its own. */
async function stateOf(p: Peer, conv: string): Promise<PrivateV1State> {
  const bytes = (await p.store.get(CONVERSATION_STATE_NS, stateKey(conv)))!;
  await privateV1Records().load(p.store, refOf(conv), bytes);
  return decodePrivateState(bytes)!;
}

/** Mallory's payloads go in as any delivered envelope; her client then continues from the state they left. */
async function inject(
  w: World,
  mallory: Peer,
  mConv: string,
  victim: Peer,
  attack: (engine: PrivateV1Engine, state: PrivateV1State, now: number) => Sealed,
): Promise<string[]> {
  const state = await stateOf(mallory, mConv);
  const sealed = attack(new PrivateV1Engine(mallory.crypto), state, w.clock.now());
  const outcomes: string[] = [];
  for (const payload of sealed.payloads) {
    const bytes = seal(mallory, state.remoteId, payload);
    const r = await victim.client.ingest(state.contentTopic, bytes);
    outcomes.push(r.kind === "badly-formed" ? r.reason : r.kind);
  }
  // Committed as the client commits a state: with its records.
  const tx = new Transaction(mallory.store);
  tx.put(CONVERSATION_STATE_NS, stateKey(mConv), encodePrivateState(sealed.state));
  await privateV1Records().stage(tx, refOf(mConv), sealed.state);
  await tx.commit();
  await w.restart(mallory);
  return outcomes;
}

function seal(from: Peer, hint: string, payload: EncryptedPayload): Uint8Array {
  return sealEnvelope({
    crypto: from.crypto,
    random: seededRandom(`${from.name}/inject`),
    conversationId: hint,
    payload,
  });
}

const ofType = <T extends ClientEvent["type"]>(p: Peer, type: T) =>
  p.events.filter((e): e is Extract<ClientEvent, { type: T }> => e.type === type);

describe("a hostile peer", () => {
  it("a segment bomb and a missing-dependency bomb leave later messages within 2x, state and store bounded", async () => {
    const w = setup();
    const [alice, mallory, carol, dave] = [
      await w.peer("alice"),
      await w.peer("mallory"),
      await w.peer("carol"),
      await w.peer("dave"),
    ];
    const m = await converse(w, mallory, alice);
    const d = await converse(w, dave, carol);
    const segments = [...Array(254).keys()];

    // 1. 254 of 255 segments of a 25 MB frame; the last never comes. Carol gets as many small messages.
    const bomb = await inject(w, mallory, m.aConv, alice, (e, s, now) =>
      partialFrame(e, s, 255 * MAX_SEG_SIZE - 200, segments, now),
    );
    expect(bomb.every((o) => o === "readable")).toBe(true);
    await inject(w, dave, d.aConv, carol, (e, s, now) => {
      let state = s;
      const payloads: EncryptedPayload[] = [];
      for (let i = 0; i < 254; i++) {
        const one = partialFrame(e, state, 200, [0], now + i);
        state = one.state;
        payloads.push(...one.payloads);
      }
      return { state, payloads };
    });
    expect((await alice.store.scan(SEGMENTS_NS)).length).toBe(254);
    const during = await exchange(w, mallory, m.aConv, alice, m.bConv, 10, "during");
    const control1 = await exchange(w, dave, d.aConv, carol, d.bConv, 10, "during");
    expect(during.texts).toEqual(Array.from({ length: 10 }, (_, i) => `during from mallory ${i}`));
    expect(during.written).toBeLessThan(2 * control1.written);

    // 2. 100 messages each citing 1,000 ids that do not exist: what is tracked is bounded, the rest refused.
    const errorsBefore = ofType(alice, "error").length;
    const refused = await inject(w, mallory, m.aConv, alice, (e, s, now) => dependencyBomb(e, s, 100, 1000, now));
    const buffered = refused.filter((o) => o === "readable").length;
    expect(buffered).toBeGreaterThan(0);
    expect(refused.filter((o) => o === "sds-buffer-full")).toHaveLength(100 - buffered);
    expect(ofType(alice, "error").length - errorsBefore).toBe(100 - buffered);
    const missing = ofType(alice, "message-missing");
    expect(missing.length).toBeLessThanOrEqual(buffered);
    const held = await stateOf(alice, m.bConv);
    expect(held.sds.incoming.length).toBe(buffered);
    expect(held.sds.incoming.reduce((n, b) => n + b.dependencies.length, 0)).toBeLessThanOrEqual(1000);
    // The state record holds the tracked ids, not the 3.3 MB sent, nor the 25 MB of parts.
    expect((await alice.store.get(CONVERSATION_STATE_NS, stateKey(m.bConv)))!.length).toBeLessThan(256 * 1024);

    // 3. The bounds pass: what waited is released once, the partial frame expires; both reported.
    w.clock.advance(LOST_AFTER + 1);
    await alice.client.sweep();
    await mallory.client.sweep();
    await carol.client.sweep();
    await dave.client.sweep();
    await w.settle();
    expect(ofType(alice, "frame-dropped").map((e) => e.reason)).toContain("segment-expired");
    const lost = ofType(alice, "message-lost").flatMap((e) => e.lost);
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.length).toBeLessThanOrEqual(2000);
    const released = await stateOf(alice, m.bConv);
    expect(released.sds.incoming).toEqual([]);
    expect(released.sds.missing).toEqual([]);
    expect(released.reassembly.partial).toEqual([]);
    expect(await alice.store.scan(SEGMENTS_NS)).toEqual([]);

    // 4. Later messages, and after a restart: nothing of the attack is pinned.
    await w.restart(alice);
    await w.restart(carol);
    const after = await exchange(w, mallory, m.aConv, alice, m.bConv, 10, "after");
    const control2 = await exchange(w, dave, d.aConv, carol, d.bConv, 10, "after");
    expect(after.texts).toEqual(Array.from({ length: 10 }, (_, i) => `after from mallory ${i}`));
    expect(after.written).toBeLessThan(2 * control2.written);
    expect(alice.store.size()).toBeLessThan(2 * carol.store.size());
    console.log(
      `alice (attacked) / carol (control) bytes written for 10 rounds: during the segment bomb ${during.written} / ` +
        `${control1.written}; after both bombs ${after.written} / ${control2.written}; store ${alice.store.size()} / ` +
        `${carol.store.size()}`,
    );
  });
});
