import { describe, expect, it } from "vitest";
import { PeerNames } from "../../src/client/index.js";
import { profile } from "../../src/conversations/content/index.js";
import { started, world } from "./harness.js";

describe("PeerNames", () => {
  it("keeps the display name each peer asserts, the newest by the sender's time, and survives a restart", async () => {
    const w = world("names");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    const names = new PeerNames(bob.store);
    const changes: string[] = [];
    bob.client.onEvent((e) => {
      void names.observe(e).then((n) => n && changes.push(n.name));
    });
    const { conversationId } = await alice.client.startConversation(await bob.client.introBundle(), "hi");
    await alice.client.send(conversationId, profile("Alice"));
    await w.run(3_000);
    expect(await names.get(alice.client.installationKey)).toMatchObject({ name: "Alice" });
    await alice.client.send(conversationId, profile("Alice A."));
    await alice.client.send(conversationId, profile("Alice A."));
    await w.run(3_000);
    expect(changes).toEqual(["Alice", "Alice A."]);

    // An older claim (a late resend, an old message from history) never replaces a newer one.
    const at = (await names.get(alice.client.installationKey))!.at;
    const stale = {
      type: "message" as const,
      conversationId: started(bob)[0]!.conversationId,
      messageId: "m",
      sender: alice.client.installationKey,
      content: profile("Mallory"),
      timestamp: at - 1,
    };
    expect(await names.observe(stale)).toBeUndefined();
    // Only profile content from a well-formed sender key counts.
    expect(await names.observe({ ...stale, timestamp: at + 1, sender: "not-a-key" })).toBeUndefined();
    expect(await names.observe({ ...stale, timestamp: at + 1, content: { kind: "text", text: "x" } })).toBeUndefined();
    await w.restart(bob);
    expect([...(await new PeerNames(bob.store).all())]).toEqual([
      [alice.client.installationKey, { name: "Alice A.", at }],
    ]);
  });
});
