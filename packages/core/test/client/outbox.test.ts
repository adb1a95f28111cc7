/**
 * Publishing leaves the serial step (client/outbox.ts): with the delivery hanging (a node down, each publish
 * waiting for its timeout), sends still commit one after the other without waiting for it; what they publish
 * goes out in commit order once the delivery answers, and only then are the messages `sent`. Nothing is
 * published before its commit. Bounded by counts and events: the delivery answers when the test says so.
 */
import { describe, expect, it } from "vitest";
import { Client } from "../../src/client/index.js";
import type { Delivery, PublishResult } from "../../src/framework/delivery.js";
import { deliveryStates, world } from "./harness.js";

/** A delivery whose publishes wait until `release()`; what reaches the bus is counted. */
function gated(inner: Delivery) {
  const waiting: (() => void)[] = [];
  let open = true;
  const published: string[] = [];
  const delivery: Delivery = {
    maxPayloadBytes: inner.maxPayloadBytes,
    subscribe: (topic, handler) => inner.subscribe(topic, handler),
    ...(inner.history && { history: inner.history.bind(inner) }),
    async publish(topic, payload): Promise<PublishResult> {
      if (!open) await new Promise<void>((r) => waiting.push(r));
      published.push(topic);
      return inner.publish(topic, payload);
    },
  };
  return {
    delivery,
    published,
    hold: () => {
      open = false;
    },
    release: () => {
      open = true;
      for (const r of waiting.splice(0)) r();
    },
    get waiting() {
      return waiting.length;
    },
  };
}

describe("the outbox: publishing outside the serial step", () => {
  it("sends commit while the delivery hangs; their envelopes follow in order once it answers, then `sent`", async () => {
    const w = world("outbox");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    // Alice again, from her store, on a delivery the test holds and releases.
    const gate = gated(w.bus.endpoint("alice"));
    alice.stop();
    await alice.client.close();
    alice.client = await Client.open({ ...alice.options, delivery: gate.delivery });
    alice.client.onEvent((e) => alice.events.push(e));
    const { conversationId } = await alice.client.startConversation(await bob.client.introBundle(), "first");
    await alice.client.idle();
    await w.run(3_000);

    gate.hold();
    const before = gate.published.length;
    // Three sends resolve (committed, queued) although none of their publishes has been answered.
    const ids: string[] = [];
    for (const text of ["a", "b", "c"]) ids.push((await alice.client.send(conversationId, text)).messageId);
    for (const id of ids) expect(await alice.client.deliveryState(conversationId, id)).toBe("queued");
    expect(gate.published.length).toBe(before);
    // One conversation, one chain: only the first publish is waiting; the others queue behind it.
    expect(gate.waiting).toBe(1);

    gate.release();
    await alice.client.idle();
    for (const id of ids) expect(deliveryStates(alice, id).slice(0, 2)).toEqual(["queued", "sent"]);
    await w.run(5_000);
    const texts = bob.events.flatMap((e) =>
      e.type === "message" && e.content.kind === "text" ? [e.content.text] : [],
    );
    expect(texts).toEqual(["first", "a", "b", "c"]);
  });
});
