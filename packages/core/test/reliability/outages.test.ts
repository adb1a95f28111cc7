/**
 * Outages a chat user meets in the first week, through the public Client API: a peer closed or cut off for
 * minutes to days while the other keeps writing, bursts far beyond the ratchet's max_skip, a partition longer
 * than every give-up bound. Each must end with every message delivered exactly once, in order, and `acked`
 * only for what the peer's application got; what is given up is reported on both sides.
 */
import { describe, expect, it } from "vitest";
import type { ClientEvent } from "../../src/client/index.js";
import { deliveryStates, errors, messages, type Peer, started, world } from "../client/harness.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Alice and Bob with a conversation both sides know. */
async function pair(seed: string, config?: Parameters<ReturnType<typeof world>["peer"]>[1]) {
  const w = world(seed);
  const alice = await w.peer("alice", config);
  const bob = await w.peer("bob", config);
  const { conversationId: aConv } = await alice.client.startConversation(await bob.client.introBundle(), "hello");
  for (let i = 0; i < 60 && started(bob).length === 0; i++) await w.run(1_000);
  const bConv = started(bob)[0]!.conversationId;
  await w.run(5_000);
  return { w, alice, bob, aConv, bConv };
}

function lastStates(peer: Peer, ids: readonly string[]): string[] {
  return ids.map((id) => deliveryStates(peer, id).at(-1) ?? "none");
}

function ofType<T extends ClientEvent["type"]>(peer: Peer, type: T): Extract<ClientEvent, { type: T }>[] {
  return peer.events.filter((e): e is Extract<ClientEvent, { type: T }> => e.type === type);
}

