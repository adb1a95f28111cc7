/**
 * The Client on SqliteStore files, restarted: two clients (plaintext files, then encrypted ones) talk over
 * core's MemoryDelivery on a virtual clock, both close and reopen from their files, and everything the
 * client keeps survives: identity, intro bundle, conversations, history with delivery states (including a
 * message still unacknowledged at close), ratchet and SDS state (the conversation goes on both ways, no
 * message is delivered twice). An encrypted profile opened without its key, or with a wrong one, fails with
 * the typed SqliteStoreError and is intact afterwards.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, type ClientEvent, type ClientOptions, NobleCryptoProvider } from "@parley/core";
import { MemoryDelivery, VirtualClock } from "@parley/core/testing";
import { SqliteStore, SqliteStoreError } from "@parley/sqlite";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "parley-client-restart-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Party {
  readonly name: string;
  readonly path: string;
  readonly key: string | undefined;
  store: SqliteStore;
  client: Client;
  /** Events since the last (re)open. */
  events: ClientEvent[];
  detach: () => void;
}

interface World {
  readonly clock: VirtualClock;
  readonly bus: MemoryDelivery;
  options(p: { name: string; store: SqliteStore }): ClientOptions;
}

function world(seed: string): World {
  const clock = new VirtualClock({ yieldToEventLoop: () => new Promise((r) => setImmediate(r)) });
  const bus = new MemoryDelivery({ clock, crypto: new NobleCryptoProvider(), seed, trace: false });
  return {
    clock,
    bus,
    options: ({ name, store }) => ({
      store,
      delivery: bus.endpoint(name),
      // System randomness: a seeded source would hand a reopened client the same "random" keys again.
      crypto: new NobleCryptoProvider(),
      clock,
      config: { sweepIntervalMs: 500, resendAfterMs: 3_000, ackDelayMs: 200 },
    }),
  };
}

function listen(p: Party): void {
  p.events = [];
  p.detach = p.client.onEvent((e) => p.events.push(e));
}

async function create(w: World, name: string, key: string | undefined): Promise<Party> {
  const path = join(dir, `${name}.db`);
  const store = await SqliteStore.open({ path, key });
  const client = await Client.create(w.options({ name, store }));
  const p: Party = { name, path, key, store, client, events: [], detach: () => {} };
  listen(p);
  return p;
}

async function shutdown(p: Party): Promise<void> {
  p.detach();
  await p.client.close();
  await p.store.close();
}

async function reopen(w: World, p: Party): Promise<void> {
  p.store = await SqliteStore.open({ path: p.path, key: p.key });
  p.client = await Client.open(w.options(p));
  listen(p);
}

/** Advances virtual time in 100 ms steps until `done` holds (bounded: fails after `maxMs` of virtual time). */
async function runUntil(w: World, done: () => boolean | Promise<boolean>, maxMs = 120_000): Promise<void> {
  for (let t = 0; !(await done()); t += 100) {
    if (t >= maxMs) throw new Error(`condition not reached within ${maxMs} ms of virtual time`);
    await w.clock.advanceAsync(100);
  }
}

const texts = (p: Party): string[] =>
  p.events.flatMap((e) =>
    e.type === "message" && e.content.kind === "text" ? [(e.content as { text: string }).text] : [],
  );

/** The whole history of a conversation, oldest first, paging back (bounded). */
async function fullHistory(client: Client, conversationId: string) {
  const items = [];
  let before: string | undefined;
  for (let page = 0; page < 100; page++) {
    const r = await client.history(conversationId, { limit: 3, ...(before !== undefined && { before }) });
    items.unshift(...r.items);
    if (r.before === undefined) return items;
    before = r.before;
  }
  throw new Error("history paging did not end");
}

const summary = (items: Awaited<ReturnType<typeof fullHistory>>) =>
  items.map((i) => `${i.direction} ${(i.content as { text?: string }).text} ${i.state ?? "-"}`);

async function allAcked(p: Party, conversationId: string): Promise<boolean> {
  return (await fullHistory(p.client, conversationId)).every((i) => i.direction === "in" || i.state === "acked");
}

function fileBytes(path: string): Buffer {
  return Buffer.concat([path, `${path}-wal`].filter(existsSync).map((f) => readFileSync(f)));
}

