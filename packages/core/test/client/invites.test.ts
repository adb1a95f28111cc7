/**
 * Invite bounds and message requests (issue #19). Floods run through MemoryDelivery on a VirtualClock; their
 * size scales with PARLEY_INVITE_FLOOD for a local run (default 500, 10 and 25 times the bounds under test:
 * each invite is a fresh installation and a full handshake on both sides, a few ms of CPU; 10,000 is a local
 * run of a few minutes).
 */
import { describe, expect, it } from "vitest";
import { ClientError } from "../../src/client/index.js";
import { MESSAGE_REQUEST_NS, REFUSED_INVITE_NS } from "../../src/client/message-requests.js";
import { DEFAULT_SUITE, suiteId } from "../../src/conversations/group-v1/mls.js";
import type { MemoryStore } from "../../src/framework/memory-store.js";
import { GroupControlFrameSchema } from "../../src/wire/gen/logoschat/group/group_v1_pb.js";
import { create, fromBinary, toBinary } from "../../src/wire/index.js";
import { messages, started } from "./harness.js";
import { flood, inviteWorld, ofType, storeBytes } from "./invite-world.js";

const FLOOD = Number(process.env.PARLEY_INVITE_FLOOD ?? 500);
const WINDOW = 60_000;

/** Every namespace and key with its bytes, as comparable strings. */
function dump(store: MemoryStore, skip: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const [ns, space] of store.snapshot()) {
    if (skip.includes(ns)) continue;
    for (const [k, v] of space) out.push(`${ns}/${k}=${Buffer.from(v).toString("hex")}`);
  }
  return out.sort();
}

describe("invite flood", () => {
  it("accept mode: a flood of invites from distinct installations starts at most perWindow conversations; after the window a legitimate invite is accepted", async () => {
    const w = inviteWorld("flood-accept");
    const bob = await w.peer("bob", { invites: { perWindow: 50, windowMs: WINDOW } });
    const alice = await w.peer("alice");
    const bundle = await bob.client.introBundle();
    const base = storeBytes(bob.store);
    await flood(w, bundle, FLOOD, "flood-accept");
    await w.run(2_000);
    expect((await bob.client.conversations()).length).toBe(50);
    const drops = ofType(bob, "invite-dropped");
    expect(drops).toHaveLength(FLOOD - 50);
    expect(drops.every((d) => d.reason === "rate" && d.source === "invite")).toBe(true);
    // Store growth is that of 50 conversations (each well under 8 KB), whatever the flood's size.
    const grown = storeBytes(bob.store) - base;
    expect(grown).toBeLessThan(50 * 8 * 1024);

    // During the window a legitimate invite is dropped too; nothing of it is stored, and the sender's resend
    // after the window starts the conversation.
    const { conversationId } = await alice.client.startConversation(bundle, "hello bob");
    await w.run(2_000);
    expect(started(bob).some((s) => s.peer === alice.client.installationKey)).toBe(false);
    await w.run(2 * WINDOW);
    const fromAlice = started(bob).filter((s) => s.peer === alice.client.installationKey);
    expect(fromAlice).toHaveLength(1);
    expect(messages(bob, fromAlice[0]!.conversationId)).toEqual(["hello bob"]);
    await bob.client.send(fromAlice[0]!.conversationId, "hi alice");
    await w.run(5_000);
    expect(messages(alice, conversationId)).toEqual(["hi alice"]);
  }, 120_000);

  it("request mode: a flood of invites leaves at most maxPending requests and no conversation; a request later still arrives", async () => {
    const w = inviteWorld("flood-request");
    const bob = await w.peer("bob", {
      invites: { mode: "request", maxPending: 20, perWindow: 1_000_000, requestTtlMs: 3_600_000 },
    });
    const alice = await w.peer("alice");
    const bundle = await bob.client.introBundle();
    const base = storeBytes(bob.store);
    await flood(w, bundle, FLOOD, "flood-request");
    await w.run(2_000);
    expect(await bob.client.conversations()).toEqual([]);
    expect(await bob.client.messageRequests()).toHaveLength(20);
    expect(ofType(bob, "message-request")).toHaveLength(20);
    const drops = ofType(bob, "invite-dropped");
    expect(drops).toHaveLength(FLOOD - 20);
    expect(drops.every((d) => d.reason === "cap")).toBe(true);
    expect(storeBytes(bob.store) - base).toBeLessThan(20 * 8 * 1024);

    // The cap holds alice's invite back until the flood's requests expire; her resend then raises a request.
    await alice.client.startConversation(bundle, "hello bob");
    await w.run(2_000);
    expect(ofType(bob, "message-request").some((r) => r.peer === alice.client.installationKey)).toBe(false);
    await w.run(3_600_000 + 31 * 60_000, 5_000);
    expect(ofType(bob, "invite-dropped").filter((d) => d.reason === "expired")).toHaveLength(20);
    const requests = await bob.client.messageRequests();
    expect(requests.map((r) => r.peer)).toEqual([alice.client.installationKey]);
    expect(requests[0]!.messages.map((m) => (m.content as { text: string }).text)).toEqual(["hello bob"]);
  }, 120_000);
});