describe("outages", () => {
  it("200 messages to a closed peer with default settings: all arrive once, in order, acked, none lost", async () => {
    const { w, alice, bob, aConv } = await pair("closed-200");
    // Bob's process is gone (its subscriptions too) while Alice writes over two hours.
    await bob.client.close();
    const ids: string[] = [];
    const sent: string[] = [];
    for (let i = 0; i < 200; i++) {
      sent.push(`m${i}`);
      ids.push((await alice.client.send(aConv, `m${i}`)).messageId);
      await w.run(36_000);
    }
    await w.run(3 * HOUR);
    expect(lastStates(alice, ids).filter((s) => s === "lost")).toEqual([]);
    // Bob comes back; the network has no history service here, so only resends bring the messages.
    await w.restart(bob);
    for (let i = 0; i < 240 && lastStates(alice, ids).some((s) => s !== "acked"); i++) await w.run(MINUTE);
    expect(messages(bob).slice(1)).toEqual(sent);
    expect(lastStates(alice, ids).every((s) => s === "acked")).toBe(true);
    expect(errors(bob).map((e) => e.error.code)).toEqual([]);
    await alice.client.close();
    await bob.client.close();
  }, 300_000);

  it("a 20-minute partition with fast resends: the conversation survives and catches up", async () => {
    const config = { sweepIntervalMs: 1_000, resendAfterMs: 4_000 };
    const { w, alice, bob, aConv, bConv } = await pair("partition-fast", config);
    const cut = w.bus.partition(["alice"], ["bob"]);
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      ids.push((await alice.client.send(aConv, `a${i}`)).messageId);
      await bob.client.send(bConv, `b${i}`);
      await w.run(20_000);
    }
    cut.heal();
    for (let i = 0; i < 120 && lastStates(alice, ids).some((s) => s !== "acked"); i++) await w.run(10_000);
    expect(messages(bob).slice(1)).toEqual(Array.from({ length: 60 }, (_, i) => `a${i}`));
    expect(messages(alice)).toEqual(Array.from({ length: 60 }, (_, i) => `b${i}`));
    expect(lastStates(alice, ids).every((s) => s === "acked")).toBe(true);
    // Resends reuse their ratchet message: the receiver never saw a message too far ahead.
    expect([...errors(alice), ...errors(bob)].map((e) => e.error.code)).toEqual([]);
    // And after the partition, new messages flow at once.
    const after = await alice.client.send(aConv, "after");
    await w.run(10_000);
    expect(messages(bob).at(-1)).toBe("after");
    expect(deliveryStates(alice, after.messageId).at(-1)).toBe("acked");
    await alice.client.close();
    await bob.client.close();
  }, 300_000);

  it("a burst of 3,000 messages (3× max_skip) while the peer is away", async () => {
    const { w, alice, bob, aConv } = await pair("burst-3000", { sweepIntervalMs: 5_000 });
    const cut = w.bus.partition(["alice"], ["bob"]);
    const ids: string[] = [];
    for (let i = 0; i < 3_000; i++) ids.push((await alice.client.send(aConv, `m${i}`)).messageId);
    await w.run(10 * MINUTE);
    cut.heal();
    for (let i = 0; i < 600 && lastStates(alice, ids).some((s) => s !== "acked"); i++) await w.run(30_000);
    const got = messages(bob).slice(1);
    expect(got.length).toBe(3_000);
    expect(got).toEqual(Array.from({ length: 3_000 }, (_, i) => `m${i}`));
    expect(lastStates(alice, ids).filter((s) => s !== "acked")).toEqual([]);
    expect(errors(bob).filter((e) => e.error.code === "too-far-ahead")).toEqual([]);
    await alice.client.close();
    await bob.client.close();
  }, 600_000);

  it("a peer offline for 3 days: nothing is marked lost, and it all arrives when it is back", async () => {
    const { w, alice, bob, aConv, bConv } = await pair("three-days");
    const cut = w.bus.partition(["alice"], ["bob"]);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      ids.push((await alice.client.send(aConv, `a${i}`)).messageId);
      await w.run(6 * HOUR, 60_000);
    }
    await w.run(DAY, 60_000);
    expect(lastStates(alice, ids).filter((s) => s === "lost")).toEqual([]);
    cut.heal();
    // The peer is back: as soon as it says anything, what waited for it is resent at the base rate.
    await bob.client.send(bConv, "back");
    for (let i = 0; i < 60 && lastStates(alice, ids).some((s) => s !== "acked"); i++) await w.run(MINUTE);
    expect(messages(bob).slice(1)).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`));
    expect(lastStates(alice, ids).every((s) => s === "acked")).toBe(true);
    await alice.client.close();
    await bob.client.close();
  }, 300_000);

  it("given up after 7 days, then fetched from history: lost becomes acked, shown once", async () => {
    const { w, alice, bob, aConv } = await pair("late-ack", { sweepIntervalMs: 60_000 });
    const cut = w.bus.partition(["alice"], ["bob"]);
    const gone = await alice.client.send(aConv, "gone");
    await w.run(7 * DAY + HOUR, 60_000);
    expect(deliveryStates(alice, gone.messageId).at(-1)).toBe("lost");
    cut.heal();
    // Bob was away the whole time; a history service kept every copy Alice published.
    await bob.client.catchUp(0);
    await w.run(10 * MINUTE, 60_000);
    expect(messages(bob)).toEqual(["hello", "gone"]);
    expect(deliveryStates(alice, gone.messageId).slice(-2)).toEqual(["lost", "acked"]);
    await alice.client.close();
    await bob.client.close();
  }, 300_000);

  it("a message that never arrives is reported on both sides, and what followed it is delivered", async () => {
    const { w, alice, bob, aConv } = await pair("both-sides", { sweepIntervalMs: 60_000 });
    // Nothing from Alice reaches Bob for a week: her first message is never delivered.
    w.bus.setLinkFaults("alice", "bob", { drop: 1 });
    const gone = await alice.client.send(aConv, "gone");
    await w.run(6 * DAY, 60_000);
    const after = await alice.client.send(aConv, "after");
    await w.run(DAY + HOUR, 60_000);
    // Alice gave up on the first (her bound), never on the second, which she keeps resending.
    expect(deliveryStates(alice, gone.messageId).at(-1)).toBe("lost");
    w.bus.setLinkFaults("alice", "bob", undefined);
    await w.run(HOUR, 60_000);
    // Bob has "after" and knows something before it is missing: it waits (in order) ...
    expect(messages(bob)).toEqual(["hello"]);
    expect(ofType(bob, "message-missing").length).toBeGreaterThan(0);
    // ... until his own bound (a day past Alice's) declares the missing one lost, and "after" is delivered.
    await w.run(9 * DAY, 60_000);
    expect(ofType(bob, "message-lost").map((e) => e.lost.length)).toEqual([1]);
    expect(messages(bob)).toEqual(["hello", "after"]);
    // Exactly the delivered message is acknowledged; the lost one stays lost.
    expect(deliveryStates(alice, after.messageId).at(-1)).toBe("acked");
    expect(deliveryStates(alice, gone.messageId).at(-1)).toBe("lost");
    await alice.client.close();
    await bob.client.close();
  }, 300_000);

  it("ratchets diverged beyond repair (a conversation state restored from an old copy) heal by a session reset", async () => {
    const { w, alice, bob, aConv, bConv } = await pair("diverged");
    const stateKey = `PrivateV1:${bConv}`;
    const old = await bob.store.get("framework.conversation-state", stateKey);
    // The conversation goes on for a while (several ratchet steps both ways) ...
    for (let i = 0; i < 5; i++) {
      await alice.client.send(aConv, `a${i}`);
      await w.run(5_000);
      await bob.client.send(bConv, `b${i}`);
      await w.run(5_000);
    }
    await w.run(MINUTE);
    // ... then Bob's conversation state goes back to the old copy (a restored backup, a second writer's
    // stale write): his ratchet keys are not the ones Alice now uses, in either direction.
    await bob.client.close();
    await bob.store.commit([{ op: "put", ns: "framework.conversation-state", key: stateKey, value: old! }]);
    await w.restart(bob);
    const back = await alice.client.send(aConv, "after the restore");
    const reply = await bob.client.send(bConv, "me too");
    for (let i = 0; i < 120; i++) {
      if (
        deliveryStates(alice, back.messageId).at(-1) === "acked" &&
        deliveryStates(bob, reply.messageId).at(-1) === "acked"
      )
        break;
      await w.run(MINUTE, 5_000);
    }
    // A new session (a reset: one side could open nothing for ten minutes) carried both messages, and
    // what Bob's old state had forgotten was not shown twice.
    expect(messages(bob)).toEqual(["hello", "a0", "a1", "a2", "a3", "a4", "after the restore"]);
    expect(messages(alice)).toEqual(["b0", "b1", "b2", "b3", "b4", "me too"]);
    expect(deliveryStates(alice, back.messageId).at(-1)).toBe("acked");
    expect(deliveryStates(bob, reply.messageId).at(-1)).toBe("acked");
    // And the new session carries on both ways.
    await bob.client.send(bConv, "yes");
    await alice.client.send(aConv, "good");
    await w.run(MINUTE, 5_000);
    expect(messages(alice).at(-1)).toBe("yes");
    expect(messages(bob).at(-1)).toBe("good");
    await alice.client.close();
    await bob.client.close();
  }, 600_000);
});
