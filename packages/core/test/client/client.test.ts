import { describe, expect, it } from "vitest";
import { errors, messages, started, world } from "./harness.js";

describe("Client over MemoryDelivery", () => {
  it("two clients start a conversation from a bundle and exchange messages both ways", async () => {
    const w = world("two");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    const bundle = await bob.client.introBundle();
    const { conversationId, messageId } = await alice.client.startConversation(bundle, "hello bob");
    await w.run(2_000);
    expect(started(bob)).toHaveLength(1);
    const bobConv = started(bob)[0]!.conversationId;
    expect(started(bob)[0]!.peer).toBe(alice.client.installationKey);
    expect(messages(bob)).toEqual(["hello bob"]);
    await bob.client.send(bobConv, "hi alice");
    await alice.client.send(conversationId, "how are you?");
    await w.run(5_000);
    expect(messages(alice)).toEqual(["hi alice"]);
    expect(messages(bob)).toEqual(["hello bob", "how are you?"]);
    await w.run(10_000);
    expect(await alice.client.deliveryState(conversationId, messageId)).toBe("acked");
    const page = await alice.client.history(conversationId);
    expect(page.items.map((i) => [i.direction, (i.content as { text: string }).text])).toEqual([
      ["out", "hello bob"],
      ["out", "how are you?"],
      ["in", "hi alice"],
    ]);
    expect(page.items.every((i) => i.direction === "in" || i.state === "acked")).toBe(true);
    expect(errors(alice)).toEqual([]);
    expect(errors(bob)).toEqual([]);
  });
});