describe("message requests", () => {
  // Bundles live 3 hours here, so that a refusal mark's expiry is within a test's reach.
  async function setup(seed: string) {
    const w = inviteWorld(seed);
    const bob = await w.peer("bob", {
      invites: { mode: "request" },
      bundle: { lifetimeMs: 3 * 3600_000, singleUse: false },
    });
    const alice = await w.peer("alice");
    const bundle = await bob.client.introBundle();
    return { w, bob, alice, bundle };
  }

  it("an invite becomes a request: nothing but the request is stored, no topic is subscribed, nothing is sent", async () => {
    const { w, bob, alice, bundle } = await setup("request-held");
    const before = dump(bob.store);
    const { conversationId } = await alice.client.startConversation(bundle, "hello bob");
    await w.run(10_000);
    expect(started(bob)).toEqual([]);
    expect(messages(bob)).toEqual([]);
    expect(ofType(bob, "message-request")).toEqual([
      { type: "message-request", requestId: expect.any(String), peer: alice.client.installationKey },
    ]);
    const [request] = await bob.client.messageRequests();
    expect(request).toMatchObject({ peer: alice.client.installationKey });
    expect(request!.messages.map((m) => (m.content as { text: string }).text)).toEqual(["hello bob"]);
    // Only the request record was added (the inbox state is rewritten unchanged).
    expect(dump(bob.store, [MESSAGE_REQUEST_NS])).toEqual(before);
    expect(w.bus.endpoint("bob").hasSubscription(alice.client.inboxTopic)).toBe(false);
    const aliceTopic = (await alice.client.conversations())[0]!.contentTopic;
    expect(w.bus.endpoint("bob").hasSubscription(aliceTopic)).toBe(false);
    // Bob has not acknowledged: alice's first message is still only sent, and her resends stay one request.
    expect(
      await alice.client.deliveryState(
        conversationId,
        (await alice.client.history(conversationId)).items[0]!.messageId,
      ),
    ).toBe("sent");
    await w.run(5 * 60_000, 5_000);
    expect(await bob.client.messageRequests()).toHaveLength(1);
    expect(ofType(bob, "message-request")).toHaveLength(1);
  }, 60_000);

  it("accepting starts the conversation and delivers the first message exactly once, also after a restart", async () => {
    const { w, bob, alice, bundle } = await setup("request-accept");
    const { conversationId, messageId } = await alice.client.startConversation(bundle, "hello bob");
    await w.run(2_000);
    await w.restart(bob);
    const [request] = await bob.client.messageRequests();
    const r = await bob.client.acceptRequest(request!.id);
    expect(r.conversationId).toBe(request!.id);
    expect(started(bob)).toMatchObject([{ conversationId: r.conversationId, peer: alice.client.installationKey }]);
    expect(messages(bob, r.conversationId)).toEqual(["hello bob"]);
    expect(await bob.client.messageRequests()).toEqual([]);
    await expect(bob.client.acceptRequest(request!.id)).rejects.toMatchObject({ code: "unknown-request" });
    await alice.client.send(conversationId, "are you there?");
    await bob.client.send(r.conversationId, "yes");
    await w.run(5 * 60_000, 5_000);
    expect(messages(bob, r.conversationId)).toEqual(["hello bob", "are you there?"]);
    expect(messages(alice, conversationId)).toEqual(["yes"]);
    expect(await alice.client.deliveryState(conversationId, messageId)).toBe("acked");
    const page = await bob.client.history(r.conversationId);
    expect(page.items.filter((i) => i.messageId === messageId)).toHaveLength(1);
  }, 60_000);

  it("a contact already accepted is not asked about again: its next invite starts a conversation", async () => {
    const { w, bob, alice, bundle } = await setup("request-known");
    await alice.client.startConversation(bundle, "first");
    await w.run(2_000);
    await bob.client.acceptRequest((await bob.client.messageRequests())[0]!.id);
    const { conversationId } = await alice.client.startConversation(bundle, "second conversation");
    await w.run(2_000);
    expect(ofType(bob, "message-request")).toHaveLength(1);
    expect(started(bob)).toHaveLength(2);
    expect(messages(bob, started(bob)[1]!.conversationId)).toEqual(["second conversation"]);
    expect(await bob.client.messageRequests()).toEqual([]);
    await w.run(30_000);
    expect(
      await alice.client.deliveryState(
        conversationId,
        (await alice.client.history(conversationId)).items[0]!.messageId,
      ),
    ).toBe("acked");
  }, 60_000);

  it("refusing leaves nothing behind but a refusal mark; resends of the invite raise nothing; the mark expires", async () => {
    const { w, bob, alice, bundle } = await setup("request-refuse");
    const before = dump(bob.store);
    await alice.client.startConversation(bundle, "hello bob");
    await w.run(2_000);
    const [request] = await bob.client.messageRequests();
    await bob.client.refuseRequest(request!.id);
    expect(dump(bob.store, [REFUSED_INVITE_NS])).toEqual(before);
    expect([...(bob.store.snapshot().get(REFUSED_INVITE_NS)?.keys() ?? [])]).toEqual([request!.id]);
    expect(await bob.client.messageRequests()).toEqual([]);
    expect(await bob.client.conversations()).toEqual([]);
    await expect(bob.client.refuseRequest(request!.id)).rejects.toBeInstanceOf(ClientError);
    // Alice keeps resending (no acknowledgement): nothing comes back, nothing is stored.
    await w.run(60 * 60_000, 10_000);
    expect(ofType(bob, "message-request")).toHaveLength(1);
    expect(dump(bob.store, [REFUSED_INVITE_NS])).toEqual(before);
    await w.restart(bob);
    await w.run(60 * 60_000, 60_000);
    expect(ofType(bob, "message-request")).toHaveLength(1);
    expect(await bob.client.messageRequests()).toEqual([]);
    // Once the bundle lifetime has passed, the mark is gone too.
    await w.run(2 * 3600_000, 60_000);
    expect(bob.store.snapshot().get(REFUSED_INVITE_NS)?.size ?? 0).toBe(0);
  }, 120_000);

  it("a request neither accepted nor refused expires and is reported", async () => {
    const w = inviteWorld("request-expire");
    const bob = await w.peer("bob", { invites: { mode: "request", requestTtlMs: 3_600_000 } });
    const alice = await w.peer("alice");
    const bundle = await bob.client.introBundle();
    const before = dump(bob.store);
    await alice.client.startConversation(bundle, "hello bob");
    await w.run(2_000);
    const [request] = await bob.client.messageRequests();
    await alice.client.close();
    await w.run(3_600_000, 60_000);
    expect(ofType(bob, "invite-dropped")).toEqual([
      {
        type: "invite-dropped",
        reason: "expired",
        source: "invite",
        peer: alice.client.installationKey,
        conversationId: request!.id,
      },
    ]);
    expect(await bob.client.messageRequests()).toEqual([]);
    expect(dump(bob.store)).toEqual(before);
  }, 60_000);
});

