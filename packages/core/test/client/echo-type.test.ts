/**
 * A new conversation type is one folder plus one registration: EchoV1 (test/fixtures/echo-type) is given in
 * `ClientOptions.types`, takes the pairwise start from the built-in type, and the Client runs it through its
 * public API without knowing it: messages both ways, delivery states, and a restart from the store.
 */
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/base/virtual-clock.js";
import { Client, type ClientEvent, type ClientOptions } from "../../src/client/index.js";
import { NobleCryptoProvider, seededRandom } from "../../src/crypto/index.js";
import { MemoryDelivery } from "../../src/framework/memory-delivery.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import { ECHO_V1, echoV1 } from "../fixtures/echo-type/index.js";

describe("a type given in ClientOptions.types (EchoV1)", () => {
  it("starts, sends both ways, reaches acked, and survives a restart", async () => {
    const clock = new VirtualClock({ yieldToEventLoop: () => new Promise((r) => setImmediate(r)) });
    const crypto = new NobleCryptoProvider({ random: seededRandom("echo/bus") });
    const bus = new MemoryDelivery({ clock, crypto, seed: "echo", trace: false });
    const run = async (ms: number) => {
      for (let t = 0; t < ms; t += 500) await clock.advanceAsync(500);
    };
    const peer = async (name: string) => {
      const options: ClientOptions = {
        store: new MemoryStore(),
        delivery: bus.endpoint(name),
        crypto: new NobleCryptoProvider({ random: seededRandom(`echo/${name}`) }),
        clock,
        types: [echoV1],
      };
      const events: ClientEvent[] = [];
      const client = await Client.create(options);
      client.onEvent((e) => events.push(e));
      return { options, events, client };
    };
    const texts = (events: ClientEvent[]) =>
      events.flatMap((e) => (e.type === "message" && e.content.kind === "text" ? [e.content.text] : []));
    const states = (events: ClientEvent[], id: string) =>
      events.flatMap((e) => (e.type === "delivery-state" && e.messageId === id ? [e.state] : []));

    const alice = await peer("alice");
    const bob = await peer("bob");
    const { conversationId, messageId } = await alice.client.startConversation(await bob.client.introBundle(), "hi");
    await run(2_000);
    const [info] = await bob.client.conversations();
    expect(info).toMatchObject({ type: ECHO_V1, peer: alice.client.installationKey, initiatedBy: "peer" });
    expect(info!.id).toBe(conversationId);
    expect(texts(bob.events)).toEqual(["hi"]);
    await bob.client.send(conversationId, "hello alice");
    await run(12_000);
    expect(texts(alice.events)).toEqual(["hello alice"]);
    expect(states(alice.events, messageId)).toEqual(["queued", "sent", "acked"]);

    // A restart: the conversation, its history and the standing inbox come back from the store.
    await alice.client.close();
    const reopened = await Client.open({ ...alice.options, delivery: bus.endpoint("alice") });
    const after: ClientEvent[] = [];
    reopened.onEvent((e) => after.push(e));
    expect((await reopened.conversations()).map((c) => c.id)).toEqual([conversationId]);
    const { messageId: second } = await reopened.send(conversationId, "still here");
    await bob.client.send(conversationId, "welcome back");
    await run(12_000);
    expect(texts(bob.events)).toEqual(["hi", "still here"]);
    expect(texts(after)).toEqual(["welcome back"]);
    expect(await reopened.deliveryState(conversationId, second)).toBe("acked");
    const page = await reopened.history(conversationId);
    expect(page.items.map((i) => i.direction)).toEqual(["out", "in", "out", "in"]);
    await reopened.close();
    await bob.client.close();
  });
});
