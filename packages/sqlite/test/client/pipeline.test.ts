/**
 * The Client on a SqliteStore file, steps queued together (core client/pipeline.ts): a burst of inbound
 * envelopes takes fewer SQLite transactions (so fsyncs) than envelopes, every message is durable once its
 * ingest resolved (the file reopened holds them all), and a lone step is still one transaction. Bytes are
 * handed over by the test (no network); the clock is manual.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, type ClientEvent, type Clock, type Delivery } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { MemoryStore } from "@parley/core/testing";
import { SqliteStore } from "@parley/sqlite";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "parley-sqlite-pipeline-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clock: Clock = { now: () => 1_700_000_000_000, setTimer: () => ({ cancel() {} }) };

/** A delivery that keeps what is published for the test to hand over. */
function capture() {
  const out: { topic: string; payload: Uint8Array }[] = [];
  const delivery: Delivery = {
    maxPayloadBytes: 150 * 1024,
    subscribe: async () => () => {},
    publish: async (topic, payload) => {
      out.push({ topic, payload });
      return { ok: true };
    },
  };
  return { delivery, take: () => out.splice(0) };
}

const texts = (events: ClientEvent[]) =>
  events.flatMap((e) =>
    e.type === "message" && e.content.kind === "text" ? [(e.content as { text: string }).text] : [],
  );

describe("Client on a SqliteStore file: steps queued together share a transaction", () => {
  it("a burst of N envelopes is fewer than N transactions, all durable; a lone ingest is one", async () => {
    const path = join(dir, "bob.db");
    const aOut = capture();
    const bOut = capture();
    const options = (store: MemoryStore | SqliteStore, delivery: Delivery) => ({
      store,
      delivery,
      crypto: new NodeCryptoProvider(),
      clock,
      autoSweep: false,
    });
    const alice = await Client.create(options(new MemoryStore(), aOut.delivery));
    let bobStore = await SqliteStore.open({ path });
    let bob = await Client.create(options(bobStore, bOut.delivery));
    const events: ClientEvent[] = [];
    bob.onEvent((e) => events.push(e));

    const { conversationId } = await alice.startConversation(await bob.introBundle(), "hello");
    await alice.idle();
    const invite = aOut.take();
    let tx = bobStore.stats.transactions;
    for (const m of invite) await bob.ingest(m.topic, m.payload);
    await bob.idle();

    // A lone ingest: one transaction, as before batching.
    await alice.send(conversationId, "lone");
    await alice.idle();
    const [lone] = aOut.take();
    tx = bobStore.stats.transactions;
    expect((await bob.ingest(lone!.topic, lone!.payload)).kind).toBe("readable");
    expect(bobStore.stats.transactions - tx).toBe(1);

    // A burst: queued together, they share transactions.
    const n = 24;
    const sent = Array.from({ length: n }, (_, i) => `m${i}`);
    await Promise.all(sent.map((t) => alice.send(conversationId, t)));
    await alice.idle();
    const burst = aOut.take();
    expect(burst.length).toBe(n);
    tx = bobStore.stats.transactions;
    const outcomes = await Promise.all(burst.map((m) => bob.ingest(m.topic, m.payload)));
    expect(outcomes.every((o) => o.kind === "readable")).toBe(true);
    const used = bobStore.stats.transactions - tx;
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThan(n / 4);
    expect(texts(events)).toEqual(["hello", "lone", ...sent]);

    // Durable: the file reopened holds every message once.
    await bob.close();
    await bobStore.close();
    bobStore = await SqliteStore.open({ path });
    bob = await Client.open(options(bobStore, bOut.delivery));
    const [conversation] = await bob.conversations();
    const page = await bob.history(conversation!.id, { limit: 100 });
    expect(page.items.map((i) => (i.content as { text: string }).text)).toEqual(["hello", "lone", ...sent]);
    await bob.close();
    await bobStore.close();
    await alice.close();
  });
});
