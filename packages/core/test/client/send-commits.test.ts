/**
 * One commit per send (client/deferred-writes.ts): the send's step is the only commit; marking the message
 * `sent` once the outbox published it rides on the next commit. The application still sees `queued` then
 * `sent`, in order; what the store holds converges to it; and a crash before the mark reached the store leaves
 * the message `queued`, published again by its resend, and delivered once. Commits are counted by a Store
 * wrapped around the peer's MemoryStore; bounded by counts and events on a virtual clock.
 */
import { describe, expect, it } from "vitest";
import { storedDeliveryState } from "../../src/client/history.js";
import { Client } from "../../src/client/index.js";
import type { Delivery, PublishResult } from "../../src/framework/delivery.js";
import type { ScanOptions, Store, StoreEntry, WriteOp } from "../../src/framework/store.js";
import { deliveryStates, messages, type Peer, type World, world } from "./harness.js";

/** The peer's store seen through a wrapper that counts commits and, once `crash()`ed, lands nothing more. */
class CrashableStore implements Store {
  commits = 0;
  #crashed = false;
  constructor(private readonly inner: Store) {}
  crash(): void {
    this.#crashed = true;
  }
  get(ns: string, key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(ns, key);
  }
  scan(ns: string, options?: ScanOptions): Promise<StoreEntry[]> {
    return this.inner.scan(ns, options);
  }
  async commit(ops: readonly WriteOp[]): Promise<void> {
    if (this.#crashed) throw new Error("the process is gone");
    this.commits++;
    return this.inner.commit(ops);
  }
  async close(): Promise<void> {}
}

/** A delivery that, once `crash()`ed, neither hears nor publishes anything (the process is gone). */
function crashable(inner: Delivery) {
  let crashed = false;
  const delivery: Delivery = {
    maxPayloadBytes: inner.maxPayloadBytes,
    subscribe: (topic, handler) => inner.subscribe(topic, (m) => (crashed ? undefined : handler(m))),
    async publish(topic, payload): Promise<PublishResult> {
      if (crashed) return { ok: false, error: "the process is gone" };
      return inner.publish(topic, payload);
    },
  };
  return {
    delivery,
    crash: () => {
      crashed = true;
    },
  };
}

/** Alice again, from her store, through a counting (crashable) store and delivery. */
async function reopen(w: World, alice: Peer) {
  alice.stop();
  await alice.client.close();
  const store = new CrashableStore(alice.store);
  const link = crashable(w.bus.endpoint("alice"));
  alice.client = await Client.open({ ...alice.options, store, delivery: link.delivery });
  alice.stop = alice.client.onEvent((e) => alice.events.push(e));
  return { store, link };
}

async function pair(seed: string) {
  const w = world(seed);
  const alice = await w.peer("alice");
  const bob = await w.peer("bob");
  const { conversationId } = await alice.client.startConversation(await bob.client.introBundle(), "hi");
  await w.run(5_000);
  return { w, alice, bob, conversationId };
}

const stored = (peer: Peer, conversationId: string, messageId: string) =>
  storedDeliveryState(peer.store, conversationId, messageId);

describe("one commit per send", () => {
  it("a send is one commit; its `sent` mark is seen at once and stored with the next commit", async () => {
    const { w, alice, conversationId } = await pair("send-commits");
    const { store } = await reopen(w, alice);

    const ids: string[] = [];
    for (const text of ["a", "b", "c", "d", "e"]) {
      const before = store.commits;
      ids.push((await alice.client.send(conversationId, text)).messageId);
      await alice.client.idle(); // published, and marked `sent`
      expect(store.commits - before).toBe(1);
    }
    // The application saw each message queued, then sent, in send order.
    for (const id of ids) expect(deliveryStates(alice, id)).toEqual(["queued", "sent"]);
    const sentOrder = alice.events.flatMap((e) =>
      e.type === "delivery-state" && e.state === "sent" ? [e.messageId] : [],
    );
    expect(sentOrder.filter((id) => ids.includes(id))).toEqual(ids);
    // The Client's reads see the marks; the store has every one but the last, carried by the next send.
    for (const id of ids) expect(await alice.client.deliveryState(conversationId, id)).toBe("sent");
    expect(
      (await alice.client.history(conversationId)).items.filter((i) => ids.includes(i.messageId)).map((i) => i.state),
    ).toEqual(["sent", "sent", "sent", "sent", "sent"]);
    for (const id of ids.slice(0, -1)) expect(await stored(alice, conversationId, id)).toBe("sent");
    expect(await stored(alice, conversationId, ids.at(-1)!)).toBe("queued");

    // Closing writes what is deferred: the store converges to what the application saw.
    const before = store.commits;
    alice.stop();
    await alice.client.close();
    expect(store.commits - before).toBe(1);
    for (const id of ids) expect(await stored(alice, conversationId, id)).toBe("sent");
  });

  it("closing after the application closed the store: the deferred mark is lost as in a crash, with an error event", async () => {
    const { alice, conversationId } = await pair("send-commits-closed-store");
    const { messageId } = await alice.client.send(conversationId, "x");
    await alice.client.idle();
    expect(deliveryStates(alice, messageId)).toEqual(["queued", "sent"]);
    await alice.store.close();
    await alice.client.close();
    expect(alice.events.at(-1)).toMatchObject({ type: "error", error: { code: "store-closed" } });
  });

  it("an acknowledgement before the mark is stored wins; the store ends `acked`", async () => {
    const { w, alice, bob, conversationId } = await pair("send-commits-ack");
    const { store } = await reopen(w, alice);
    const { messageId } = await alice.client.send(conversationId, "x");
    await alice.client.idle();
    const commits = store.commits;
    await w.run(20_000); // bob receives x and acknowledges it; alice ingests the ack (one commit or more)
    expect(messages(bob)).toEqual(["hi", "x"]);
    expect(store.commits).toBeGreaterThan(commits);
    expect(deliveryStates(alice, messageId)).toEqual(["queued", "sent", "acked"]);
    expect(await stored(alice, conversationId, messageId)).toBe("acked");
  });

  it("a crash before the mark is stored: the message stays queued, is published again, delivered once, acked", async () => {
    const { w, alice, bob, conversationId } = await pair("send-commits-crash");
    const { store, link } = await reopen(w, alice);
    const { messageId } = await alice.client.send(conversationId, "x");
    await alice.client.idle();
    expect(deliveryStates(alice, messageId)).toEqual(["queued", "sent"]);
    // Bob's acknowledgements are lost for now, so only a resend can tell alice anything.
    w.bus.setLinkFaults("bob", "alice", { drop: 1 });
    // The process dies with the `sent` mark only in memory.
    store.crash();
    link.crash();
    alice.stop();
    expect(await stored(alice, conversationId, messageId)).toBe("queued");
    await w.run(2_000);
    expect(messages(bob)).toEqual(["hi", "x"]);

    // Restarted from the store: the message is `queued`; its resend publishes it again.
    const published = w.bus.stats().published;
    alice.client = await Client.open({ ...alice.options, delivery: w.bus.endpoint("alice") });
    alice.events.length = 0;
    alice.stop = alice.client.onEvent((e) => alice.events.push(e));
    expect(await alice.client.deliveryState(conversationId, messageId)).toBe("queued");
    await w.run(40_000);
    expect(w.bus.stats().published).toBeGreaterThan(published);
    expect(deliveryStates(alice, messageId)[0]).toBe("sent");
    expect(messages(bob)).toEqual(["hi", "x"]); // the copy is a replay: delivered once

    w.bus.setLinkFaults("bob", "alice", undefined);
    await w.run(60_000);
    expect(deliveryStates(alice, messageId).at(-1)).toBe("acked");
    expect(await stored(alice, conversationId, messageId)).toBe("acked");
    expect(messages(bob)).toEqual(["hi", "x"]);
  });
});
