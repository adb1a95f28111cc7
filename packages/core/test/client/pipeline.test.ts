/**
 * Steps queued together share one commit (client/pipeline.ts): a burst of inbound envelopes is fewer commits
 * than envelopes; nothing of a batch (events, acknowledgements published) shows before its commit returned; a
 * failed shared commit fails every step of it and leaves nothing behind, and the conversation then goes on
 * (resends deliver every message exactly once); a crash with a batch's commit in flight loses nothing either.
 * Bob's store is his MemoryStore seen through a wrapper that counts, holds, fails or crashes commits.
 */
import { describe, expect, it } from "vitest";
import { Client } from "../../src/client/index.js";
import type { Delivery } from "../../src/framework/delivery.js";
import type { ScanOptions, Store, StoreEntry, WriteOp } from "../../src/framework/store.js";
import { messages, type Peer, published, world } from "./harness.js";

class TestStore implements Store {
  commits = 0;
  /** Commits that have started but not returned. */
  inFlight = 0;
  /** The commit (1-based, counted from now on) that fails; 0: none. */
  failAt = 0;
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;
  #crashed = false;
  constructor(private readonly inner: Store) {}
  /** Commits wait until `release()`. */
  hold(): void {
    this.#gate = new Promise((r) => {
      this.#open = r;
    });
  }
  release(): void {
    this.#open?.();
    this.#gate = undefined;
  }
  /** The process is gone: no commit lands from now on (one held is lost too). */
  crash(): void {
    this.#crashed = true;
    this.release();
  }
  get(ns: string, key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(ns, key);
  }
  scan(ns: string, options?: ScanOptions): Promise<StoreEntry[]> {
    return this.inner.scan(ns, options);
  }
  async commit(ops: readonly WriteOp[]): Promise<void> {
    this.commits++;
    this.inFlight++;
    try {
      if (this.#gate) await this.#gate;
      if (this.#crashed) throw new Error("the process is gone");
      if (this.commits === this.failAt) throw new Error("disk full");
      await this.inner.commit(ops);
    } finally {
      this.inFlight--;
    }
  }
  async close(): Promise<void> {}
}

const TEXTS = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);

/**
 * Alice and Bob in a conversation; Bob then cut off while Alice sends `n` messages; Bob reopened on a wrapped
 * store with a delivery that hears nothing (the test hands him the envelopes). Returns the envelopes.
 */