describe("Client on SqliteStore: restart", () => {
  it.each([
    ["plaintext", undefined],
    ["encrypted", "restart-test key"],
  ] as const)("%s: both clients stop and reopen from their files; the conversation goes on", async (label, key) => {
    const w = world(`restart-${label}`);
    const alice = await create(w, `alice-${label}`, key);
    const bob = await create(w, `bob-${label}`, key);
    const identity = {
      alice: alice.client.installationKey,
      bob: bob.client.installationKey,
      aliceInbox: alice.client.inboxTopic,
      bobInbox: bob.client.inboxTopic,
    };
    const bundles = { alice: await alice.client.introBundle(), bob: await bob.client.introBundle() };

    // Before the restart: a conversation with messages both ways, every message acknowledged.
    const { conversationId: aliceConv } = await alice.client.startConversation(bundles.bob, "a1 hello bob");
    await runUntil(w, () => texts(bob).includes("a1 hello bob"));
    const started = bob.events.find((e) => e.type === "conversation-started");
    expect(started).toMatchObject({ initiatedBy: "peer", peer: identity.alice });
    const bobConv = (started as { conversationId: string }).conversationId;
    await bob.client.send(bobConv, "b1 hi alice");
    await runUntil(w, () => texts(alice).includes("b1 hi alice"));
    await alice.client.send(aliceConv, "a2");
    await runUntil(w, () => texts(bob).includes("a2"));
    await runUntil(w, async () => (await allAcked(alice, aliceConv)) && (await allAcked(bob, bobConv)));

    // Bob stops first; Alice sends one more message that he cannot receive now ("sent", not acked), then stops.
    const offlineSince = w.clock.now();
    const bobBefore = await fullHistory(bob.client, bobConv);
    await shutdown(bob);
    const { messageId: whileAway } = await alice.client.send(aliceConv, "a3 while you were away");
    await runUntil(w, async () => (await alice.client.deliveryState(aliceConv, whileAway)) === "sent");
    const before = {
      alice: await fullHistory(alice.client, aliceConv),
      aliceConversations: await alice.client.conversations(),
    };
    await shutdown(alice);
    expect(summary(before.alice)).toEqual([
      "out a1 hello bob acked",
      "in b1 hi alice -",
      "out a2 acked",
      "out a3 while you were away sent",
    ]);

    // The files hold the messages: readable in a plaintext file, never in an encrypted one.
    for (const p of [alice, bob]) {
      const bytes = fileBytes(p.path);
      expect(bytes.includes("a1 hello bob"), p.path).toBe(key === undefined);
      expect(bytes.subarray(0, 15).toString("latin1") === "SQLite format 3").toBe(key === undefined);
    }

    // Both reopen from their files.
    await reopen(w, alice);
    await reopen(w, bob);
    expect(alice.client.installationKey).toBe(identity.alice);
    expect(bob.client.installationKey).toBe(identity.bob);
    expect(alice.client.inboxTopic).toBe(identity.aliceInbox);
    expect(bob.client.inboxTopic).toBe(identity.bobInbox);
    expect(await alice.client.introBundle()).toBe(bundles.alice);
    expect(await bob.client.introBundle()).toBe(bundles.bob);
    expect(await alice.client.conversations()).toEqual(before.aliceConversations);
    expect((await bob.client.conversations()).map((c) => [c.id, c.peer, c.initiatedBy])).toEqual([
      [bobConv, identity.alice, "peer"],
    ]);
    // History, cursors and delivery states as they were.
    expect(await fullHistory(alice.client, aliceConv)).toEqual(before.alice);
    expect(await alice.client.deliveryState(aliceConv, whileAway)).toBe("sent");
    expect(await fullHistory(bob.client, bobConv)).toEqual(bobBefore);
    expect(summary(bobBefore)).toEqual(["in a1 hello bob -", "out b1 hi alice acked", "in a2 -"]);

    // Bob fetches what he missed from the delivery's history; Alice's message becomes acknowledged.
    expect(await bob.client.catchUp(offlineSince)).toBe(1);
    expect(texts(bob)).toEqual(["a3 while you were away"]);
    // The conversation goes on, both ways (the ratchets continue from their stored states).
    await bob.client.send(bobConv, "b2 back again");
    await runUntil(w, () => texts(alice).includes("b2 back again"));
    await alice.client.send(aliceConv, "a4 welcome back");
    await runUntil(w, () => texts(bob).includes("a4 welcome back"));
    await runUntil(w, async () => (await allAcked(alice, aliceConv)) && (await allAcked(bob, bobConv)));
    expect(await alice.client.deliveryState(aliceConv, whileAway)).toBe("acked");
    // Nothing from before the restart was delivered again.
    expect(texts(bob)).toEqual(["a3 while you were away", "a4 welcome back"]);
    expect(texts(alice)).toEqual(["b2 back again"]);
    expect(summary(await fullHistory(bob.client, bobConv))).toEqual([
      "in a1 hello bob -",
      "out b1 hi alice acked",
      "in a2 -",
      "in a3 while you were away -",
      "out b2 back again acked",
      "in a4 welcome back -",
    ]);
    expect(summary(await fullHistory(alice.client, aliceConv))).toEqual([
      "out a1 hello bob acked",
      "in b1 hi alice -",
      "out a2 acked",
      "out a3 while you were away acked",
      "in b2 back again -",
      "out a4 welcome back acked",
    ]);
    for (const p of [alice, bob]) {
      expect(p.events.filter((e) => e.type === "error")).toEqual([]);
      expect(await p.store.integrityCheck()).toEqual([]);
      expect(p.store.info.encrypted).toBe(key !== undefined);
    }

    // A second restart, this time of Bob alone mid-conversation, and one more exchange.
    await shutdown(bob);
    await reopen(w, bob);
    await alice.client.send(aliceConv, "a5");
    await runUntil(w, () => texts(bob).includes("a5"));
    await bob.client.send(bobConv, "b3");
    await runUntil(w, () => texts(alice).includes("b3"));
    expect(texts(bob)).toEqual(["a5"]);
    await shutdown(alice);
    await shutdown(bob);
  });

  it("an encrypted profile opened without its key or with a wrong key fails with SqliteStoreError; the data is intact", async () => {
    const w = world("wrong-key");
    const key = "the right key";
    const alice = await create(w, "alice-keyed", key);
    const bob = await create(w, "bob-keyed", key);
    const aliceKey = alice.client.installationKey;
    const bundle = await alice.client.introBundle();
    const { conversationId } = await bob.client.startConversation(await alice.client.introBundle(), "secret hello");
    await runUntil(w, () => texts(alice).includes("secret hello"));
    const aliceConv = (alice.events.find((e) => e.type === "conversation-started") as { conversationId: string })
      .conversationId;
    const history = await fullHistory(alice.client, aliceConv);
    await shutdown(alice);
    const fileBefore = fileBytes(alice.path);

    const failures: { key: string | Uint8Array | undefined; code: string }[] = [
      { key: undefined, code: "key-required" },
      { key: "the wrong key", code: "wrong-key" },
      { key: "the right key ", code: "wrong-key" },
      { key: new TextEncoder().encode("the right kez"), code: "wrong-key" },
      { key: "", code: "invalid-options" },
    ];
    for (const f of failures) {
      const err = await SqliteStore.open({ path: alice.path, key: f.key }).then(
        (s) => {
          void s.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(err, `key ${String(f.key)}`).toBeInstanceOf(SqliteStoreError);
      expect((err as SqliteStoreError).code).toBe(f.code);
      expect((err as Error).message).not.toContain("the right key");
    }
    // The failed opens wrote nothing.
    expect(fileBytes(alice.path).equals(fileBefore)).toBe(true);

    // With the right key: same identity, same bundle, same history, and the conversation goes on.
    await reopen(w, alice);
    expect(alice.client.installationKey).toBe(aliceKey);
    expect(await alice.client.introBundle()).toBe(bundle);
    expect(await fullHistory(alice.client, aliceConv)).toEqual(history);
    await alice.client.send(aliceConv, "still here");
    await runUntil(w, () => texts(bob).includes("still here"));
    await runUntil(w, async () => (await allAcked(alice, aliceConv)) && (await allAcked(bob, conversationId)));
    expect(summary(await fullHistory(alice.client, aliceConv))).toEqual(["in secret hello -", "out still here acked"]);
    await shutdown(alice);
    await shutdown(bob);
  });
});
