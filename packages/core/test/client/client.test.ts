import { describe, expect, it } from "vitest";
import { ClientError } from "../../src/client/index.js";
import { IntroBundleError } from "../../src/identity/errors.js";
import { deliveryStates, errors, messages, published, started, world } from "./harness.js";

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
    expect(deliveryStates(alice, messageId)).toEqual(["queued", "sent", "acked"]);
    const page = await alice.client.history(conversationId);
    expect(page.items.map((i) => [i.direction, (i.content as { text: string }).text])).toEqual([
      ["out", "hello bob"],
      ["out", "how are you?"],
      ["in", "hi alice"],
    ]);
    expect(page.items.every((i) => i.direction === "in" || i.state === "acked")).toBe(true);
    // Both sides name the message by the same frame id.
    const bobPage = await bob.client.history(bobConv);
    expect(bobPage.items[0]!.messageId).toBe(messageId);
    expect(await alice.client.conversations()).toMatchObject([
      { id: conversationId, peer: bob.client.installationKey, initiatedBy: "me" },
    ]);
    expect(await bob.client.conversations()).toMatchObject([
      { id: bobConv, peer: alice.client.installationKey, initiatedBy: "peer" },
    ]);
    expect(errors(alice)).toEqual([]);
    expect(errors(bob)).toEqual([]);
  });

  it("three clients hold three separate conversations", async () => {
    const w = world("three");
    const [a, b, c] = [await w.peer("a"), await w.peer("b"), await w.peer("c")];
    const ab = await a.client.startConversation(await b.client.introBundle(), "a->b");
    const ac = await a.client.startConversation(await c.client.introBundle(), "a->c");
    const cb = await c.client.startConversation(await b.client.introBundle(), "c->b");
    await w.run(3_000);
    expect(started(b)).toHaveLength(2);
    expect(started(c)).toHaveLength(2);
    const bFromA = started(b).find((s) => s.peer === a.client.installationKey)!.conversationId;
    const bFromC = started(b).find((s) => s.peer === c.client.installationKey)!.conversationId;
    const cFromA = started(c).find((s) => s.peer === a.client.installationKey)!.conversationId;
    await b.client.send(bFromA, "b->a");
    await b.client.send(bFromC, "b->c");
    await c.client.send(cFromA, "c->a");
    await a.client.send(ab.conversationId, "a->b 2");
    await w.run(20_000);
    expect(messages(b, bFromA)).toEqual(["a->b", "a->b 2"]);
    expect(messages(b, bFromC)).toEqual(["c->b"]);
    expect(messages(c, cFromA)).toEqual(["a->c"]);
    expect(messages(c, cb.conversationId)).toEqual(["b->c"]);
    expect(messages(a, ab.conversationId)).toEqual(["b->a"]);
    expect(messages(a, ac.conversationId)).toEqual(["c->a"]);
    for (const p of [a, b, c]) expect(errors(p)).toEqual([]);
  });

  it("carries a 5 MB content both ways (invite + 53 segments each way)", async () => {
    const w = world("big");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    const big = (seed: number) =>
      Array.from({ length: 5 * 1024 * 1024 }, (_, i) => String.fromCharCode(97 + ((i * seed) % 26))).join("");
    const toBob = big(7);
    const toAlice = big(11);
    const { conversationId, messageId } = await alice.client.startConversation(await bob.client.introBundle(), toBob);
    await w.run(5_000);
    const bobConv = started(bob)[0]!.conversationId;
    expect(messages(bob).map((m) => m.length)).toEqual([toBob.length]);
    expect(messages(bob)[0] === toBob).toBe(true);
    await bob.client.send(bobConv, toAlice);
    await w.run(5_000);
    expect(messages(alice)[0] === toAlice).toBe(true);
    await w.run(10_000);
    expect(await alice.client.deliveryState(conversationId, messageId)).toBe("acked");
    expect(errors(alice)).toEqual([]);
    expect(errors(bob)).toEqual([]);
  }, 120_000);

  it("a replayed invite never creates a second conversation and changes nothing", async () => {
    const w = world("replay-invite");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    await alice.client.startConversation(await bob.client.introBundle(), "once");
    await w.run(2_000);
    const invites = await published(w, bob.client.inboxTopic);
    expect(invites).toHaveLength(1);
    const revision = bob.store.revision;
    for (let i = 0; i < 3; i++) {
      const outcome = await bob.client.ingest(bob.client.inboxTopic, invites[0]!);
      expect(outcome).toMatchObject({ kind: "badly-formed", reason: "conversation-exists" });
    }
    expect(bob.store.revision).toBe(revision);
    expect(await bob.client.conversations()).toHaveLength(1);
    expect(started(bob)).toHaveLength(1);
    expect(messages(bob)).toEqual(["once"]);
  });

  it("bundles: expired, single-use, rotated and unknown keys give typed errors", async () => {
    const w = world("bundles");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob", { bundle: { lifetimeMs: 60_000, singleUse: false } });
    const carol = await w.peer("carol", { bundle: { lifetimeMs: 3_600_000, singleUse: true } });

    // Reusable until expiry: two conversations from one bundle.
    const bobBundle = await bob.client.introBundle();
    await alice.client.startConversation(bobBundle, "first");
    await alice.client.startConversation(bobBundle, "second");
    await w.run(2_000);
    expect(started(bob)).toHaveLength(2);
    await w.run(60_000);
    await alice.client.startConversation(bobBundle, "too late");
    await w.run(2_000);
    expect(started(bob)).toHaveLength(2);
    expect(errors(bob).map((e) => e.error.code)).toContain("bundle-key-expired");

    // Single use: the second invite to the same bundle is refused.
    const carolBundle = await carol.client.introBundle();
    await alice.client.startConversation(carolBundle, "one");
    await w.run(2_000);
    await bob.client.startConversation(carolBundle, "two");
    await w.run(2_000);
    expect(started(carol).map((s) => s.peer)).toEqual([alice.client.installationKey]);
    expect(errors(carol).map((e) => e.error.code)).toContain("bundle-key-used");
    expect(await carol.client.introBundle()).not.toBe(carolBundle);

    // Rotation retires every bundle handed out so far.
    const old = await bob.client.introBundle();
    const rotated = await bob.client.rotateIntroBundle();
    expect(rotated).not.toBe(old);
    await carol.client.startConversation(old, "rotated away");
    await carol.client.startConversation(rotated, "fresh");
    await w.run(2_000);
    expect(errors(bob).map((e) => e.error.code)).toContain("bundle-key-rotated");
    expect(messages(bob)).toContain("fresh");
    expect(messages(bob)).not.toContain("rotated away");
  });

  it("refuses forged bundles and its own bundle with typed errors", async () => {
    const w = world("forged");
    const alice = await w.peer("alice");
    const bundle = await alice.client.introBundle();
    await expect(alice.client.startConversation(bundle, "me")).rejects.toBeInstanceOf(ClientError);
    await expect(alice.client.startConversation(`${bundle.slice(0, -3)}AAA`, "x")).rejects.toBeInstanceOf(
      IntroBundleError,
    );
    await expect(alice.client.startConversation("hello", "x")).rejects.toMatchObject({ code: "bundle-missing-prefix" });
    await expect(alice.client.send("00".repeat(18), "x")).rejects.toMatchObject({ code: "unknown-conversation" });
  });

  it("delivers unknown content types as typed unsupported items and group-control frames only to the hook", async () => {
    const w = world("content");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    const reaction = {
      kind: "reaction",
      domainId: 9,
      tag: 4,
      encode: (c: { emoji?: unknown }) => new TextEncoder().encode(String(c.emoji)),
      decode: (p: Uint8Array) => ({ kind: "reaction", emoji: new TextDecoder().decode(p) }),
    };
    await alice.client.close();
    alice.client = await (await import("../../src/client/index.js")).Client.open({
      ...alice.options,
      codecs: [reaction],
    });
    alice.client.onEvent((e) => alice.events.push(e));
    const { conversationId } = await alice.client.startConversation(await bob.client.introBundle(), {
      kind: "reaction",
      emoji: "+1",
    });
    await w.run(2_000);
    const got = bob.events.find((e) => e.type === "message");
    expect(got).toMatchObject({
      type: "message",
      content: { kind: "unsupported", domainId: 9, tag: 4, reason: "unknown-type" },
    });
    const control: Uint8Array[] = [];
    bob.client.onGroupControl((m) => control.push(m.payload));
    await alice.client.sendGroupControl(conversationId, Uint8Array.of(1, 2, 3));
    await w.run(2_000);
    expect(control).toEqual([Uint8Array.of(1, 2, 3)]);
    expect(bob.events.filter((e) => e.type === "message")).toHaveLength(1);
  });

  it("restart: a client reopened from the same store keeps its identity, conversations and history", async () => {
    const w = world("restart");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    const bundle = await bob.client.introBundle();
    const { conversationId } = await alice.client.startConversation(bundle, "before");
    await w.run(2_000);
    const bobConv = started(bob)[0]!.conversationId;
    const aliceKey = alice.client.installationKey;
    const bobKey = bob.client.installationKey;
    await w.restart(alice);
    await w.restart(bob);
    expect(alice.client.installationKey).toBe(aliceKey);
    expect(bob.client.installationKey).toBe(bobKey);
    expect(await bob.client.introBundle()).toBe(bundle);
    await alice.client.send(conversationId, "after");
    await w.run(2_000);
    await bob.client.send(bobConv, "reply");
    await w.run(15_000);
    expect(messages(bob)).toEqual(["before", "after"]);
    expect(messages(alice)).toEqual(["reply"]);
    expect((await alice.client.history(conversationId)).items.map((i) => i.state ?? "in")).toEqual([
      "acked",
      "acked",
      "in",
    ]);
    // While bob is closed alice keeps sending; resends deliver it once bob is back.
    await bob.client.close();
    bob.stop();
    await alice.client.send(conversationId, "while you were away");
    await w.run(5_000);
    await w.restart(bob);
    await w.run(70_000);
    expect(messages(bob)).toEqual(["before", "after", "while you were away"]);
    expect(errors(bob)).toEqual([]);
  });

  it("catchUp reads what a history service kept while the client was closed", async () => {
    const w = world("catch-up");
    const alice = await w.peer("alice", { resendAfterMs: 3_600_000 });
    const bob = await w.peer("bob");
    const { conversationId } = await alice.client.startConversation(await bob.client.introBundle(), "hello");
    await w.run(1_000);
    const since = w.clock.now();
    bob.stop();
    await bob.client.close();
    await alice.client.send(conversationId, "while closed 1");
    await alice.client.send(conversationId, "while closed 2");
    await w.run(1_000);
    await w.restart(bob);
    expect(messages(bob)).toEqual(["hello"]);
    expect(await bob.client.catchUp(since)).toBe(2);
    expect(messages(bob)).toEqual(["hello", "while closed 1", "while closed 2"]);
    // A second pass finds only duplicates.
    expect(await bob.client.catchUp(since)).toBe(0);
  });

  it("gives up after the bound: queued → sent → lost, with the give-up event", async () => {
    const w = world("give-up");
    const alice = await w.peer("alice", { sweepIntervalMs: 500, resendAfterMs: 1_000, maxSends: 3 });
    const bob = await w.peer("bob");
    const { conversationId } = await alice.client.startConversation(await bob.client.introBundle(), "hello");
    await w.run(2_000);
    bob.stop();
    await bob.client.close();
    const { messageId } = await alice.client.send(conversationId, "into the void");
    await w.run(10_000);
    expect(deliveryStates(alice, messageId)).toEqual(["queued", "sent", "lost"]);
    expect(await alice.client.deliveryState(conversationId, messageId)).toBe("lost");
    // Exactly maxSends copies went out: the first send and two resends.
    const topic = (await alice.client.conversations())[0]!.contentTopic;
    const before = (await published(w, topic)).length;
    await w.run(10_000);
    expect((await published(w, topic)).length).toBe(before);
  });

  it("reports missing messages and delivers in causal order once they arrive", async () => {
    const w = world("missing");
    const alice = await w.peer("alice", { resendAfterMs: 3_600_000 });
    const bob = await w.peer("bob");
    const { conversationId } = await alice.client.startConversation(await bob.client.introBundle(), "m0");
    await w.run(1_000);
    const topic = (await alice.client.conversations())[0]!.contentTopic;
    const cut = w.bus.partition(["alice"], ["bob"]);
    const before = (await published(w, topic)).length;
    for (const t of ["m1", "m2", "m3"]) await alice.client.send(conversationId, t);
    await w.run(1_000);
    cut.heal();
    const [m1, m2, m3] = (await published(w, topic)).slice(before);
    await bob.client.ingest(topic, m3!);
    expect(messages(bob)).toEqual(["m0"]);
    const missing = bob.events.filter((e) => e.type === "message-missing");
    expect(missing.length).toBeGreaterThan(0);
    await bob.client.ingest(topic, m2!);
    await bob.client.ingest(topic, m1!);
    expect(messages(bob)).toEqual(["m0", "m1", "m2", "m3"]);
  });

  it("history pages back in time", async () => {
    const w = world("pages");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    const { conversationId } = await alice.client.startConversation(await bob.client.introBundle(), "m0");
    for (let i = 1; i < 7; i++) await alice.client.send(conversationId, `m${i}`);
    const p1 = await alice.client.history(conversationId, { limit: 3 });
    const p2 = await alice.client.history(conversationId, { limit: 3, before: p1.before! });
    const p3 = await alice.client.history(conversationId, { limit: 3, before: p2.before! });
    const text = (p: typeof p1) => p.items.map((i) => (i.content as { text: string }).text);
    expect([text(p3), text(p2), text(p1)]).toEqual([["m0"], ["m1", "m2", "m3"], ["m4", "m5", "m6"]]);
    expect(p3.before).toBeUndefined();
  });
});