async function burst(seed: string, n: number) {
  const w = world(seed);
  const alice = await w.peer("alice");
  const bob = await w.peer("bob");
  const { conversationId } = await alice.client.startConversation(await bob.client.introBundle(), "hello");
  await w.run(5_000);
  expect(messages(bob)).toEqual(["hello"]);
  const cut = w.bus.partition(["alice"], ["bob"]);
  const info = (await alice.client.conversations()).find((c) => c.id === conversationId)!;
  const before = (await published(w, info.contentTopic)).length;
  for (const t of TEXTS(n)) await alice.client.send(conversationId, t);
  await alice.client.idle();
  const envelopes = (await published(w, info.contentTopic)).slice(before);
  expect(envelopes.length).toBe(n);
  bob.stop();
  await bob.client.close();
  const store = new TestStore(bob.store);
  const inner = w.bus.endpoint("bob");
  const sent = { count: 0 };
  // Bob's publications counted (his acknowledgements): none may leave for a step before its commit.
  const delivery: Delivery = {
    maxPayloadBytes: inner.maxPayloadBytes,
    subscribe: (topic, handler) => inner.subscribe(topic, handler),
    history: (query) => inner.history(query),
    publish: (topic, payload) => {
      sent.count++;
      return inner.publish(topic, payload);
    },
  };
  bob.client = await Client.open({ ...bob.options, store, delivery });
  bob.events.length = 0;
  bob.stop = bob.client.onEvent((e) => bob.events.push(e));
  return { w, alice, bob, store, sent, topic: info.contentTopic, envelopes, cut };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

/** What Bob's store holds for the conversation, by text: each must be there exactly once. */
async function storedTexts(bob: Peer): Promise<string[]> {
  const [conversation] = await bob.client.conversations();
  const page = await bob.client.history(conversation!.id, { limit: 1000 });
  return page.items.map((m) => (m.content.kind === "text" ? (m.content as { text: string }).text : "?")).sort();
}

describe("steps queued together share one commit", () => {
  it("a burst of inbound envelopes commits in fewer transactions than envelopes; events only after it", async () => {
    const n = 12;
    const { bob, store, sent, topic, envelopes } = await burst("pipe-burst", n);
    const acksBefore = sent.count;
    const commitsBefore = store.commits;
    store.hold();
    const outcomes = Promise.all(envelopes.map((e) => bob.client.ingest(topic, e)));
    await until(() => store.inFlight > 0);
    // Every step of the burst has run; their shared commit has not returned: nothing may show yet.
    expect(messages(bob)).toEqual([]);
    expect(sent.count).toBe(acksBefore);
    store.release();
    expect((await outcomes).every((o) => o.kind === "readable")).toBe(true);
    expect(messages(bob)).toEqual(TEXTS(n));
    const commits = store.commits - commitsBefore;
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThan(n / 4);
    expect(await storedTexts(bob)).toEqual(["hello", ...TEXTS(n)].sort());
  });

  it("a catch-up from the history service shares commits too", async () => {
    const n = 10;
    const { bob, store } = await burst("pipe-catchup", n);
    const commitsBefore = store.commits;
    expect(await bob.client.catchUp(0)).toBe(n);
    expect(store.commits - commitsBefore).toBeLessThan(n / 2);
    expect(messages(bob)).toEqual(TEXTS(n));
    expect(await storedTexts(bob)).toEqual(["hello", ...TEXTS(n)].sort());
  });

  it("a failed shared commit fails every step of it, shows and publishes nothing; resends then deliver once", async () => {
    const n = 40; // two batches (32 + 8): the second one's commit fails
    const { w, bob, store, sent, topic, envelopes, cut } = await burst("pipe-fail", n);
    const acksBefore = sent.count;
    store.failAt = store.commits + 2;
    const outcomes = await Promise.allSettled(envelopes.map((e) => bob.client.ingest(topic, e)));
    const failed = outcomes.filter((o) => o.status === "rejected");
    expect(failed.length).toBe(n - 32);
    expect(outcomes.slice(32).every((o) => o.status === "rejected")).toBe(true);
    // The first batch landed and showed; nothing of the failed one did.
    expect(messages(bob)).toEqual(TEXTS(32));
    expect(await storedTexts(bob)).toEqual(["hello", ...TEXTS(32)].sort());
    await bob.client.idle();
    const acksAfterFailure = sent.count;
    // Nothing was published for a step of the failed batch: at most the first batch's acknowledgement.
    expect(acksAfterFailure - acksBefore).toBeLessThanOrEqual(1);
    // The conversation goes on: Alice's resends bring the rest, each exactly once.
    cut.heal();
    await w.run(120_000, 1_000);
    expect(messages(bob)).toEqual(TEXTS(n));
    expect(await storedTexts(bob)).toEqual(["hello", ...TEXTS(n)].sort());
  });

  it("a crash with a batch's commit in flight: after the restart every message arrives exactly once", async () => {
    const n = 8;
    const { w, bob, store, topic, envelopes, cut } = await burst("pipe-crash", n);
    store.hold();
    const outcomes = Promise.allSettled(envelopes.map((e) => bob.client.ingest(topic, e)));
    await until(() => store.inFlight > 0);
    store.crash();
    expect((await outcomes).every((o) => o.status === "rejected")).toBe(true);
    expect(messages(bob)).toEqual([]);
    // Restart on what is durable (the process is gone: no flush).
    bob.stop();
    bob.client = await Client.open({ ...bob.options, delivery: w.bus.endpoint("bob") });
    bob.stop = bob.client.onEvent((e) => bob.events.push(e));
    cut.heal();
    await w.run(120_000, 1_000);
    expect(messages(bob)).toEqual(TEXTS(n));
    expect(await storedTexts(bob)).toEqual(["hello", ...TEXTS(n)].sort());
  });
  it("an invite and the messages after it, in one burst: the new conversation is routed before the next step", async () => {
    const w = world("pipe-invite");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    const bundle = await bob.client.introBundle();
    w.bus.partition(["alice"], ["bob"]);
    const { conversationId } = await alice.client.startConversation(bundle, "hello");
    for (const t of TEXTS(3)) await alice.client.send(conversationId, t);
    await alice.client.idle();
    const envelopes: { topic: string; payload: Uint8Array }[] = [];
    const info = (await alice.client.conversations()).find((c) => c.id === conversationId)!;
    for await (const m of w.bus.history({ contentTopics: [bob.client.inboxTopic, info.contentTopic] }))
      envelopes.push({ topic: m.contentTopic, payload: m.payload });
    expect(envelopes.length).toBe(4);
    const outcomes = await Promise.all(envelopes.map((e) => bob.client.ingest(e.topic, e.payload)));
    expect(outcomes.filter((o) => o.kind === "readable").length).toBe(4);
    expect(messages(bob)).toEqual(["hello", ...TEXTS(3)]);
  });
});