describe("group control from an accepted peer", () => {
  it("key-package requests are bounded per sender and window; over the bound they are dropped and reported", async () => {
    const w = inviteWorld("control-rate");
    const bob = await w.peer("bob", { invites: { groupControlPerSender: 5, windowMs: WINDOW } });
    const alice = await w.peer("alice");
    const { conversationId } = await alice.client.startConversation(await bob.client.introBundle(), "hi");
    await w.run(2_000);
    await bob.client.send(ofType(bob, "conversation-started")[0]!.conversationId, "hello");
    await w.run(2_000);
    // Key packages are made with WebCrypto: let each step finish before time moves on.
    const settle = async () => {
      for (let i = 0; i < 10; i++) {
        await w.run(500);
        await bob.client.idle();
        await alice.client.idle();
      }
    };
    let answered = 0;
    alice.client.onGroupControl((m) => {
      if (fromBinary(GroupControlFrameSchema, m.payload).control.case === "keyPackageResponse") answered++;
    });
    const request = (i: number) =>
      toBinary(
        GroupControlFrameSchema,
        create(GroupControlFrameSchema, {
          control: {
            case: "keyPackageRequest",
            value: { requestId: `r${i}`, conversationId: "", cipherSuite: suiteId(DEFAULT_SUITE) },
          },
        }),
      );
    for (let i = 0; i < 8; i++) await alice.client.sendGroupControl(conversationId, request(i));
    await settle();
    expect(answered).toBe(5);
    const drops = ofType(bob, "invite-dropped");
    expect(drops).toHaveLength(3);
    expect(drops.every((d) => d.source === "group-control" && d.peer === alice.client.installationKey)).toBe(true);
    // A new window admits the sender again.
    await w.run(WINDOW);
    await alice.client.sendGroupControl(conversationId, request(8));
    await settle();
    expect(answered).toBe(6);
  }, 60_000);
});
