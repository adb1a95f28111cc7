import { describe, expect, it } from "vitest";
import { ClientError, DELETED_TYPE } from "../../src/client/index.js";
import { CONVERSATION_STATE_NS, CONVERSATIONS_NS } from "../../src/framework/conversation-store.js";
import { messages, published, started, world } from "./harness.js";

describe("Client.deleteConversation and archiveConversation", () => {
  it("delete drops the keys and the history; a replayed invite, a restart or the peer's resends never bring it back", async () => {
    const w = world("delete");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    const carol = await w.peer("carol");
    const ab = await alice.client.startConversation(await bob.client.introBundle(), "hello bob");
    await carol.client.startConversation(await bob.client.introBundle(), "hello from carol");
    await w.run(3_000);
    const [fromAlice, fromCarol] = started(bob).map((s) => s.conversationId);
    await bob.client.send(fromAlice!, "hi alice");
    await w.run(3_000);
    expect((await bob.client.history(fromAlice!)).items).toHaveLength(2);
    expect(await bob.store.get(CONVERSATION_STATE_NS, `PrivateV1:${fromAlice}`)).toBeDefined();

    await bob.client.archiveConversation(fromAlice!);
    expect(await bob.client.archivedConversations()).toEqual([fromAlice]);
    await bob.client.deleteConversation(fromAlice!);

    // Gone: the record, the keys, the history, the archive mark. Carol's conversation is untouched.
    expect((await bob.client.conversations()).map((c) => c.id)).toEqual([fromCarol]);
    expect(await bob.store.get(CONVERSATION_STATE_NS, `PrivateV1:${fromAlice}`)).toBeUndefined();
    expect(await bob.store.get(CONVERSATIONS_NS, `PrivateV1:${fromAlice}`)).toBeUndefined();
    expect(await bob.store.get(CONVERSATIONS_NS, `${DELETED_TYPE}:${fromAlice}`)).toBeDefined();
    expect((await bob.client.history(fromAlice!)).items).toEqual([]);
    expect(await bob.client.archivedConversations()).toEqual([]);
    await expect(bob.client.send(fromAlice!, "x")).rejects.toMatchObject({ code: "unknown-conversation" });

    // Alice's invite replayed (a resend, or the node's history at the next start) is refused, quietly.
    const [invite] = await published(w, bob.client.inboxTopic);
    const revision = bob.store.revision;
    expect(await bob.client.ingest(bob.client.inboxTopic, invite!)).toMatchObject({
      kind: "badly-formed",
      reason: "conversation-exists",
    });
    expect(bob.store.revision).toBe(revision);

    // Alice keeps writing: nothing reaches Bob, before or after he restarts, and nothing is an error.
    await alice.client.send(ab.conversationId, "are you there?");
    await w.run(3_000);
    await w.restart(bob);
    await alice.client.send(ab.conversationId, "still there?");
    await w.run(40_000);
    expect(await bob.client.ingest(bob.client.inboxTopic, invite!)).toMatchObject({ reason: "conversation-exists" });
    expect((await bob.client.conversations()).map((c) => c.id)).toEqual([fromCarol]);
    expect(messages(bob)).toEqual(["hello bob", "hello from carol"]);
    expect(bob.events.filter((e) => e.type === "error")).toEqual([]);

    // Carol's conversation still works both ways.
    await bob.client.send(fromCarol!, "hi carol");
    await w.run(3_000);
    expect(messages(carol)).toEqual(["hi carol"]);
  });

  it("archive is a mark that survives a restart and can be taken back; unknown ids are refused", async () => {
    const w = world("archive");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    const { conversationId } = await alice.client.startConversation(await bob.client.introBundle(), "hi");
    await alice.client.archiveConversation(conversationId);
    await w.restart(alice);
    expect(await alice.client.archivedConversations()).toEqual([conversationId]);
    await alice.client.send(conversationId, "archived conversations still work");
    await alice.client.archiveConversation(conversationId, false);
    expect(await alice.client.archivedConversations()).toEqual([]);
    await expect(alice.client.archiveConversation("nope")).rejects.toBeInstanceOf(ClientError);
    await expect(alice.client.deleteConversation("nope")).rejects.toMatchObject({ code: "unknown-conversation" });
  });

  it("deleting a group I am in leaves it first: the others see me go and I receive nothing more", async () => {
    const w = world("delete-group");
    const alice = await w.peer("alice", { sweepIntervalMs: 1_000, resendAfterMs: 3_000, ackDelayMs: 500 });
    const bob = await w.peer("bob", { sweepIntervalMs: 1_000, resendAfterMs: 3_000, ackDelayMs: 500 });
    // MLS work completes in real time: virtual time moves only once both clients are idle.
    const until = async (pred: () => boolean | Promise<boolean>) => {
      for (let i = 0; i < 400 && !(await pred()); i++) {
        await w.clock.advanceAsync(250);
        await Promise.all([alice.client.idle(), bob.client.idle()]);
      }
      expect(await pred()).toBe(true);
    };
    await alice.client.startConversation(await bob.client.introBundle(), "hi");
    await until(() => started(bob).length === 1);
    const { conversationId: group } = await alice.client.createGroup({
      name: "g",
      members: [bob.client.installationKey],
    });
    await until(() => started(bob).length === 2);
    const bobGroup = started(bob)[1]!.conversationId;
    await alice.client.send(group, "before");
    await until(() => messages(bob, bobGroup).length === 1);
    await bob.client.deleteConversation(bobGroup);
    expect(bob.events.some((e) => e.type === "left" && e.conversationId === bobGroup)).toBe(true);
    await until(async () => (await alice.client.groupMembers(group)).length === 1);
    await alice.client.send(group, "after");
    await w.run(5_000);
    expect(messages(bob, bobGroup)).toEqual(["before"]);
    expect((await bob.client.conversations()).map((c) => c.type)).toEqual(["PrivateV1"]);
    expect((await bob.client.history(bobGroup)).items).toEqual([]);
  });
});
